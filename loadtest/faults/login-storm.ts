// Fault (e) of issue 11: a login storm — 2,000 logins/s full size (300/s in CI), one connection
// each, from 250 loopback addresses (so per-address limits do not stop it), half with the right
// password and half with a wrong one, all SASL PLAIN (the costly kind for the server: PBKDF2 of
// each password). The storm runs in a load process of its own. The bulkhead is the login
// admission (gateway/login-admission.ts): c2s.maxLoginsInProgress password checks at once,
// c2s.maxLoginsWaiting waiting, the excess shed at once with <failure><temporary-auth-failure/>,
// and at most c2s.maxPasswordHashes PBKDF2 on the thread pool so the sessions keep a core. The
// probes: a login during the storm gets in or gets temporary-auth-failure within 5 s; a client
// that retries gets in within 10 s.
import { addUser } from '../../cli/user-commands.js';
import { withStores } from '../../cli/with-stores.js';
import { startTestServer } from '../shared/test-server.js';
import type { Fault, FaultSize, ProbeResult } from './fault.js';
import { metricSum, rawLogin, scrapeMetrics, sleep } from './xmpp-probes.js';
import { startInlineChild } from './raw-clients.js';

const STORM = String.raw`
const counts = { attempts: 0, success: 0, 'not-authorized': 0, 'temporary-auth-failure': 0, other: 0, skipped: 0 };
let inFlight = 0;
let n = 0;
let timer;
let started = 0;
process.on('message', (m) => {
  if (m.op === 'start') {
    started = Date.now();
    let due = 0;
    timer = setInterval(() => {
      const target = Math.floor(((Date.now() - started) / 1000) * S.perSecond);
      for (; due < target; due++) {
        if (inFlight >= S.maxInFlight) { counts.skipped++; continue; }
        inFlight++;
        counts.attempts++;
        const i = n++;
        login('storm' + (i % S.accounts), i % 2 === 0 ? 'storm-pw' : 'wrong-pw', { authOnly: true, close: true, from: '127.0.0.' + (2 + (i % 250)), timeoutMs: 10000 })
          .then(({ outcome }) => { inFlight--; counts[outcome in counts ? outcome : 'other']++; });
      }
    }, 10);
  }
  if (m.op === 'stop') {
    clearInterval(timer);
    process.send({ kind: 'counts', counts, seconds: started ? (Date.now() - started) / 1000 : 0 }, () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ kind: 'ready' });
`;

export const fault: Fault = {
  name: 'login-storm',
  description: 'a storm of SASL PLAIN logins (half wrong passwords), one connection each, from 250 addresses',
  async setup(size: FaultSize) {
    const full = size === 'full';
    const perSecond = full ? 2000 : 300;
    const server = await startTestServer();
    const domain = server.domain;
    await withStores(server.config, async (stores) => {
      for (const [user, pw] of [['alice', 'alice-pw'], ['bob', 'bob-pw'], ['carol', 'carol-pw'], ['dave', 'dave-pw']] as const) await addUser(stores, `${user}@${domain}`, pw);
      for (let i = 0; i < 50; i++) await addUser(stores, `storm${i}@${domain}`, 'storm-pw');
    });
    const storm = startInlineChild(STORM, { domain, port: server.c2sPort, perSecond, accounts: 50, maxInFlight: full ? 8000 : 2000 });
    try {
      await storm.next('ready', 30_000);
    } catch (err) {
      await storm.stop();
      await server.stop();
      throw err;
    }
    let stormCounts: Record<string, unknown> | undefined;
    const heapAtStart = process.memoryUsage().heapUsed;
    // PLAIN, as the storm: the server derives the key (its costly kind of login).
    const login = (user: string) => rawLogin(server.c2sPort, domain, user, `${user}-pw`);

    return {
      domain,
      a: { username: 'alice', password: 'alice-pw', port: server.c2sPort },
      b: { username: 'bob', password: 'bob-pw', port: server.c2sPort },
      inject: async () => storm.send({ op: 'start' }),
      async probe(): Promise<ProbeResult[]> {
        await sleep(1500); // the storm in full swing
        const once = await login('carol');
        const results: ProbeResult[] = [{ what: 'login during the storm', ...once, ok: ['ok', 'temporary-auth-failure'].includes(once.outcome) && once.ms <= 5000 }];
        const started = performance.now();
        let attempts = 0;
        let last = { outcome: 'not tried', ms: 0 };
        const tries: string[] = [];
        while (performance.now() - started < 10_000) {
          attempts++;
          last = await login('dave');
          tries.push(`${last.outcome} ${last.ms.toFixed(0)}`);
          if (last.outcome === 'ok') break;
          await sleep(300);
        }
        const ms = performance.now() - started;
        results.push({ what: 'login retried during the storm', outcome: `${last.outcome} (attempt ${attempts}: ${tries.join(', ')})`, ms, ok: last.outcome === 'ok' && ms <= 10_000 });
        return results;
      },
      async clear() {
        storm.send({ op: 'stop' });
        stormCounts = await storm.next('counts', 15_000).catch(() => undefined);
        await storm.stop();
      },
      recovered: async () => (await login('carol')).outcome === 'ok',
      memoryBytes: () => process.memoryUsage().heapUsed,
      // Logins in progress and waiting are bounded (16 + 64), each connection's buffers too.
      memoryBoundBytes: heapAtStart + 192 * 1048576,
      async bulkheadMetrics() {
        const metrics = await scrapeMetrics(server.httpPort, ['pampero_c2s_logins', 'pampero_c2s_login_failures_total', 'pampero_c2s_password_hashes']);
        const counts = (stormCounts?.counts ?? {}) as Record<string, number>;
        for (const [k, v] of Object.entries(counts)) metrics[`storm ${k}`] = v;
        if (stormCounts?.seconds) metrics['storm logins/s'] = Math.round((counts.attempts ?? 0) / (stormCounts.seconds as number));
        metrics['pampero_c2s_logins_shed_total (all)'] = metricSum(metrics, 'pampero_c2s_logins_shed_total');
        return metrics;
      },
      async teardown() {
        await storm.stop();
        await server.stop();
      },
    };
  },
};
