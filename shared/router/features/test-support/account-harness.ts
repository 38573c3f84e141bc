// A router on in-memory stores with fake sessions, for the unit tests of the router's delivery
// rules (router.test.ts) and of the per-account features (blocking, vCard, private XML, last
// activity, contact addresses). No sockets, no LMDB.
import { Element } from 'ltx';
import { pino } from 'pino';
import { makeJid } from '../../../jid.js';
import type { AccountDataStore, OfflineMessage, Roster, Stores, Subscription } from '../../../storage/types.js';
import { Router, type RouterOptions } from '../../router.js';
import { newResourcePresence, type RoutedSession } from '../../session.js';

export class FakeSession implements RoutedSession {
  readonly id = Math.random().toString(36);
  readonly presence = newResourcePresence();
  readonly got: Element[] = [];
  terminated?: string;
  constructor(readonly jid = makeJid('a', 'localhost', 'r')) {}
  deliver(stanza: Element) {
    this.got.push(stanza);
  }
  terminate(condition: string) {
    this.terminated = condition;
  }
  /** Received stanzas of one kind, and forgets everything received so far. */
  take(name?: string): Element[] {
    const taken = this.got.splice(0);
    return name ? taken.filter((e) => e.name === name) : taken;
  }
}

export function memoryAccountDataStore(): AccountDataStore & { data: Map<string, Map<string, string>> } {
  const data = new Map<string, Map<string, string>>();
  return {
    data,
    get: async (owner, key) => data.get(owner)?.get(key),
    put: async (owner, key, value) => {
      data.set(owner, (data.get(owner) ?? new Map()).set(key, value));
    },
    delete: async (owner, key) => {
      data.get(owner)?.delete(key);
    },
    keys: async (owner, prefix = '', limit) => [...(data.get(owner)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort().slice(0, limit),
    deleteAll: async (owner) => {
      data.delete(owner);
    },
  };
}

export function accountHarness(accounts: string[] = ['a@localhost', 'b@localhost', 'c@localhost'], options: Partial<RouterOptions> = {}) {
  const rosters = new Map<string, Roster>();
  const offline = new Map<string, OfflineMessage[]>();
  const accountData = memoryAccountDataStore();
  let seq = 0;
  const stores: Stores = {
    accounts: {
      get: async (jid) => (accounts.includes(jid) ? { jid, credentials: {} as never, createdAt: 0 } : undefined),
      create: async () => true,
      setCredentials: async () => true,
      delete: async () => true,
      list: async () => accounts,
    },
    rosters: {
      get: async (owner) => structuredClone(rosters.get(owner) ?? { version: 0, items: [], pendingIn: [] }),
      update: async () => {
        throw new Error('not used');
      },
      putMany: async () => {},
      delete: async (owner) => {
        rosters.delete(owner);
      },
    },
    offline: {
      push: async (owner, xml, quota) => {
        const list = offline.get(owner) ?? [];
        if (list.length >= quota) return false;
        list.push({ id: String(++seq), xml, storedAt: Date.now() });
        offline.set(owner, list);
        return true;
      },
      list: async (owner) => [...(offline.get(owner) ?? [])],
      count: async (owner) => offline.get(owner)?.length ?? 0,
      remove: async (owner, ids) => {
        offline.set(owner, (offline.get(owner) ?? []).filter((m) => !ids.includes(m.id)));
      },
      clear: async (owner) => {
        offline.delete(owner);
      },
    },
    components: {} as never,
    accountData,
    close: async () => {},
  };
  const router = new Router({
    domain: 'localhost',
    rosterDomain: 'roster.localhost',
    stores,
    offlineQuota: 10,
    iqTimeoutMs: 1000,
    logger: pino({ level: 'silent' }),
    serverVersion: 'test',
    ...options,
  });

  /** Binds local/resource; with a priority it also sends initial presence. */
  const session = (local: string, resource = 'r', priority?: number): FakeSession => {
    const s = new FakeSession(makeJid(local, 'localhost', resource));
    router.bindSession(s);
    if (priority !== undefined) {
      const p = new Element('presence', { from: s.jid.full });
      p.c('priority').t(String(priority));
      router.fromClient(s, p);
    }
    return s;
  };

  /** Sets `contact`'s subscription in `owner`'s roster. */
  const subscribe = (owner: string, contact: string, subscription: Subscription) => {
    const roster = rosters.get(owner) ?? { version: 0, items: [], pendingIn: [] };
    roster.items = [...roster.items.filter((i) => i.jid !== contact), { jid: contact, subscription, groups: [] }];
    rosters.set(owner, roster);
  };

  let ids = 0;
  /** Sends an IQ from the session and resolves its answer (the reply with the same id). */
  const ask = async (s: FakeSession, type: 'get' | 'set', payload: Element, to?: string): Promise<Element> => {
    const id = `q${++ids}`;
    const iq = new Element('iq', to ? { type, id, from: s.jid.full, to } : { type, id, from: s.jid.full });
    iq.cnode(payload);
    router.fromClient(s, iq);
    for (let i = 0; i < 50; i++) {
      const reply = s.got.find((e) => e.name === 'iq' && e.attrs.id === id);
      if (reply) {
        s.got.splice(s.got.indexOf(reply), 1);
        return reply;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`no answer to ${iq.toString()}`);
  };

  return { router, stores, accountData, offline, session, subscribe, ask };
}

/** Lets pending storage reads and setImmediate callbacks run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function errorCondition(stanza: Element): string | undefined {
  return stanza.getChild('error')?.getChildElements().find((c) => c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas')?.name;
}
