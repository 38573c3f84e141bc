// The system of the storage faults (storage-slow.ts, storage-dead.ts): an all-in-one server in
// this process on real LMDB, with a FaultyStores wrapper under its bulkhead (startRole's
// `wrapStores`), so the router, the gateway and the bundled roster component see the fault.
// A and B chat (online before the fault: nothing of their path waits on storage); the probes
// try what needs the faulty stores and must get a clear XMPP error within their deadline. Their
// fresh logins come from a process of their own (startLoginProber), not the server's.
import { startTestServer } from '../shared/test-server.js';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import type { FaultSize, FaultSystem, ProbeResult } from './fault.js';
import { FaultyStores, type StorageFaultMode, type StoreName } from './faulty-stores.js';
import { connectProbe, iqProbe, messageProbe, rosterGet, startLoginProber, vcardGet, type LoginProber, type ProbeClient } from './xmpp-probes.js';
import { xml } from '@xmpp/client';

export interface StorageFaultOptions {
  mode: StorageFaultMode;
  stores: StoreName[];
}

/** Deadline of a store operation on the server under test (storage.timeoutMs, the default). */
export const STORAGE_TIMEOUT_MS = 1000;
/** Each probe must have its answer within this: the storage deadline plus generous slack for a loaded CI machine. */
const PROBE_DEADLINE_MS = STORAGE_TIMEOUT_MS + 4000;
const REFUSED = ['remote-server-timeout', 'resource-constraint'] as const;

/** The bulkhead figures of /metrics (this process's registry), summed by metric and store. */
export async function storageBulkheadMetrics(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const line of (await metricsRegistry.metrics()).split('\n')) {
    const m = /^(pampero_storage_(?:queue_depth|shed_total|timeouts_total|late_in_flight|late_settled_total))\{[^}]*store="([^"]+)"[^}]*\} (\S+)$/.exec(line);
    if (!m) continue;
    const key = `${m[1]}{${m[2]}}`;
    figures[key] = (figures[key] ?? 0) + Number(m[3]);
  }
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== 0));
}

export async function storageFaultSystem(size: FaultSize, fault: StorageFaultOptions): Promise<FaultSystem> {
  const faulty = new FaultyStores();
  const server = await startTestServer({ storage: { timeoutMs: STORAGE_TIMEOUT_MS } }, { wrapStores: faulty.wrap });
  const account = (username: string) => ({ username, password: `${username}-pw`, port: server.c2sPort });
  const probes: ProbeClient[] = [];
  let prober: LoginProber | undefined;
  try {
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) await server.addUser(user, `${user}-pw`); // one at a time (LMDB)
    const carol = await connectProbe(server.domain, account('carol'));
    probes.push(carol);
    prober = await startLoginProber(server.domain, server.c2sPort);
    const logins = prober;
    const affected = (store: StoreName) => fault.stores.includes(store);
    const expect = (store: StoreName) => (affected(store) ? REFUSED : ['ok']);
    const loginCount = size === 'full' ? 20 : 1;
    const baseHeap = process.memoryUsage().heapUsed;

    return {
      domain: server.domain,
      a: account('alice'),
      b: account('bob'),
      inject: async () => faulty.set(fault.mode, fault.stores),
      probe: async () => {
        const attempts: Array<Promise<ProbeResult>> = [];
        // SASL reads the account: RFC 6120 §6.5.11 temporary-auth-failure.
        for (let i = 0; i < loginCount; i++) attempts.push(logins.login(account('erin'), PROBE_DEADLINE_MS, affected('accounts') ? ['temporary-auth-failure'] : ['ok']));
        // Roster get through the bundled roster component (XEP-0355/0356 delegation).
        // The router may answer it from the roster it fetched at login (roster-prefetch.ts): an
        // answer that needs no storage is right too, as long as it comes in time.
        attempts.push(iqProbe('roster get', carol, rosterGet(), PROBE_DEADLINE_MS, [...expect('rosters'), 'ok']));
        // vCard (account data) and MAM (archive), answered by the router itself.
        attempts.push(iqProbe('vCard get', carol, vcardGet(), PROBE_DEADLINE_MS, expect('accountData')));
        attempts.push(iqProbe('MAM query', carol, xml('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'probe' }), PROBE_DEADLINE_MS, expect('archive'), 'set'));
        // A message to an offline user: the account lookup and offline storage (a bounce, never silence).
        attempts.push(messageProbe('message to offline user', carol, `dave@${server.domain}`, undefined, PROBE_DEADLINE_MS,
          affected('accounts') || affected('offline') ? REFUSED : ['stored offline'], PROBE_DEADLINE_MS - 500, 'stored offline'));
        return Promise.all(attempts);
      },
      clear: async () => faulty.set({ kind: 'healthy' }),
      recovered: async () => {
        const login = await logins.login(account('erin'), 3000, ['ok']);
        const roster = await iqProbe('roster get', carol, rosterGet(), 3000, ['ok']);
        return login.ok && roster.ok;
      },
      memoryBytes: () => process.memoryUsage().heapUsed,
      // Test process and server share the heap: the bound is what it held at setup plus 256 MB.
      memoryBoundBytes: baseHeap + 256 * 1048576,
      bulkheadMetrics: storageBulkheadMetrics,
      teardown: async () => {
        faulty.set({ kind: 'healthy' });
        for (const p of probes) await p.stop();
        await logins.stop();
        await server.stop();
      },
    };
  } catch (err) {
    for (const p of probes) await p.stop();
    await prober?.stop();
    await server.stop();
    throw err;
  }
}
