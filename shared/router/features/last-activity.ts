// Last Activity (XEP-0012 v2.0): to the server, its uptime (§5); to a user's bare JID, the time
// since their last logout with the status of that unavailable presence, or 0 while they are
// available (§4) — only for requesters the user lets see their presence (subscription 'from' or
// 'both'), `forbidden` for everyone else. IQs to a full JID go to that client (§5), as usual.
import { Element } from 'ltx';
import { parseJid } from '../../jid.js';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';
import type { RoutedSession } from '../session.js';
import { StanzaError } from '../server-iq.js';
import { LastLogoutWriter } from './last-logout-writer.js';

export const LAST = NS.lastActivity;
export const LAST_KEY = 'last';
/** Longest status text kept from the last unavailable presence. */
const MAX_STATUS_CHARS = 1024;

interface LastLogout {
  at: number;
  status?: string;
}

/** The <status/> of the unavailable presence a resource sent (until it is gone). */
const unavailableStatus = new WeakMap<RoutedSession, string>();

/** Called by the router for unavailable presence without `to` from a client. */
export function noteUnavailablePresence(session: RoutedSession, stanza: Element): void {
  const status = stanza.getChildText('status');
  if (status) unavailableStatus.set(session, status.slice(0, MAX_STATUS_CHARS));
  else unavailableStatus.delete(session);
}

/** Returns the writer of last logouts, for the node's stop to flush. */
export function installLastActivity(router: Router): LastLogoutWriter {
  const store = router.options.stores.accountData;
  const startedAt = Date.now();
  const writer = new LastLogoutWriter((user, record) => store.put(user, LAST_KEY, record), (user) => store.delete(user, LAST_KEY), {
    onError: (err, failures) => router.log.warn({ err, failures }, 'recording last logouts failed; trying again'),
  });
  router.serverIq.features.add(LAST);
  const query = (seconds: number, status?: string) => {
    const el = new Element('query', { xmlns: LAST, seconds: String(Math.max(0, Math.floor(seconds))) });
    if (status) el.t(status);
    return el;
  };

  // To the server: its uptime. Without `to` (or to the user's own bare JID): the user is online.
  router.serverIq.handle(`iq/get/${LAST}`, ({ stanza }) => query(stanza.attrs.to === router.domain ? (Date.now() - startedAt) / 1000 : 0));

  router.accountIq.handle(`iq/get/${LAST}`, async ({ stanza, from }) => {
    const user = parseJid(stanza.attrs.to ?? '');
    if (!user) throw new StanzaError('item-not-found');
    const roster = await router.options.stores.rosters.get(user.bare);
    const item = roster.items.find((i) => i.jid === from.bare);
    if (item?.subscription !== 'from' && item?.subscription !== 'both') throw new StanzaError('forbidden');
    if (router.local.availableResources(user.bare).length > 0) return query(0);
    const json = writer.waiting(user.bare) ?? (await store.get(user.bare, LAST_KEY));
    if (!json) throw new StanzaError('item-not-found');
    const last = JSON.parse(json) as LastLogout;
    return query((Date.now() - last.at) / 1000, last.status);
  });

  // The user's last resource is gone: remember when, and what it said.
  router.sessionHooks.ended.push((session) => {
    const status = unavailableStatus.get(session);
    unavailableStatus.delete(session);
    if (router.sessions.resourcesOf(session.jid.bare).length > 0) return;
    const record: LastLogout = status ? { at: Date.now(), status } : { at: Date.now() };
    writer.record(session.jid.bare, JSON.stringify(record));
  });
  return writer;
}
