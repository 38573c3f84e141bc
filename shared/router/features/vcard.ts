// vcard-temp (XEP-0054 v1.2): the server stores each user's vCard and answers for it. The user
// gets and sets their own (no `to`, or their bare JID); anyone may get another user's (to their
// bare JID), subject to blocking. The server keeps the PHOTO like any other field, which is all
// vCard-based avatars (XEP-0153) need from it.
import { Element } from 'ltx';
import { parseJid } from '../../jid.js';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';
import { StanzaError, type ServerIqRequest } from '../server-iq.js';
import { parseStoredElement } from './stored-xml.js';

export const VCARD = NS.vcard;
export const VCARD_KEY = 'vcard';
/** Largest vCard stored, serialised (a PHOTO of ~48 KB of image, base64-encoded, fits). */
export const MAX_VCARD_BYTES = 64 * 1024;

/** Other features that follow the vCard (XEP-0398, avatar-conversion.ts). */
export interface VcardHooks {
  /** After the owner stored a vCard; the set is answered once it resolves. */
  stored?(owner: string, vcard: Element): Promise<void>;
  /** Resolves once work that may still change the owner's vCard is done; reads wait for it. */
  settled?(owner: string): Promise<void>;
}

export function installVcard(router: Router, hooks: VcardHooks = {}): void {
  const store = router.options.stores.accountData;
  router.serverIq.features.add(VCARD);

  const load = async (bare: string): Promise<Element | undefined> => {
    await hooks.settled?.(bare);
    const xml = await store.get(bare, VCARD_KEY);
    const vcard = xml === undefined ? undefined : parseStoredElement(xml);
    return vcard?.name === 'vCard' ? vcard : undefined;
  };
  const empty = () => new Element('vCard', { xmlns: VCARD });

  /** The user the own-account request is about; forbidden for anyone but a local user. */
  const ownAccount = ({ from, stanza }: ServerIqRequest): string => {
    const to: string | undefined = stanza.attrs.to;
    if (!from.local || from.domain !== router.domain || (to !== undefined && to !== from.bare)) throw new StanzaError('forbidden');
    return from.bare;
  };

  // §3.1: the user's own vCard; an empty one when none is stored. The server itself has none.
  router.serverIq.handle(`iq/get/${VCARD}`, async (request) => {
    if (request.stanza.attrs.to === router.domain) return empty();
    return (await load(ownAccount(request))) ?? empty();
  });

  // §3.2: the user publishes their vCard (the whole of it replaces the old one).
  router.serverIq.handle(`iq/set/${VCARD}`, async (request) => {
    const owner = ownAccount(request);
    const { payload } = request;
    if (payload.name !== 'vCard') throw new StanzaError('bad-request');
    const xml = payload.toString();
    if (Buffer.byteLength(xml) > MAX_VCARD_BYTES) throw new StanzaError('not-acceptable', `The vCard is larger than ${MAX_VCARD_BYTES} bytes`);
    await store.put(owner, VCARD_KEY, xml);
    await hooks.stored?.(owner, payload);
    return undefined;
  });

  // §3.3: another user's vCard. No vCard and no such user give the same error (no harvesting).
  router.accountIq.handle(`iq/get/${VCARD}`, async ({ stanza }) => {
    const target = parseJid(stanza.attrs.to ?? '');
    const vcard = target && (await load(target.bare));
    if (!vcard) throw new StanzaError('item-not-found');
    return vcard;
  });
  router.accountIq.handle(`iq/set/${VCARD}`, () => {
    throw new StanzaError('forbidden', "Only the owner sets a vCard");
  });
}
