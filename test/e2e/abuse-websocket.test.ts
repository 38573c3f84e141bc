// bytes-per-session with `delay` on WebSocket (docs/abuse.md): uWS cannot pause a WebSocket's
// reads, so messages over budget are held unparsed, in order, until the budget has refilled —
// as long as what is held stays within half a budget.
import { startTestServer, type TestServer } from '../support/test-server.js';
import { loginRaw } from '../support/raw-client.js';
import { loginWebSocket } from '../support/web-clients.js';
import { setLimit, withPolicyStore } from '../../cli/limits-commands.js';

let server: TestServer;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startTestServer({ abuse: { enabled: true } });
  for (const user of ['bea', 'tim']) await server.addUser(user, `${user}-pw`);
  await withPolicyStore(server.config, (store) => setLimit(store, 'bytes-per-session', { points: '4000', duration: '1', action: 'delay' }));
  await sleep(1300); // the gateway's next policy poll
});

afterAll(async () => {
  await server.stop();
});

const chat = (marker: string, size: number) => `<message xmlns='jabber:client' to='tim@${server.domain}' type='chat'><body>${marker} ${'y'.repeat(size)}</body></message>`;

test('a WebSocket message over the byte budget but within half a budget is held, in order, until the budget refills', async () => {
  const tim = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'ws-delay');
  const bea = await loginWebSocket(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, server.domain, 'bea', 'bea-pw');
  try {
    await sleep(1100); // a full budget again after the login
    const started = Date.now();
    // About 3100 + 2100 characters at once against 4000 per second: the second waits about 0.3 s.
    bea.send(chat('alpha-marker', 3000));
    bea.send(chat('beta-marker', 2000));
    await tim.waitFor(/alpha-marker/);
    await tim.waitFor(/beta-marker/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(tim.received().indexOf('alpha-marker')).toBeLessThan(tim.received().indexOf('beta-marker'));
    // The session goes on.
    bea.send(`<iq xmlns='jabber:client' type='get' id='after-delay'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await bea.waitFor(/id=["']after-delay["']/);
  } finally {
    tim.socket.destroy();
    bea.socket.close();
  }
});
