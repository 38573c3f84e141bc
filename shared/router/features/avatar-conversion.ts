// XEP-0398 v1.0.0 User Avatar to vCard-Based Avatars Conversion, done by the router (which owns
// the vCard) talking to the user's PEP service on the PubSub component (docs/pep.md §8):
// - PEP → vCard (§3.1): after the owner's publish to 'urn:xmpp:avatar:metadata' succeeds, the
//   image of the <info/> without `url` is read from 'urn:xmpp:avatar:data', its SHA-1 checked
//   against the id, and stored as the vCard's PHOTO (other vCard fields kept);
// - vCard → PEP (§3.2): after the owner stores a vCard with an inline PHOTO that differs from
//   the current one, the image is published to the data node (id = SHA-1), then the metadata
//   node gets one <info/> — the component notifies the metadata node's subscribers as usual;
// - presence (§4): vcard-avatar-hashes.ts stamps the photo hash into available presence.
// The router never watches what it writes itself (vCards go straight to storage, its PEP
// publishes are not client IQs), so neither direction can trigger the other.
import type { Element } from 'ltx';
import type { Router } from '../router.js';
import { MAX_VCARD_BYTES, VCARD_KEY } from './vcard.js';
import { PerUserQueue } from './per-user-queue.js';
import { parseStoredElement } from './stored-xml.js';
import { itemsRequest, publishRequest } from '../pep-requests.js';
import { avatarInfoOf, avatarItems, NS_AVATAR_DATA, NS_AVATAR_METADATA, photoOf, sha1Hex, withPhoto } from './vcard-photo.js';

export const PEP_VCARD_CONVERSION = 'urn:xmpp:pep-vcard-conversion:0';

/** What features/vcard.ts calls (VcardHooks). */
export interface AvatarConversion {
  /** The owner stored `vcard`: resolves once its photo is on PEP too (or that failed, logged). */
  stored(owner: string, vcard: Element): Promise<void>;
  /** Resolves once conversions still running for the owner are done. */
  settled(owner: string): Promise<void>;
}

export function installAvatarConversion(router: Router): AvatarConversion {
  const store = router.options.stores.accountData;
  const hashes = router.vcardAvatars;
  const queue = new PerUserQueue(router.log, 'avatar conversion');
  router.sessionHooks.bound.push((s) => hashes.sessionBound(s));
  router.sessionHooks.ended.push((s) => hashes.sessionEnded(s));

  const loadVcard = async (owner: string) => {
    const xml = await store.get(owner, VCARD_KEY);
    const vcard = xml === undefined ? undefined : parseStoredElement(xml);
    return vcard?.name === 'vCard' ? vcard : undefined;
  };

  /** §3.1: the metadata the owner published becomes the vCard's PHOTO. */
  async function pepToVcard(owner: string, metadata: Element): Promise<void> {
    const info = avatarInfoOf(metadata);
    // An empty <metadata/> (XEP-0084 §4.5, avatar disabled) or only external URLs: the vCard
    // keeps its PHOTO — XEP-0398 converts images, and XEP-0153 has no "no avatar" of its own.
    if (info === undefined || info === 'disabled') return;
    const vcard = await loadVcard(owner);
    if (photoOf(vcard)?.hash === info.id) return; // already there (e.g. it came from the vCard)
    const answer = await router.pep.requests.send(owner, 'get', itemsRequest(NS_AVATAR_DATA, info.id));
    const item = answer.getChild('pubsub')?.getChild('items')?.getChildren('item').find((i) => i.attrs.id === info.id);
    const data = Buffer.from(item?.getChildText('data', NS_AVATAR_DATA)?.replace(/\s+/g, '') ?? '', 'base64');
    if (data.length === 0 || sha1Hex(data) !== info.id) {
      router.log.warn({ user: owner, id: info.id }, 'XEP-0398: avatar data missing or not matching its SHA-1 id; vCard not updated');
      return;
    }
    const updated = withPhoto(vcard, { type: info.type, data }).toString();
    if (Buffer.byteLength(updated) > MAX_VCARD_BYTES) {
      router.log.warn({ user: owner, bytes: data.length }, 'XEP-0398: avatar too large for the vCard; vCard not updated');
      return;
    }
    await store.put(owner, VCARD_KEY, updated);
    hashes.changed(owner, info.id);
  }

  /** §3.2: a new inline PHOTO in the stored vCard is published as User Avatar. */
  async function vcardToPep(owner: string, vcard: Element): Promise<void> {
    const photo = photoOf(vcard);
    if (!photo) return; // no photo: nothing to publish (removing it does not disable the PEP avatar)
    const { data, metadata } = avatarItems(photo);
    const current = await router.pep.requests.send(owner, 'get', itemsRequest(NS_AVATAR_METADATA)).catch(() => undefined);
    const published = current?.getChild('pubsub')?.getChild('items')?.getChild('item')?.getChild('metadata', NS_AVATAR_METADATA);
    const info = published && avatarInfoOf(published);
    if (info && info !== 'disabled' && info.id === photo.hash) return; // already the PEP avatar
    await router.pep.requests.send(owner, 'set', publishRequest(NS_AVATAR_DATA, photo.hash, data));
    await router.pep.requests.send(owner, 'set', publishRequest(NS_AVATAR_METADATA, photo.hash, metadata));
  }

  router.pep.ownerChanges.push((owner, request) => {
    const publish = request.getChild('pubsub', 'http://jabber.org/protocol/pubsub')?.getChild('publish');
    if (publish?.attrs.node !== NS_AVATAR_METADATA) return;
    const metadata = publish.getChild('item')?.getChild('metadata', NS_AVATAR_METADATA);
    if (metadata) queue.run(owner, () => pepToVcard(owner, metadata));
  });

  return {
    async stored(owner, vcard) {
      hashes.changed(owner, photoOf(vcard)?.hash ?? '');
      if (router.pep.available) await queue.run(owner, () => vcardToPep(owner, vcard));
    },
    settled: (owner) => queue.settled(owner),
  };
}
