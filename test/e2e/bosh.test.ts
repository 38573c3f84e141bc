// BOSH (XEP-0124, XMPP over it: XEP-0206) at /http-bind with a raw HTTP client, so rids,
// repeats and ordering are exactly what each test says.
import { RawBosh } from '../support/web-clients.js';
import { loginRaw, type RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let url: string;
const tcpClients: RawClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  url = `http://127.0.0.1:${server.httpPort}/http-bind`;
  for (const u of ['bea', 'tim']) await server.addUser(u, `${u}-pw`);
});

afterAll(async () => {
  for (const c of tcpClients) c.socket.destroy();
  await server.stop();
});

function attr(xml: string, name: string): string | undefined {
  return new RegExp(`\\s${name}=['"]([^'"]*)['"]`).exec(xml)?.[1];
}

/** Creates a session (wait=2 so empty answers come quickly), logs in with PLAIN, restarts and binds. */
async function login(user: string, resource: string, firstRid = 1000): Promise<{ bosh: RawBosh; rid: number }> {
  const bosh = new RawBosh(url);
  const created = await bosh.post(bosh.body(firstRid, ` to='${server.domain}' xml:lang='en' wait='2' hold='1' ver='1.6' xmpp:version='1.0'`));
  expect(created.status).toBe(200);
  bosh.sid = attr(created.text, 'sid')!;
  expect(created.text).toContain('<mechanism>PLAIN</mechanism>');
  let rid = firstRid + 1;
  const auth = await bosh.post(bosh.body(rid++, '', `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${user}-pw`).toString('base64')}</auth>`));
  expect(auth.text).toContain('<success');
  const restarted = await bosh.post(bosh.body(rid++, ` to='${server.domain}' xmpp:restart='true'`));
  expect(restarted.text).toMatch(/<bind xmlns=["']urn:ietf:params:xml:ns:xmpp-bind["']/);
  const bound = await bosh.post(bosh.body(rid++, '', `<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`));
  expect(bound.text).toContain(`<jid>${user}@${server.domain}/${resource}</jid>`);
  return { bosh, rid };
}

describe('BOSH (XEP-0124/0206)', () => {
  test('session creation answers with sid, wait, hold, requests, inactivity, polling, ver and features', async () => {
    const bosh = new RawBosh(url);
    const created = await bosh.post(bosh.body(77, ` to='${server.domain}' wait='600' hold='5' ver='1.6' xmpp:version='1.0'`));
    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe('*');
    expect(attr(created.text, 'sid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(attr(created.text, 'wait')).toBe('60'); // capped
    expect(attr(created.text, 'hold')).toBe('1'); // capped
    expect(attr(created.text, 'requests')).toBe('2');
    expect(attr(created.text, 'inactivity')).toBeDefined();
    expect(attr(created.text, 'polling')).toBeDefined();
    expect(attr(created.text, 'ver')).toBe('1.11');
    expect(attr(created.text, 'xmpp:version')).toBe('1.0');
    expect(created.text).toContain("xmlns:stream='http://etherx.jabber.org/streams'");
    expect(created.text).toContain('<stream:features');
  });

  test('login, restart, bind, then a message to a TCP user and back', async () => {
    const tim = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'tcp');
    tcpClients.push(tim);
    const { bosh, rid } = await login('bea', 'web');
    const presence = await bosh.post(bosh.body(rid, '', "<presence xmlns='jabber:client'/>"));
    expect(presence.status).toBe(200);
    await bosh.post(bosh.body(rid + 1, '', `<message xmlns='jabber:client' to='tim@${server.domain}/tcp' type='chat'><body>over bosh</body></message>`));
    expect(await tim.waitFor(/<message[^>]*from=["']bea@localhost\/web["'][\s\S]*?over bosh/)).toBeTruthy();
    // A held request is answered as soon as something arrives for the session.
    const held = bosh.post(bosh.body(rid + 2));
    await new Promise((r) => setTimeout(r, 100));
    tim.send(`<message to='bea@${server.domain}/web' type='chat'><body>over tcp</body></message>`);
    const answer = await held;
    expect(answer.text).toMatch(/<message xmlns='jabber:client'[^>]*>[\s\S]*over tcp/);
  });

  test('an idle held request is answered empty after wait', async () => {
    const { bosh, rid } = await login('bea', 'idle');
    const started = Date.now();
    const answer = await bosh.post(bosh.body(rid));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(answer.text).toMatch(/^<body [^>]*\/>$/);
  });

  test('out-of-order requests are processed in rid order; a repeated rid gets the same response', async () => {
    const tim = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'order');
    tcpClients.push(tim);
    const { bosh, rid } = await login('bea', 'order');
    const msg = (body: string) => `<message xmlns='jabber:client' to='tim@${server.domain}/order' type='chat'><body>${body}</body></message>`;
    const second = bosh.post(bosh.body(rid + 1, '', msg('second')));
    await new Promise((r) => setTimeout(r, 100));
    expect(tim.received()).not.toContain('second');
    const first = bosh.post(bosh.body(rid, '', msg('first')));
    await tim.waitFor(/second/);
    expect(tim.received().indexOf('first')).toBeLessThan(tim.received().indexOf('second'));
    const answers = await Promise.all([first, second]);
    // rid is answered (hold=1); asking for it again gives the very same body.
    const again = await bosh.post(bosh.body(rid, '', msg('first')));
    expect(again.text).toBe(answers[0].text);
    expect(tim.received().match(/first/g)).toHaveLength(1); // not processed twice
  });

  test('unknown sid and a rid outside the window get item-not-found', async () => {
    const stranger = new RawBosh(url);
    stranger.sid = 'no-such-session';
    const unknown = await stranger.post(stranger.body(5));
    expect(unknown.text).toContain("type='terminate'");
    expect(unknown.text).toContain("condition='item-not-found'");
    const { bosh, rid } = await login('bea', 'window');
    const far = await bosh.post(bosh.body(rid + 50));
    expect(far.text).toContain("condition='item-not-found'");
    const after = await bosh.post(bosh.body(rid));
    expect(after.text).toContain("condition='item-not-found'"); // the session is gone
  });

  test('too many simultaneous requests get policy-violation (overactivity)', async () => {
    const { bosh, rid } = await login('bea', 'busy');
    const results = await Promise.all([bosh.post(bosh.body(rid + 2)), bosh.post(bosh.body(rid + 1)), bosh.post(bosh.body(rid + 3))]);
    expect(results.some((r) => r.text.includes("condition='policy-violation'") || r.text.includes("condition='item-not-found'"))).toBe(true);
  });

  test('terminate ends the session and tells contacts nothing more arrives', async () => {
    const { bosh, rid } = await login('bea', 'bye');
    const end = await bosh.post(bosh.body(rid, " type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>"));
    expect(end.text).toContain("type='terminate'");
    const after = await bosh.post(bosh.body(rid + 1));
    expect(after.text).toContain("condition='item-not-found'");
  });

  test('a stream error comes as remote-stream-error with the error inside', async () => {
    const bosh = new RawBosh(url);
    const created = await bosh.post(bosh.body(1, ` to='${server.domain}' wait='2' hold='1' xmpp:version='1.0'`));
    bosh.sid = attr(created.text, 'sid')!;
    const refused = await bosh.post(bosh.body(2, '', `<message xmlns='jabber:client' to='tim@${server.domain}'><body>too early</body></message>`));
    expect(refused.text).toContain("condition='remote-stream-error'");
    expect(refused.text).toContain('<not-authorized');
  });

  test('malformed bodies are refused with bad-request; unknown hosts with host-unknown', async () => {
    const bosh = new RawBosh(url);
    const bad = await bosh.post('<body xmlns="http://jabber.org/protocol/httpbind" rid="1"><oops></body>');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("condition='bad-request'");
    const wrongHost = await bosh.post(bosh.body(1, " to='elsewhere.example' xmpp:version='1.0'"));
    expect(wrongHost.text).toContain("condition='host-unknown'");
  });
});
