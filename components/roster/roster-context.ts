// What every roster handler gets: the configuration, the store, and the ways out of the component
// (stanzas on a user's behalf, roster pushes), plus which JIDs are reachable.
import type { Logger } from 'pino';
import type { RosterStore } from '../../shared/storage/types.js';
import { makeJid, type Jid } from '../../shared/jid.js';
import { wrapPrivileged } from './privilege.js';
import { rosterPush } from './roster-items.js';
import type { XmlElement } from '../../shared/component/xmpp-bindings.js';

/** Hands a stanza to the component link. Never throws; failures are logged by the link. */
export type Send = (stanza: XmlElement) => void;

export interface RosterServiceConfig {
  /** The component's own domain, e.g. 'roster.localhost'. */
  domain: string;
  /** The server's domain, e.g. 'localhost': users are local@serverDomain. */
  serverDomain: string;
  rosters: RosterStore;
  /** Most items (and most pending inbound requests) in one roster. */
  maxItems: number;
  log: Logger;
  /**
   * Optional account check (RFC 6121 §3.1.3): a subscription request to a local JID without an
   * account is answered 'unsubscribed'. Without it every local JID is treated as existing.
   */
  userExists?: (bareJid: string) => Promise<boolean>;
}

export interface HandlerContext extends RosterServiceConfig {
  send: Send;
}

/**
 * Where a contact lives: a user of this server, a service on one of its subdomains (another
 * component, e.g. pubsub.localhost), a JID of another server (routed on the user's behalf: the
 * router federates it, docs/s2s.md, or bounces remote-server-not-found when s2s is off), or
 * nowhere (the server's bare domain).
 */
export type Reach = 'local-user' | 'local-service' | 'remote' | 'unreachable';

export function reachOf(config: Pick<RosterServiceConfig, 'serverDomain'>, jid: Jid): Reach {
  if (jid.domain === config.serverDomain) return jid.local ? 'local-user' : 'unreachable';
  if (jid.domain.endsWith(`.${config.serverDomain}`)) return 'local-service';
  return 'remote';
}

/** The same JID without its resource. */
export function bareOf(jid: Jid): Jid {
  return jid.resource ? makeJid(jid.local, jid.domain) : jid;
}

export function isLocalUser(config: Pick<RosterServiceConfig, 'serverDomain'>, jid: Jid | undefined): jid is Jid {
  return jid !== undefined && reachOf(config, jid) === 'local-user';
}

/** docs/roster-delegation.md §2: `inner` is delivered as coming from its own `from`. */
export function sendOnBehalf(ctx: HandlerContext, inner: XmlElement): void {
  ctx.send(wrapPrivileged(inner, { from: ctx.domain, to: ctx.serverDomain }));
}

/** Sends `inner` when its recipient is reachable; drops it (debug log) otherwise. */
export function sendToContact(ctx: HandlerContext, inner: XmlElement, to: Jid): void {
  if (reachOf(ctx, to) === 'unreachable') {
    ctx.log.debug({ to: to.full, type: inner.attrs.type }, 'roster: contact not reachable, not sent');
    return;
  }
  sendOnBehalf(ctx, inner);
}

/** RFC 6121 §2.1.6: a roster push to the owner's bare JID, carrying the roster version (XEP-0237). */
export function pushItem(ctx: HandlerContext, owner: string, version: number, item: XmlElement): void {
  sendOnBehalf(ctx, rosterPush(owner, version, item));
}
