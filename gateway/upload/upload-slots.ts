// XEP-0363 slots: what a slot request may ask for (size, type, name) and the signed, expiring PUT
// URL that lets any gateway sharing the upload directory and its key take the upload without
// shared state (docs/upload.md). Pure functions: no disk, no clock of their own.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UploadLimits {
  /** Largest file, in bytes (advertised as max-file-size). */
  maxFileBytes: number;
  /** Bytes one user may keep stored (files not expired yet plus open slots). */
  quotaBytes: number;
  /** Allowed content types; empty: any well-formed type. */
  allowedTypes: readonly string[];
}

export interface SlotRequest {
  filename: string;
  size: number;
  contentType: string;
}

/** Why a request gets no slot: the stanza error, and max-file-size for file-too-large (XEP-0363 §5). */
export type SlotRefusal =
  | { condition: 'bad-request'; text: string }
  | { condition: 'not-acceptable'; text: string; maxFileBytes?: number };

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const MAX_FILENAME_CHARS = 200;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/i;

/** The last path segment of a client's file name, without control characters; never empty, `.` or `..`. */
export function safeFilename(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = [...base.replace(/[\u0000-\u001f\u007f]/g, '_')].slice(0, MAX_FILENAME_CHARS).join('').trim();
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

/** Parses the <request/> attributes and checks them against the limits (quota is checked by the caller). */
export function checkSlotRequest(attrs: Record<string, string | undefined>, limits: UploadLimits): SlotRequest | SlotRefusal {
  const { filename, size: sizeText } = attrs;
  const contentType = (attrs['content-type'] ?? '').trim();
  if (!filename) return { condition: 'bad-request', text: 'The request needs a filename' };
  if (!sizeText || !/^\d{1,15}$/.test(sizeText) || Number(sizeText) === 0) return { condition: 'bad-request', text: 'The request needs a size in bytes above 0' };
  const size = Number(sizeText);
  if (size > limits.maxFileBytes) return { condition: 'not-acceptable', text: `File too large, the maximum is ${limits.maxFileBytes} bytes`, maxFileBytes: limits.maxFileBytes };
  if (contentType && !CONTENT_TYPE.test(contentType)) return { condition: 'bad-request', text: 'Malformed content-type' };
  const type = contentType.toLowerCase() || DEFAULT_CONTENT_TYPE;
  if (limits.allowedTypes.length > 0 && !limits.allowedTypes.includes(type)) return { condition: 'not-acceptable', text: `Files of type ${type} are not accepted` };
  return { filename: safeFilename(filename), size, contentType: type };
}

export function isRefusal(value: SlotRequest | SlotRefusal): value is SlotRefusal {
  return 'condition' in value;
}

/** What the PUT URL carries and the signature covers. */
export interface SlotClaims {
  /** The uploader's folder: a keyed hash of the bare JID (ownerKey), so URLs do not show JIDs. */
  owner: string;
  /** Random slot id (unguessable: the GET URL is the capability). */
  id: string;
  filename: string;
  size: number;
  contentType: string;
  /** Unix seconds after which the PUT URL is refused. */
  expires: number;
}

export function ownerKey(secret: Buffer, bareJid: string): string {
  return createHmac('sha256', secret).update(`owner\n${bareJid}`).digest('hex').slice(0, 32);
}

function signature(secret: Buffer, c: SlotClaims): Buffer {
  return createHmac('sha256', secret).update(`put\n${c.owner}\n${c.id}\n${c.filename}\n${c.size}\n${c.contentType}\n${c.expires}`).digest();
}

/** `/upload/OWNER/ID/FILENAME` (the GET URL's path; the PUT URL adds the signed query). */
export function slotPath(c: Pick<SlotClaims, 'owner' | 'id' | 'filename'>): string {
  return `/upload/${c.owner}/${c.id}/${encodeURIComponent(c.filename)}`;
}

export function signedPutQuery(secret: Buffer, c: SlotClaims): string {
  const params = new URLSearchParams({ size: String(c.size), type: c.contentType, expires: String(c.expires), sig: signature(secret, c).toString('base64url') });
  return params.toString();
}

/** Splits `/upload/OWNER/ID/FILENAME`; undefined when it is not one. */
export function parseSlotPath(path: string): Pick<SlotClaims, 'owner' | 'id' | 'filename'> | undefined {
  const m = /^\/upload\/([0-9a-f]{32})\/([A-Za-z0-9_-]{22})\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  try {
    return { owner: m[1]!, id: m[2]!, filename: decodeURIComponent(m[3]!) };
  } catch {
    return undefined;
  }
}

/** Checks a PUT's path and query: the claims when the signature is right and not expired. */
export function verifyPut(secret: Buffer, path: string, query: string, nowSeconds: number): SlotClaims | 'forbidden' | 'expired' {
  const where = parseSlotPath(path);
  if (!where) return 'forbidden';
  const params = new URLSearchParams(query);
  const claims: SlotClaims = { ...where, size: Number(params.get('size')), contentType: params.get('type') ?? '', expires: Number(params.get('expires')) };
  const given = Buffer.from(params.get('sig') ?? '', 'base64url');
  const expected = signature(secret, claims);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forbidden';
  return claims.expires < nowSeconds ? 'expired' : claims;
}
