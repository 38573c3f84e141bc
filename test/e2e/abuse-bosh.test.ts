// Abuse control on BOSH (docs/abuse.md): a session creation is a connection (per address, per
// /24, open at once; one budget with TCP), SASL over BOSH is a login (per address, failed logins),
// and request bodies count against bytes-per-session. Raw BOSH over node:http from chosen source
// addresses (127.0.x.y), so each test has its own address and /24.
import { request } from 'node:http';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { loginRaw } from '../support/raw-client.js';
import { setLimit, withPolicyStore, type RuleChange } from '../../cli/limits-commands.js';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';

let server: TestServer;

const RULES: Array<[string, RuleChange]> = [
  ['connections-per-ip', { points: '4', duration: '600', block: '600' }],
  ['connections-per-prefix', { points: '6', duration: '600', block: '600' }],
  ['concurrent-connections-per-ip', { points: '2' }],
  ['logins-per-ip', { points: '3', duration: '600', block: '600' }],
  ['failed-logins-per-ip', { points: '1', duration: '600', block: '600' }],
  ['bytes-per-session', { points: '4000', duration: '1', action: 'delay' }],
];

beforeAll(async () => {
  server = await startTestServer({ abuse: { enabled: true } });
  for (const user of ['bea', 'tim']) await server.addUser(user, `${user}-pw`);
  await withPolicyStore(server.config, async (store) => {
    for (const [rule, change] of RULES) await setLimit(store, rule, change);
  });
  await new Promise((resolve) => setTimeout(resolve, 1300)); // the gateway's next policy poll
});

afterAll(async () => {
  await server.stop();
});

function post(from: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.httpPort, path: '/http-bind', method: 'POST', localAddress: from, agent: false, headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A BOSH session from one source address, with the rids it needs. */
class Bosh {
  sid = '';
  private rid = 5000;
  /** `forwardedFor`: as the reverse proxy on this host says (X-Forwarded-For). */
  constructor(readonly from: string, readonly forwardedFor?: string) {}

  private post(body: string): Promise<string> {
    return post(this.from, body, this.forwardedFor ? { 'X-Forwarded-For': this.forwardedFor } : {});
  }

  body(attrs = '', content = ''): string {
    const sid = this.sid ? ` sid='${this.sid}'` : '';
    return `<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='${this.rid++}'${sid}${attrs}>${content}</body>`;
  }

  /** The creation response (a refusal has no sid). */
  async create(): Promise<string> {
    const text = await this.post(this.body(` to='${server.domain}' wait='2' hold='1' ver='1.6' xmpp:version='1.0'`));
    this.sid = /\ssid=['"]([^'"]+)['"]/.exec(text)?.[1] ?? '';
    return text;
  }

  send(content: string, attrs = ''): Promise<string> {
    return this.post(this.body(attrs, content));
  }

  auth(user: string, password: string): Promise<string> {
    return this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
  }

  terminate(): Promise<string> {
    return this.send('', " type='terminate'");
  }
}

async function opened(from: string, forwardedFor?: string): Promise<Bosh> {
  const bosh = new Bosh(from, forwardedFor);
  expect(await bosh.create()).toContain('<mechanism>PLAIN</mechanism>');
  return bosh;
}

function refusedConnection(text: string, rule: string): void {
  expect(text).toContain("type='terminate'");
  expect(text).toContain("condition='remote-stream-error'");
  expect(text).toContain('<policy-violation');
  expect(text).toContain(`Too many connections (${rule})`);
  expect(text).not.toMatch(/\ssid=/);
}

async function refusals(rule: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('pampero_abuse_refusals_total')!.get();
  return metric.values.find((v) => v.labels.rule === rule)?.value ?? 0;
}

test('BOSH session creations and a TCP connection share the per-address budget; another address of the /24 still gets in', async () => {
  const before = await refusals('connections-per-ip');
  const tcp = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'tcp', '127.0.1.1');
  tcp.socket.destroy();
  for (let i = 0; i < 3; i++) await (await opened('127.0.1.1')).terminate();
  refusedConnection(await new Bosh('127.0.1.1').create(), 'connections-per-ip');
  expect(await refusals('connections-per-ip')).toBe(before + 1);
  await (await opened('127.0.1.2')).terminate();
});

test('session creations from many addresses of one /24 are refused once over connections-per-prefix; another /24 is not', async () => {
  for (let i = 1; i <= 6; i++) await (await opened(`127.0.2.${i}`)).terminate();
  refusedConnection(await new Bosh('127.0.2.7').create(), 'connections-per-prefix');
  await (await opened('127.0.3.1')).terminate();
});

