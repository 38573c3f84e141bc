// The vCard PHOTO (XEP-0054, XEP-0153) and the User Avatar payloads (XEP-0084) the XEP-0398
// conversion moves between them. Pure functions: no storage, no routing.
import { createHash } from 'node:crypto';
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';

export const NS_AVATAR_DATA = 'urn:xmpp:avatar:data';
export const NS_AVATAR_METADATA = 'urn:xmpp:avatar:metadata';
export const NS_VCARD_UPDATE = 'vcard-temp:x:update';

export interface Photo {
  /** MIME type (the vCard's TYPE, XEP-0084's `type`); image/png when the vCard gives none. */
  type: string;
  data: Buffer;
  /** SHA-1 of the image bytes, lower-case hex: XEP-0153's photo hash and XEP-0084's item id. */
  hash: string;
}

export function sha1Hex(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The inline PHOTO of a vCard (BINVAL), or undefined (none, empty, or only an EXTVAL URL). */
export function photoOf(vcard: Element | undefined): Photo | undefined {
  const photo = vcard?.getChild('PHOTO');
  const binval = photo?.getChildText('BINVAL')?.replace(/\s+/g, '');
  if (!photo || !binval) return undefined;
  const data = Buffer.from(binval, 'base64');
  if (data.length === 0) return undefined;
  return { type: photo.getChildText('TYPE')?.trim() || 'image/png', data, hash: sha1Hex(data) };
}

/** A copy of `vcard` (or a new one) whose PHOTO is `photo`, every other field kept. */
export function withPhoto(vcard: Element | undefined, photo: Pick<Photo, 'type' | 'data'>): Element {
  const copy = new Element('vCard', { xmlns: NS.vcard });
  for (const child of vcard?.children ?? []) {
    if (typeof child === 'string' || child.name !== 'PHOTO') copy.cnode(child as Element);
  }
  const el = copy.c('PHOTO');
  el.c('TYPE').t(photo.type);
  el.c('BINVAL').t(photo.data.toString('base64'));
  return copy;
}

/** XEP-0084 §4.2: the <info/> that describes image bytes stored in the data node (no `url`). */
export interface AvatarInfo {
  id: string;
  type: string;
  bytes: number;
}

/**
 * What a published <metadata/> says (XEP-0084 §4.2): 'disabled' for an empty one (§4.5), the
 * info of the image stored in the data node (XEP-0398 §3.1: the one without `url`), or undefined
 * when every image is elsewhere (nothing to convert).
 */
export function avatarInfoOf(metadata: Element): AvatarInfo | 'disabled' | undefined {
  const infos = metadata.getChildren('info');
  if (infos.length === 0) return 'disabled';
  const local = infos.find((i) => !i.attrs.url && i.attrs.id);
  if (!local) return undefined;
  return { id: String(local.attrs.id), type: String(local.attrs.type ?? 'image/png'), bytes: Number(local.attrs.bytes ?? 0) };
}

/** XEP-0398 §3.2: the data item and the metadata item that publish a vCard's photo on PEP. */
export function avatarItems(photo: Photo): { data: Element; metadata: Element } {
  const data = new Element('data', { xmlns: NS_AVATAR_DATA }).t(photo.data.toString('base64'));
  const metadata = new Element('metadata', { xmlns: NS_AVATAR_METADATA });
  metadata.c('info', { id: photo.hash, type: photo.type, bytes: String(photo.data.length) });
  return { data, metadata };
}
