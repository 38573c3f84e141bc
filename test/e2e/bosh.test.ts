// BOSH (XEP-0124/0206) at /http-bind with a raw HTTP client (fetch), so rids, repeats, ordering
// and timing are exactly what each test says. One server with the default timers, one with short
// ones (inactivity, pause, polling) for the rules that take time.
import { RawBosh } from '../support/web-clients.js';
import { loginRaw, type RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let quick: TestServer;
const tcpClients: RawClient[] = [];
const QUICK = { inactivity: 2, maxPause: 6, polling: 1 };

beforeAll(async () => {
  server = await startTestServer();
  for (const u of ['bea', 'tim']) await server.addUser(u, `${u}-pw`);
  quick = await startTestServer({ http: { boshInactivitySeconds: QUICK.inactivity, boshMaxPauseSeconds: QUICK.maxPause, boshPollingSeconds: QUICK.polling } });
  await quick.addUser('bea', 'bea-pw');
});

afterAll(async () => {
  for (const c of tcpClients) c.socket.destroy();
  await server.stop();
  await quick.stop();
});

const boshUrl = (s: TestServer) => `http://127.0.0.1:${s.httpPort}/http-bind`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function attr(xml: string, name: string): string | undefined {
  return new RegExp(`\\s${name}=['"]([^'"]*)['"]`).exec(xml)?.[1];
}

function terminated(text: string, condition: string): void {
  expect(text).toContain("type='terminate'");
  expect(text).toContain(`condition='${condition}'`);
}

/**
 * Creates a session, logs in with PLAIN, restarts and binds. `create` adds attributes to the
 * creation request. In a polling session (hold or wait 0) answers come on a later request, so
 * the client polls for them, `polling` seconds apart as §12 asks.
 */
async function login(user: string, resource: string, opts: { on?: TestServer; create?: string; firstRid?: number } = {}): Promise<{ bosh: RawBosh; rid: number; created: string }> {
  const on = opts.on ?? server;
  let rid = opts.firstRid ?? 1000;
  const bosh = new RawBosh(boshUrl(on));
  const created = await bosh.post(bosh.body(rid++, ` to='${on.domain}' xml:lang='en' ver='1.6' xmpp:version='1.0' ${opts.create ?? "wait='2' hold='1'"}`));
  expect(created.status).toBe(200);
  bosh.sid = attr(created.text, 'sid')!;
  expect(created.text).toContain('<mechanism>PLAIN</mechanism>');
  const polling = attr(created.text, 'hold') === '0' || attr(created.text, 'wait') === '0';
  const exchange = async (attrs: string, content: string, expected: RegExp): Promise<string> => {
    let text = (await bosh.post(bosh.body(rid++, attrs, content))).text;
    for (let polls = 0; polling && !expected.test(text) && polls < 5; polls++) {
      await sleep(Number(attr(created.text, 'polling')) * 1000 + 100);
      text = (await bosh.post(bosh.body(rid++))).text;
    }
    expect(text).toMatch(expected);
    return text;
  };
  await exchange('', `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${user}-pw`).toString('base64')}</auth>`, /<success/);
  await exchange(` to='${on.domain}' xmpp:restart='true'`, '', /<bind xmlns=["']urn:ietf:params:xml:ns:xmpp-bind["']/);
  await exchange('', `<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`, new RegExp(`<jid>${user}@${on.domain}/${resource}</jid>`));
  if (polling) await sleep(Number(attr(created.text, 'polling')) * 1000 + 100);
  return { bosh, rid, created: created.text };
}

const chat = (to: string, body: string) => `<message xmlns='jabber:client' to='${to}' type='chat'><body>${body}</body></message>`;

describe('BOSH (XEP-0124/0206)', () => {
  test('session creation answers with sid, wait, hold, requests, inactivity, polling, maxpause, ver and features', async () => {
    const bosh = new RawBosh(boshUrl(server));
    const created = await bosh.post(bosh.body(77, ` to='${server.domain}' wait='600' hold='5' ver='1.6' xmpp:version='1.0' ack='1'`));
    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe('*');
    expect(attr(created.text, 'sid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(attr(created.text, 'wait')).toBe('60'); // capped
    expect(attr(created.text, 'hold')).toBe('1'); // capped
    expect(attr(created.text, 'requests')).toBe('2');
    expect(attr(created.text, 'inactivity')).toBe('60');
    expect(attr(created.text, 'polling')).toBe('2');
    expect(attr(created.text, 'maxpause')).toBe('120');
    expect(attr(created.text, 'ack')).toBe('77'); // §9.1: acks announced with the creation rid
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
    await bosh.post(bosh.body(rid + 1, '', chat(`tim@${server.domain}/tcp`, 'over bosh')));
    expect(await tim.waitFor(/<message[^>]*from=["']bea@localhost\/web["'][\s\S]*?over bosh/)).toBeTruthy();
    // A held request is answered as soon as something arrives for the session.
    const held = bosh.post(bosh.body(rid + 2));
    await sleep(100);
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

  test('terminate ends the session and tells contacts nothing more arrives', async () => {
    const { bosh, rid } = await login('bea', 'bye');
    const end = await bosh.post(bosh.body(rid, " type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>"));
    expect(end.text).toContain("type='terminate'");
    terminated((await bosh.post(bosh.body(rid + 1))).text, 'item-not-found');
  });

  test('a stream error comes as remote-stream-error with its condition inside', async () => {
    const bosh = new RawBosh(boshUrl(server));
    const created = await bosh.post(bosh.body(1, ` to='${server.domain}' wait='2' hold='1' xmpp:version='1.0'`));
    bosh.sid = attr(created.text, 'sid')!;
    const refused = await bosh.post(bosh.body(2, '', chat(`tim@${server.domain}`, 'too early')));
    terminated(refused.text, 'remote-stream-error');
    // XEP-0206: the stream error's elements, qualified by the streams namespace.
    expect(refused.text).toMatch(/<not-authorized xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']/);
  });

  test("an unknown host gets host-unknown, a creation request without 'to' improper-addressing", async () => {
    const bosh = new RawBosh(boshUrl(server));
    terminated((await bosh.post(bosh.body(1, " to='elsewhere.example' xmpp:version='1.0'"))).text, 'host-unknown');
    terminated((await bosh.post(bosh.body(1, " xmpp:version='1.0'"))).text, 'improper-addressing');
  });
});

describe('XEP-0124 §14 request ids', () => {
  test('out-of-order requests are processed in rid order; a repeated rid gets the same response (§14.2, §14.3)', async () => {
    const tim = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'order');
    tcpClients.push(tim);
    const { bosh, rid } = await login('bea', 'order');
    const to = `tim@${server.domain}/order`;
    const second = bosh.post(bosh.body(rid + 1, '', chat(to, 'second')));
    await sleep(100);
    expect(tim.received()).not.toContain('second');
    const first = bosh.post(bosh.body(rid, '', chat(to, 'first')));
    await tim.waitFor(/second/);
    expect(tim.received().indexOf('first')).toBeLessThan(tim.received().indexOf('second'));
    const answers = await Promise.all([first, second]);
    // rid is answered (hold=1); asking for it again gives the very same body, and it is not processed twice.
    const again = await bosh.post(bosh.body(rid, '', chat(to, 'first')));
    expect(again.text).toBe(answers[0].text);
    await sleep(100);
    expect(tim.received().match(/first/g)).toHaveLength(1);
  });

  test('a held request whose connection broke is answered on the repeated request (§14.3)', async () => {
    const tim = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'broken');
    tcpClients.push(tim);
    const { bosh, rid } = await login('bea', 'broken', { create: "wait='30' hold='1'" });
    await bosh.post(bosh.body(rid, '', "<presence xmlns='jabber:client'/>"));
    const lost = new AbortController();
    const dropped = bosh.post(bosh.body(rid + 1), lost.signal).catch(() => 'aborted');
    await sleep(100);
    lost.abort();
    expect(await dropped).toBe('aborted');
    const repeated = bosh.post(bosh.body(rid + 1));
    await sleep(100);
    tim.send(`<message to='bea@${server.domain}/broken' type='chat'><body>after the break</body></message>`);
    expect((await repeated).text).toContain('after the break');
  });

  test('a rid beyond the window, or one no longer buffered, gets item-not-found and ends the session (§14.2, §14.3)', async () => {
    const ahead = await login('bea', 'window');
    terminated((await ahead.bosh.post(ahead.bosh.body(ahead.rid + 2))).text, 'item-not-found'); // window: rid, rid + 1
    terminated((await ahead.bosh.post(ahead.bosh.body(ahead.rid))).text, 'item-not-found'); // the session is gone

    const old = await login('bea', 'old');
    terminated((await old.bosh.post(old.bosh.body(old.rid - 3))).text, 'item-not-found'); // answered, no longer kept
    terminated((await old.bosh.post(old.bosh.body(old.rid))).text, 'item-not-found');
  });

  test('an unknown sid gets item-not-found', async () => {
    const stranger = new RawBosh(boshUrl(server));
    stranger.sid = 'no-such-session';
    terminated((await stranger.post(stranger.body(5))).text, 'item-not-found');
  });

  test('a rid that is not a number gets bad-request and ends the session', async () => {
    const { bosh, rid } = await login('bea', 'nan');
    terminated((await bosh.post(`<body xmlns='http://jabber.org/protocol/httpbind' rid='x${rid}' sid='${bosh.sid}'/>`)).text, 'bad-request');
    terminated((await bosh.post(bosh.body(rid))).text, 'item-not-found');
  });
});

describe('XEP-0124 §11 overactivity', () => {
  test('more simultaneous requests than `requests` get policy-violation, and every pending one is answered', async () => {
    const { bosh, rid } = await login('bea', 'busy', { create: "wait='30' hold='1'" });
    const held = bosh.post(bosh.body(rid)); // held (hold=1)
    await sleep(100);
    const waiting = bosh.post(bosh.body(rid + 2, '', "<presence xmlns='jabber:client'/>")); // within the window, waits for rid + 1
    await sleep(100);
    const third = await bosh.post(bosh.body(rid + 1, '', "<presence xmlns='jabber:client'/>")); // three unanswered > requests=2
    terminated(third.text, 'policy-violation');
    for (const answer of await Promise.all([held, waiting])) expect(answer.text).toContain("type='terminate'");
  });

  test('an empty request while `requests` are unanswered and less than `polling` apart gets policy-violation', async () => {
    const { bosh, rid } = await login('bea', 'eager', { create: "wait='30' hold='1'" });
    const held = bosh.post(bosh.body(rid));
    await sleep(100);
    terminated((await bosh.post(bosh.body(rid + 1))).text, 'policy-violation');
    terminated((await held).text, 'policy-violation');
  });

  test('one request beyond `requests` is allowed to terminate the session', async () => {
    const { bosh, rid } = await login('bea', 'leaving', { create: "wait='30' hold='1'" });
    const held = bosh.post(bosh.body(rid, '', "<presence xmlns='jabber:client'/>"));
    const next = bosh.post(bosh.body(rid + 1, '', "<presence xmlns='jabber:client'><show>away</show></presence>"));
    await sleep(100);
    const end = await bosh.post(bosh.body(rid + 2, " type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>"));
    expect(end.text).toContain("type='terminate'");
    expect(end.text).not.toContain('condition=');
    await Promise.all([held, next]);
  });
});

describe('XEP-0124 §12 polling sessions', () => {
  test("hold='0' answers every request at once; two empty polls closer than `polling` get policy-violation", async () => {
    const { bosh, rid, created } = await login('bea', 'poller', { on: quick, create: "wait='10' hold='0'" });
    expect(attr(created, 'hold')).toBe('0');
    expect(attr(created, 'requests')).toBe('1');
    const started = Date.now();
    expect((await bosh.post(bosh.body(rid))).text).toMatch(/^<body [^>]*\/>$/);
    expect(Date.now() - started).toBeLessThan(5000); // not held for wait (10 s)
    await sleep(QUICK.polling * 1000 + 200);
    expect((await bosh.post(bosh.body(rid + 1))).text).not.toContain('terminate'); // polling seconds apart: fine
    terminated((await bosh.post(bosh.body(rid + 2))).text, 'policy-violation'); // at once: too frequent
  });

  test("wait='0' is granted as 0: a request is answered without waiting", async () => {
    const { bosh, rid, created } = await login('bea', 'nowait', { on: quick, create: "wait='0' hold='1'" });
    expect(attr(created, 'wait')).toBe('0');
    const started = Date.now();
    await bosh.post(bosh.body(rid, '', "<presence xmlns='jabber:client'/>"));
    expect(Date.now() - started).toBeLessThan(5000); // not held for the longest wait (60 s)
  });
});

describe('XEP-0124 §10 inactivity and pause', () => {
  test('a session without requests for `inactivity` seconds ends; its sid is then unknown', async () => {
    const { bosh, rid, created } = await login('bea', 'sleepy', { on: quick });
    expect(attr(created, 'inactivity')).toBe(String(QUICK.inactivity));
    await sleep(QUICK.inactivity * 1000 + 1500);
    terminated((await bosh.post(bosh.body(rid))).text, 'item-not-found');
  });

  test('pause answers the held requests at once and keeps the session past `inactivity`, until the next request', async () => {
    const { bosh, rid, created } = await login('bea', 'pausing', { on: quick, create: "wait='10' hold='1'" });
    expect(attr(created, 'maxpause')).toBe(String(QUICK.maxPause));
    const held = bosh.post(bosh.body(rid));
    await sleep(100);
    const started = Date.now();
    const paused = await bosh.post(bosh.body(rid + 1, ` pause='${QUICK.maxPause}'`));
    expect(paused.text).toMatch(/^<body [^>]*\/>$/); // no payloads in a pause response
    expect((await held).text).toMatch(/^<body [^>]*\/>$/);
    expect(Date.now() - started).toBeLessThan(5000); // not held for wait (10 s)
    await sleep(QUICK.inactivity * 1000 + 1500); // past inactivity, within the pause
    const back = await bosh.post(bosh.body(rid + 2, '', "<presence xmlns='jabber:client'/>"));
    expect(back.text).not.toContain('terminate');
    // The next request restored the normal inactivity period.
    await sleep(QUICK.inactivity * 1000 + 1500);
    terminated((await bosh.post(bosh.body(rid + 3))).text, 'item-not-found');
  }, 20_000);

  test('a pause longer than maxpause gets policy-violation', async () => {
    const { bosh, rid } = await login('bea', 'toolong', { on: quick });
    terminated((await bosh.post(bosh.body(rid, ` pause='${QUICK.maxPause + 1}'`))).text, 'policy-violation');
    terminated((await bosh.post(bosh.body(rid + 1))).text, 'item-not-found');
  });
});

describe('bad requests', () => {
  test('a malformed body gets bad-request (HTTP 200, §17.2); with a live sid, the session ends', async () => {
    const bosh = new RawBosh(boshUrl(server));
    const bad = await bosh.post('<body xmlns="http://jabber.org/protocol/httpbind" rid="1"><oops></body>');
    expect(bad.status).toBe(200);
    terminated(bad.text, 'bad-request');
    const { bosh: live, rid } = await login('bea', 'malformed');
    terminated((await live.post(`<body xmlns='http://jabber.org/protocol/httpbind' rid='${rid}' sid='${live.sid}'><message>`)).text, 'bad-request');
    terminated((await live.post(live.body(rid + 1))).text, 'item-not-found');
  });

  test('a body larger than the limit gets policy-violation and ends its session', async () => {
    const { bosh, rid } = await login('bea', 'large');
    const huge = 'x'.repeat(server.config.c2s.maxStanzaBytes + 20 * 1024);
    const answer = await bosh.post(bosh.body(rid, '', chat(`tim@${server.domain}`, huge)));
    expect(answer.status).toBe(200);
    terminated(answer.text, 'policy-violation');
    terminated((await bosh.post(bosh.body(rid + 1))).text, 'item-not-found');
    // Without a session (a creation request), the same answer.
    terminated((await new RawBosh(boshUrl(server)).post(`<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='${server.domain}'>${huge}</body>`)).text, 'policy-violation');
  });
});