test('open sessions count as concurrent connections until they end', async () => {
  const first = await opened('127.0.4.1');
  const second = await opened('127.0.4.1');
  refusedConnection(await new Bosh('127.0.4.1').create(), 'concurrent-connections-per-ip');
  expect(await first.terminate()).toContain("type='terminate'");
  const third = await opened('127.0.4.1');
  await second.terminate();
  await third.terminate();
});

test('SASL over BOSH counts against logins-per-ip: the fourth login from one address gets temporary-auth-failure', async () => {
  for (let i = 0; i < 3; i++) {
    const bosh = await opened('127.0.5.1');
    expect(await bosh.auth('bea', 'bea-pw')).toContain('<success');
    await bosh.terminate();
  }
  const bosh = await opened('127.0.5.1');
  const refused = await bosh.auth('bea', 'bea-pw');
  expect(refused).toContain('<temporary-auth-failure/>');
  expect(refused).toContain('Too many logins from your address');
  await bosh.terminate();
  const other = await opened('127.0.5.2');
  expect(await other.auth('bea', 'bea-pw')).toContain('<success');
  await other.terminate();
});

test('failed logins over BOSH lock the address out, right password or not, while another address logs in', async () => {
  const bosh = await opened('127.0.6.1');
  expect(await bosh.auth('tim', 'wrong-1')).toContain('<not-authorized/>');
  expect(await bosh.auth('tim', 'wrong-2')).toContain('<not-authorized/>');
  const locked = await bosh.auth('bea', 'bea-pw');
  expect(locked).toContain('<temporary-auth-failure/>');
  expect(locked).toContain('Too many failed logins');
  const other = await opened('127.0.6.2');
  expect(await other.auth('bea', 'bea-pw')).toContain('<success');
  await other.terminate();
});

test('a request over bytes-per-session but within half a budget is held, in order, until the budget refills (delay)', async () => {
  const tim = await loginRaw(server.c2sPort, server.domain, 'tim', 'tim-pw', 'delay');
  try {
    const bosh = await opened('127.0.8.1');
    expect(await bosh.auth('bea', 'bea-pw')).toContain('<success');
    expect(await bosh.send('', ` to='${server.domain}' xmpp:restart='true'`)).toContain('<bind');
    expect(await bosh.send(`<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>`)).toContain('<jid>');
    const chat = (marker: string, size: number) => `<message xmlns='jabber:client' to='tim@${server.domain}' type='chat'><body>${marker} ${'y'.repeat(size)}</body></message>`;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a full budget again after the login
    const started = Date.now();
    // About 3200 + 2200 bytes at once against a full budget of 4000 per second: a debt of about
    // 1400 bytes (within half a budget), so the later request waits about 0.35 s.
    const first = bosh.send(chat('alpha-marker', 3000));
    const second = bosh.send(chat('beta-marker', 2000));
    await tim.waitFor(/alpha-marker/);
    await tim.waitFor(/beta-marker/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(tim.received().indexOf('alpha-marker')).toBeLessThan(tim.received().indexOf('beta-marker'));
    for (const answer of await Promise.all([first, second])) expect(answer).not.toContain('terminate');
    await bosh.terminate();
  } finally {
    tim.socket.destroy();
  }
});

test('a request body far over bytes-per-session ends the session with a policy-violation stream error', async () => {
  const bosh = await opened('127.0.7.1');
  expect(await bosh.auth('bea', 'bea-pw')).toContain('<success');
  expect(await bosh.send('', ` to='${server.domain}' xmpp:restart='true'`)).toContain('<bind');
  const padding = 'x'.repeat(10_000);
  const refused = await bosh.send(`<message xmlns='jabber:client' to='tim@${server.domain}' type='chat'><body>${padding}</body></message>`);
  expect(refused).toContain("condition='remote-stream-error'");
  expect(refused).toContain('<policy-violation');
  expect(refused).toContain('Too much data');
  // The session is over: its sid is unknown now.
  expect(await bosh.send('')).toContain("condition='item-not-found'");
});

test('behind the reverse proxy on this host, the client it names in X-Forwarded-For is the one counted', async () => {
  // Every request comes from 127.0.0.1, the proxy; the clients are the addresses it names last.
  for (let i = 0; i < 4; i++) await (await opened('127.0.0.1', `10.1.1.1, 198.51.100.4`)).terminate();
  refusedConnection(await new Bosh('127.0.0.1', '198.51.100.4').create(), 'connections-per-ip');
  await (await opened('127.0.0.1', '198.51.100.4, 198.51.100.5')).terminate();
});
