// JIDs as the router needs them (RFC 7622): parsed once, normalised, validated.
// Full PRECIS profiles are not applied: local part and domain are NFC + lower-cased, the
// resource is NFC; the characters RFC 7622 §3.3.1 forbids in a local part are refused.

export interface Jid {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;
  /** local@domain, or domain */
  readonly bare: string;
  /** bare/resource, or bare when there is no resource */
  readonly full: string;
}

const MAX_PART_BYTES = 1023;
const FORBIDDEN_IN_LOCAL = /["&'/:<>@\s]/;
const DOMAIN_RE = /^(?:[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]{0,61}[a-z0-9\u0080-\uffff])?\.)*[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]{0,61}[a-z0-9\u0080-\uffff])?$|^\[[0-9a-f:.]+\]$/;

function tooLong(part: string): boolean {
  return part.length > MAX_PART_BYTES || Buffer.byteLength(part) > MAX_PART_BYTES;
}

/** Parses and normalises a JID; undefined when it is malformed (the caller answers jid-malformed). */
export function parseJid(text: string): Jid | undefined {
  if (!text) return undefined;
  const slash = text.indexOf('/');
  const beforeResource = slash === -1 ? text : text.slice(0, slash);
  const resource = slash === -1 ? '' : text.slice(slash + 1).normalize('NFC');
  if (slash !== -1 && (resource === '' || tooLong(resource))) return undefined;
  const at = beforeResource.indexOf('@');
  const local = at === -1 ? '' : beforeResource.slice(0, at).normalize('NFC').toLowerCase();
  let domain = (at === -1 ? beforeResource : beforeResource.slice(at + 1)).normalize('NFC').toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (at !== -1 && (local === '' || FORBIDDEN_IN_LOCAL.test(local) || tooLong(local))) return undefined;
  if (!DOMAIN_RE.test(domain) || tooLong(domain)) return undefined;
  return makeJid(local, domain, resource);
}

export function makeJid(local: string, domain: string, resource = ''): Jid {
  const bare = local ? `${local}@${domain}` : domain;
  return { local, domain, resource, bare, full: resource ? `${bare}/${resource}` : bare };
}

/** Whether the resource part is acceptable for binding (RFC 6120 §7.7.2.1). */
export function isValidResource(resource: string): boolean {
  return resource.length > 0 && !tooLong(resource) && !/[\u0000-\u001f\u007f]/.test(resource);
}
