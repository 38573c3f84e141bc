// Each scenario, short, against an all-in-one Pampero started in this process: the counts must
// add up (every message sent arrives, no login fails). MUC and PubSub run once the server lists
// those components in its disco#items.
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { parseOptions } from '../parse-options.js';
import { runScenario } from '../coordinator/run-scenario.js';
import { probeServer } from '../coordinator/server-probe.js';
import { workerMainPath } from '../worker/forked-worker.js';
import { clearScramCache, scramPbkdf2Count } from '../client/scram-sha1-client.js';
import { existsSync } from 'node:fs';
import type { StepResult } from '../stats/step-rule.js';

const USERS = 24;
const server: TestServer = await startTestServer();
for (let i = 1; i <= USERS; i++) await server.addUser(`load${i}`, `pass${i}`);
afterAll(() => server.stop());

const base = () => ['--port', String(server.c2sPort), '--domain', server.domain, '--user-fmt', 'load%d', '--deadline', '25', '-q',
  '--metrics-url', `http://127.0.0.1:${server.httpPort}/metrics`, '--server-pid', String(process.pid)];
const run = (...args: string[]) => runScenario(parseOptions([...base(), ...args]), () => {});

const identity = await probeServer(parseOptions(base()).target);
const has = (prefix: string) => identity.items.some((jid) => jid.startsWith(prefix));
const NO_COMPONENT = 'no MUC/PubSub component yet';
const webArgs = ['--ws-url', `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, '--bosh-url', `http://127.0.0.1:${server.httpPort}/http-bind`];
const speaks = async (transport: string) => !(await probeServer(parseOptions([...base(), ...webArgs, '-t', transport]).target)).error;
const webTransports = { websocket: await speaks('websocket'), bosh: await speaks('bosh') };

describe('pampero-loadtest against an in-process Pampero', () => {
  it('login: every user logs in, none fails, and the report has the server version and /metrics', async () => {
    const r = await run('-s', 'login', '-c', String(USERS), '--concurrency', '6');
    expect(r.result).toMatchObject({ ok: USERS, errors: 0, warm_up_passes: 0 }); // PLAIN: no warm-up unless asked
    expect((r.result.login_ms as { n: number }).n).toBe(USERS);
    expect(r.server.name).toBe('Pampero');
    expect(r.metrics?.changed.length).toBeGreaterThan(0);
    expect(r.warnings.filter((w) => w.startsWith('error'))).toEqual([]);
  }, 30_000);

  it('login with SCRAM-SHA-1: a warm-up fills the client key cache, then every timed login succeeds without a PBKDF2', async () => {
    clearScramCache();
    let warmedUp = 0;
    const passes: string[] = [];
    const r = await runScenario(parseOptions([...base(), '-s', 'login', '--sasl', 'scram-sha-1', '-c', String(USERS), '--concurrency', '6']), (line) => {
      if (/^warm-up 1\/2: \d+\//.test(line)) warmedUp = scramPbkdf2Count();
      const done = /^warm-up (\d\/\d): (\d+)\//.exec(line);
      if (done) passes.push(`${done[1]} ${done[2]}`);
    });
    expect(r.result).toMatchObject({ ok: USERS, errors: 0, sasl: 'scram-sha-1', client_keys_cached: true, warm_up_passes: 2 });
    expect(passes).toEqual([`1/2 ${USERS}`, `2/2 ${USERS}`]); // two full untimed passes by default
    expect(warmedUp).toBe(USERS); // one PBKDF2 per user, all in the first warm-up pass
    expect(scramPbkdf2Count()).toBe(USERS);
  }, 30_000);

  it('login --warm-up 1 with PLAIN: one untimed pass before the timed one, which alone is in the figures', async () => {
    const lines: string[] = [];
    const r = await runScenario(parseOptions([...base(), '-s', 'login', '-c', String(USERS), '--concurrency', '6', '--warm-up', '1']), (line) => lines.push(line));
    expect(lines.filter((l) => l.startsWith('warm-up'))).toEqual([
      expect.stringMatching(/^warm-up 1\/1: \d+ untimed logins \(plain, with presence\)/), expect.stringMatching(new RegExp(`^warm-up 1/1: ${USERS}/${USERS} in`)),
    ]);
    expect(r.result).toMatchObject({ ok: USERS, errors: 0, warm_up_passes: 1 });
    expect((r.result.login_ms as { n: number }).n).toBe(USERS); // the timed pass only
  }, 30_000);

  it('chat: sent = received at each step, nothing lost', async () => {
    const r = await run('-s', 'chat', '-c', '20', '--rates', '100,200', '-d', '1', '--drain', '2', '--pause', '0.2', '--p99-ms', '1000');
    const steps = r.result.steps as StepResult[];
    expect(steps.map((s) => s.offered_per_s)).toEqual([100, 200]);
    for (const s of steps) {
      expect(s.sent).toBeGreaterThan(0);
      expect(s.received).toBe(s.sent);
      expect(s.lost).toBe(0);
    }
    expect(r.latency.buckets.reduce((n, [, c]) => n + c, 0)).toBe(steps.reduce((n, s) => n + s.received, 0));
  }, 30_000);

  it('chat with padded stanzas over STARTTLS still delivers every message', async () => {
    const r = await run('-s', 'chat', '-c', '4', '--rate', '50', '-d', '1', '--starttls', '--size', '1024', '--p99-ms', '1000', '--drain', '2');
    const [s] = r.result.steps as StepResult[];
    expect(s.received).toBe(s.sent);
    // Enough padded stanzas to mean something; not the full 50: on a loaded CI machine the
    // generator's one-second step has sent 35 (what is tested is that every one arrives).
    expect(s.sent).toBeGreaterThan(10);
  }, 30_000);

  for (const transport of ['websocket', 'bosh'] as const) {
    (webTransports[transport] ? it : it.skip)(`chat over ${transport}: sent = received${webTransports[transport] ? '' : ` (skipped: the server has no ${transport} endpoint)`}`, async () => {
      const r = await run('-s', 'chat', '-t', transport, ...webArgs, '-c', '6', '--rate', '60', '-d', '1', '--drain', '2', '--p99-ms', '1000');
      const [s] = r.result.steps as StepResult[];
      expect(s.sent).toBeGreaterThan(50);
      expect(s.received).toBe(s.sent);
    }, 30_000);
  }

  const compiled = existsSync(workerMainPath());
  (compiled ? it : it.skip)(`chat with 2 worker processes: counts and latencies merged${compiled ? '' : ' (skipped: no compiled worker, run npm run build)'}`, async () => {
    const r = await run('-s', 'chat', '-w', '2', '-c', '12', '--rate', '100', '-d', '1', '--drain', '2', '--p99-ms', '1000');
    const [s] = r.result.steps as StepResult[];
    expect(s.sent).toBeGreaterThan(90);
    expect(s.received).toBe(s.sent);
    expect(r.generator).toMatchObject({ workers: 2, processes: 3 });
  }, 30_000);

  it('roster: one get per sampled user in each pass, no errors', async () => {
    const r = await run('-s', 'roster', '-c', String(USERS), '--samples', '8', '--concurrency', '4', '--expect', '0');
    expect(r.result).toMatchObject({ samples: 8, login_errors: 0, rosters_with_unexpected_size: 0 });
    expect((r.result.roster_get_ms_sequential as { n: number }).n).toBe(8);
    expect((r.result.roster_get_ms_concurrency_4 as { n: number }).n).toBe(8);
  }, 30_000);

  it('idle: server RSS read at each session count, bytes per session computed', async () => {
    const r = await run('-s', 'idle', '--counts', '0,6,12', '--settle', '0.2');
    const points = r.result.points as Array<{ connections: number; rss_kib: number }>;
    expect(points.map((p) => p.connections)).toEqual([0, 6, 12]);
    expect(points.every((p) => p.rss_kib > 0)).toBe(true);
    expect(typeof r.result.bytes_per_conn).toBe('number');
  }, 30_000);

  (has('conference.') ? it : it.skip)(`muc: every groupchat reaches every occupant${has('conference.') ? '' : ` (skipped: ${NO_COMPONENT})`}`, async () => {
    const r = await run('-s', 'muc', '--rooms', '2', '--occupants', '5', '--senders', '0', '--rate', '20', '-d', '1', '--settle', '0.2', '--muc-host', identity.items.find((j) => j.startsWith('conference.'))!);
    const [s] = r.result.steps as StepResult[];
    expect(s.received).toBe(s.sent * 5);
  }, 30_000);

  (has('pubsub.') ? it : it.skip)(`pubsub: every item reaches every subscriber${has('pubsub.') ? '' : ` (skipped: ${NO_COMPONENT})`}`, async () => {
    const r = await run('-s', 'pubsub', '--subscribers', '10', '--rate', '5', '-d', '1', '--settle', '0.2', '--pubsub-host', identity.items.find((j) => j.startsWith('pubsub.'))!);
    const [s] = r.result.steps as StepResult[];
    expect(s.received).toBe(s.sent * 10);
    expect(r.result.node_deleted).toBe(true);
  }, 30_000);
});
