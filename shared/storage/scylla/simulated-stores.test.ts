// The ScyllaDB stores' logic (compare-and-set loops, quota, paging, row mapping) against the
// simulated session: the contract suite, with and without conditional writes timing out, and
// two "processes" (two store sets, each with its own queues) sharing one database.
import { describeStoresContract } from '../contract.js';
import type { Stores } from '../types.js';
import { createScyllaAccountStore } from './account-store.js';
import { createScyllaAccountDataStore } from './account-data-store.js';
import { createScyllaArchiveStore } from './archive-store.js';
import { createScyllaComponentStore } from './component-store.js';
import { createKeyedQueue } from './keyed-queue.js';
import { createScyllaOfflineStore } from './offline-store.js';
import { createScyllaRosterStore } from './roster-store.js';
import { simulatedDatabase, simulatedSession, type SimulatedDatabase, type SimulatedSessionOptions } from './simulated-session.js';
import { scyllaStatements } from './statements.js';

function simulatedStores(db: SimulatedDatabase, options?: SimulatedSessionOptions): Stores {
  const session = simulatedSession(db, 'pampero_sim', options);
  const cql = scyllaStatements('pampero_sim');
  return {
    accounts: createScyllaAccountStore(session, cql),
    rosters: createScyllaRosterStore(session, cql, createKeyedQueue()),
    offline: createScyllaOfflineStore(session, cql, createKeyedQueue()),
    components: createScyllaComponentStore(session, cql),
    archive: createScyllaArchiveStore(session, cql),
    accountData: createScyllaAccountDataStore(session, cql),
    close: async () => undefined,
  };
}

describeStoresContract('ScyllaDB statements on a simulated session', async () => simulatedStores(simulatedDatabase()));
describeStoresContract('ScyllaDB statements on a simulated session, 20% of conditional writes timing out', async () =>
  simulatedStores(simulatedDatabase(), { casTimeoutRate: 0.2 }),
);

describe('ScyllaDB stores in two processes sharing one database (simulated)', () => {
  const item = (jid: string) => ({ jid, subscription: 'none' as const, groups: [] });

  it('roster updates from both lose no write, even with timeouts', async () => {
    const db = simulatedDatabase();
    const [a, b] = [simulatedStores(db, { casTimeoutRate: 0.1 }), simulatedStores(db, { casTimeoutRate: 0.1 })];
    const contacts = Array.from({ length: 40 }, (_, i) => `c${i}@x`);
    await Promise.all(
      contacts.map((jid, i) => (i % 2 ? a : b).rosters.update('u@example.test', (r) => ({ ...r, items: [...r.items, item(jid)] }))),
    );
    const stored = await a.rosters.get('u@example.test');
    expect(stored.version).toBe(40);
    expect(stored.items.map((i) => i.jid).sort()).toEqual([...contacts].sort());
  });

  it('the offline quota is exact across both, and ids stay unique and increasing', async () => {
    const db = simulatedDatabase();
    const [a, b] = [simulatedStores(db, { casTimeoutRate: 0.1 }), simulatedStores(db, { casTimeoutRate: 0.1 })];
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).offline.push('u@example.test', `<m n="${i}"/>`, 5)));
    expect(results.filter(Boolean)).toHaveLength(5);
    const listed = await b.offline.list('u@example.test');
    expect(listed).toHaveLength(5);
    const ids = listed.map((m) => BigInt(m.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
  });

  it('a removal racing pushes removes only what it names', async () => {
    const db = simulatedDatabase();
    const [a, b] = [simulatedStores(db), simulatedStores(db)];
    for (const n of [1, 2, 3]) await a.offline.push('u@example.test', `<m n="${n}"/>`, 10);
    const [first] = await a.offline.list('u@example.test');
    await Promise.all([b.offline.remove('u@example.test', [first.id]), a.offline.push('u@example.test', '<m n="4"/>', 10)]);
    expect((await a.offline.list('u@example.test')).map((m) => m.xml)).toEqual(['<m n="2"/>', '<m n="3"/>', '<m n="4"/>']);
  });
});
