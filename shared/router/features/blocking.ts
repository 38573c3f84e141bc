// Blocking Command (XEP-0191 v1.3): a user's blocklist — retrieve, block, unblock, unblock all —
// with pushes to the user's resources that requested the list, and the presence consequences of
// §3.3/§3.4. What blocking does to stanzas on the way is in blocklist-cache.ts (the router asks it).
import { Element } from 'ltx';
import { parseJid, type Jid } from '../../jid.js';
import type { Router } from '../router.js';
import type { RoutedSession } from '../session.js';
import { StanzaError, type ServerIqRequest } from '../server-iq.js';
import { BLOCKING, matchesBlocklist } from './blocklist-cache.js';
import { recordBlockReports, REPORTING } from '../../abuse/incidents/block-reports.js';
import { embeddedIncidentStore } from '../../abuse/incidents/embedded-incident-store.js';

/** Most JIDs one user may block (a bound on storage and on the per-user cache). */
export const MAX_BLOCKLIST_ITEMS = 1000;

export function installBlocking(router: Router): void {
  const { serverIq } = router;
  serverIq.features.add(BLOCKING);
  serverIq.features.add(REPORTING); // XEP-0377: reports inside a block land in the incident store
  const incidents = router.options.incidents ?? embeddedIncidentStore(router.options.stores.accountData);
  router.sessionHooks.bound.push((s) => router.blocking.sessionBound(s));
  router.sessionHooks.ended.push((s) => router.blocking.sessionEnded(s));
  /** Resources that retrieved the blocklist get pushes (§3.3 "all of the user's resources that have requested the blocklist"). */
  const interested = new WeakSet<RoutedSession>();
  /** Block/unblock of one user run one after the other (read-modify-write of one list). */
  const queues = new Map<string, Promise<unknown>>();

  const ownerOf = (request: ServerIqRequest): Jid => {
    const { from, stanza } = request;
    const to: string | undefined = stanza.attrs.to;
    if (!from.local || from.domain !== router.domain || (to !== undefined && to !== from.bare)) throw new StanzaError('forbidden');
    return from;
  };

  serverIq.handle(`iq/get/${BLOCKING}`, async (request) => {
    const owner = ownerOf(request);
    if (request.payload.name !== 'blocklist') throw new StanzaError('bad-request');
    const session = router.sessions.get(owner.full);
    if (session) interested.add(session);
    return listElement('blocklist', await router.blocking.listOf(owner.bare));
  });

  serverIq.handle(`iq/set/${BLOCKING}`, async (request) => {
    const owner = ownerOf(request);
    const { payload } = request;
    const action = payload.name;
    if (action !== 'block' && action !== 'unblock') throw new StanzaError('bad-request');
    const jids = parseItems(payload);
    if (action === 'block' && jids.length === 0) throw new StanzaError('bad-request', 'block needs at least one item');
    const previous = queues.get(owner.bare) ?? Promise.resolve();
    const run = previous.then(() => (action === 'block' ? block(owner, jids) : unblock(owner, jids)));
    const settled = run.catch(() => undefined);
    queues.set(owner.bare, settled);
    void settled.then(() => {
      if (queues.get(owner.bare) === settled) queues.delete(owner.bare);
    });
    await run;
    if (action === 'block') await recordBlockReports(incidents, payload, owner.bare, (msg, err) => router.log.warn({ err }, msg));
    setImmediate(() => push(owner.bare, action, jids)); // after the result, as in §3.3's examples
    return undefined;
  });

  async function block(owner: Jid, jids: string[]): Promise<void> {
    const before = new Set(await router.blocking.listOf(owner.bare));
    const after = new Set(before);
    for (const jid of jids) after.add(jid);
    if (after.size > MAX_BLOCKLIST_ITEMS) throw new StanzaError('policy-violation', `At most ${MAX_BLOCKLIST_ITEMS} blocked JIDs`);
    if (after.size === before.size) return;
    await router.blocking.write(owner.bare, after);
    router.blocking.replace(owner.bare, after);
    // §3.3: the contact gets unavailable presence (if it may see the user's presence).
    const added = new Set(jids.filter((jid) => !before.has(jid)));
    for (const contact of await presenceRecipients(owner, added)) {
      for (const s of router.local.availableResources(owner.bare)) {
        s.presence.directedTo?.delete(contact.full);
        router.route(new Element('presence', { type: 'unavailable', from: s.jid.full, to: contact.full }), contact);
      }
    }
  }

  async function unblock(owner: Jid, jids: string[]): Promise<void> {
    const before = new Set(await router.blocking.listOf(owner.bare));
    const removed = new Set(jids.length === 0 ? before : jids.filter((jid) => before.has(jid)));
    if (removed.size === 0) return;
    const after = new Set([...before].filter((jid) => !removed.has(jid)));
    await router.blocking.write(owner.bare, after);
    router.blocking.replace(owner.bare, after);
    // §3.4: the contact gets the user's current presence again (if it may see it).
    for (const contact of await presenceRecipients(owner, removed, after)) {
      for (const s of router.local.availableResources(owner.bare)) {
        const last = s.presence.last;
        if (!last) continue;
        const copy = new Element('presence', { ...last.attrs, from: s.jid.full, to: contact.full });
        for (const child of last.children) copy.cnode(child as Element);
        router.route(copy, contact);
      }
    }
  }

  /**
   * Contacts that may receive the user's presence (RFC 6121: subscription 'from' or 'both', or a
   * directed presence) and match `changed` — and, after an unblock, no item still blocked.
   */
  async function presenceRecipients(owner: Jid, changed: ReadonlySet<string>, stillBlocked?: ReadonlySet<string>): Promise<Jid[]> {
    const candidates = new Map<string, Jid>();
    try {
      const roster = await router.options.stores.rosters.get(owner.bare);
      for (const item of roster.items) {
        const jid = item.subscription === 'from' || item.subscription === 'both' ? parseJid(item.jid) : undefined;
        if (jid) candidates.set(jid.full, jid);
      }
    } catch (err) {
      router.log.warn({ err, user: owner.bare }, 'blocking: roster unreadable, only directed presence is updated');
    }
    for (const s of router.sessions.resourcesOf(owner.bare)) {
      for (const full of s.presence.directedTo ?? []) {
        const jid = parseJid(full);
        if (jid) candidates.set(jid.full, jid);
      }
    }
    return [...candidates.values()].filter(
      (jid) => matchesBlocklist(changed, jid) && !(stillBlocked && matchesBlocklist(stillBlocked, jid)),
    );
  }

  /** §3.3/§3.4/§3.5 pushes: the same <block/> or <unblock/> to every interested resource. */
  function push(bare: string, name: 'block' | 'unblock', jids: string[]): void {
    for (const s of router.sessions.resourcesOf(bare)) {
      if (!interested.has(s)) continue;
      const iq = new Element('iq', { type: 'set', id: `block-push-${Math.random().toString(36).slice(2, 10)}`, to: s.jid.full });
      iq.cnode(listElement(name, jids));
      s.deliver(iq);
    }
  }
}

/** The items' JIDs, normalised; jid-malformed for a bad one, bad-request for a missing one. */
function parseItems(payload: Element): string[] {
  const jids: string[] = [];
  for (const item of payload.getChildren('item')) {
    const raw: string | undefined = item.attrs.jid;
    if (!raw) throw new StanzaError('bad-request', 'item without jid');
    const jid = parseJid(raw);
    if (!jid) throw new StanzaError('jid-malformed');
    if (!jids.includes(jid.full)) jids.push(jid.full);
  }
  if (jids.length > MAX_BLOCKLIST_ITEMS) throw new StanzaError('policy-violation', `At most ${MAX_BLOCKLIST_ITEMS} blocked JIDs`);
  return jids;
}

function listElement(name: string, jids: Iterable<string>): Element {
  const el = new Element(name, { xmlns: BLOCKING });
  for (const jid of jids) el.c('item', { jid });
  return el;
}
