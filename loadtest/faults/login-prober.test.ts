// The storage faults' fresh logins come from a process of their own (xmpp-probes.ts,
// startLoginProber): a right password binds, a wrong one gets the SASL condition, and a server
// that never answers gives "no answer" by the deadline — each timed by the child.
import { createServer, type Server } from 'node:net';
import { startTestServer, type TestServer } from '../shared/test-server.js';
import { startLoginProber, type LoginProber } from './xmpp-probes.js';

let server: TestServer;
let prober: LoginProber;

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('erin', 'erin-pw');
  prober = await startLoginProber(server.domain, server.c2sPort);
}, 30_000);

afterAll(async () => {
  await prober?.stop();
  await server?.stop();
});

test('the login prober binds with the right password, from a process other than this one', async () => {
  const result = await prober.login({ username: 'erin', password: 'erin-pw', port: server.c2sPort }, 5000, ['ok']);
  expect(result).toMatchObject({ what: 'login', outcome: 'ok', ok: true });
  expect(result.ms).toBeGreaterThan(0);
});

test('the login prober reports a wrong password as not-authorized', async () => {
  const result = await prober.login({ username: 'erin', password: 'wrong', port: server.c2sPort }, 5000, ['ok']);
  expect(result).toMatchObject({ outcome: 'not-authorized', ok: false });
});

test('the login prober gives "no answer" by the deadline when the server stays silent', async () => {
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const quiet = await startLoginProber(server.domain, port);
  try {
    const result = await quiet.login({ username: 'erin', password: 'erin-pw', port }, 500, ['temporary-auth-failure']);
    expect(result).toMatchObject({ outcome: 'no answer', ok: false });
    expect(result.ms).toBeGreaterThanOrEqual(450);
    expect(result.ms).toBeLessThan(3000);
  } finally {
    await quiet.stop();
    silent.close();
  }
}, 20_000);

test('the login prober stops when told, not at the 5 s kill', async () => {
  const other = await startLoginProber(server.domain, server.c2sPort);
  const started = performance.now();
  await other.stop();
  expect(performance.now() - started).toBeLessThan(2000);
});
