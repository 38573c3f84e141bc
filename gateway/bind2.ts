// XEP-0386 Bind 2: resource binding inside the SASL2 <authenticate/> (XEP-0388), with the
// session features a client may switch on in the same request: XEP-0198 <enable/>, XEP-0280
// carbons, XEP-0352 <active/>/<inactive/>. What this file owns: the feature advertised, the
// request parsed, the resource generated. client-session.ts binds and enables.
import { createHmac, randomBytes } from 'node:crypto';
import { Element } from 'ltx';
import { isValidResource } from '../shared/jid.js';
import { CARBONS } from '../shared/router/features/carbons.js';
import { NS } from '../shared/xml/namespaces.js';

export const NS_BIND2 = NS.bind2;

/** A <tag/> longer than this is cut (it only prefixes the resource, §3.2.1). */
const MAX_TAG_CHARS = 64;

export interface Bind2Request {
  /** <tag/>: the client software's name, the resource's prefix. */
  tag?: string;
  /** XEP-0198 <enable/> to answer inside <bound/>. */
  enableSm?: Element;
  /** XEP-0280 <enable/>: carbons on from the start. */
  carbons: boolean;
  /** XEP-0352 <active/> or <inactive/>: the session starts in that state. */
  csi?: Element;
}

export function parseBind2(authenticate: Element): Bind2Request | undefined {
  const bind = authenticate.getChild('bind', NS_BIND2);
  if (!bind) return undefined;
  const tag = bind.getChildText('tag')?.trim().normalize('NFC').slice(0, MAX_TAG_CHARS);
  return {
    tag: tag && isValidResource(tag) ? tag : undefined,
    enableSm: bind.getChild('enable', NS.sm),
    carbons: bind.getChild('enable', CARBONS) !== undefined,
    csi: bind.getChild('inactive', NS.csi) ?? bind.getChild('active', NS.csi),
  };
}

/**
 * §3.2.1: `[tag]/[server part]`. With a SASL2 <user-agent id/>, the server part is stable for that
 * client — an HMAC of the id keyed by a secret of the account (its SCRAM ServerKey), so it never
 * shows the id and a reconnecting client gets its resource back (and replaces its old session,
 * §3.2). Without one it is random.
 */
export function bind2Resource(tag: string | undefined, clientId: string | undefined, accountSecret: string | undefined): string {
  const id = clientId && accountSecret
    ? createHmac('sha256', accountSecret).update(`bind2:${clientId}`).digest().subarray(0, 9).toString('base64url')
    : randomBytes(9).toString('base64url');
  return tag ? `${tag}/${id}` : id;
}

/** The Bind 2 inline feature: which session features may be requested with it. */
export function bind2Feature(streamManagement: boolean): Element {
  const bind = new Element('bind', { xmlns: NS_BIND2 });
  const inline = bind.c('inline');
  inline.c('feature', { var: CARBONS });
  inline.c('feature', { var: NS.csi });
  if (streamManagement) inline.c('feature', { var: NS.sm });
  return bind;
}
