// Abuse control (docs/abuse.md) with real clients: address limits hit only the flooding address,
// failed logins lock an account out, and a policy changed at run time reaches a running session.
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { header, loginRaw, openRaw } from '../support/raw-client.js';
import { setLimit, withPolicyStore, type RuleChange } from '../../cli/limits-commands.js';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import { buildProgram } from '../../cli/program.js';
import { freePorts } from '../support/free-port.js';
import { openElement, openWebSocket } from '../support/web-clients.js';

/** Runs `pampero ...args` in-process on the test server's data directory; resolves to its output lines. */
async function pampero(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = buildProgram({ out: (l) => out.push(l), err: (l) => out.push(`ERR ${l}`), setExitCode: () => {} });
  await program.parseAsync(['node', 'pampero', ...args, '--data-dir', server.dataDir, '--domain', server.domain]);
  return out;
}

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let server: TestServer;

beforeAll(async () => {
  const [adminPort] = await freePorts(1);
  server = await startTestServer({ abuse: { enabled: true }, admin: { host: '127.0.0.1', port: adminPort!, token: 'abuse-test-token' } });
  await server.addUser('alice', 'alice-pw');
  await server.addUser('bob', 'bob-pw');
  await server.addUser('carol', 'carol-pw');
});

afterAll(async () => {
  await server.stop();
});

/** Changes a rule as `pampero limits set` does, then waits for the gateway's next poll (≤ 1 s). */
async function setRule(rule: string, change: RuleChange): Promise<void> {
  await withPolicyStore(server.config, (store) => setLimit(store, rule, change));
  await new Promise((resolve) => setTimeout(resolve, 1300));
}

async function refusals(rule: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('pampero_abuse_refusals_total')!.get();
  return metric.values.find((v) => v.labels.rule === rule)?.value ?? 0;
}

function xmppClient(username: string, password: string) {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: 'abuse-test',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>) => authenticate({ username, password }, 'PLAIN'),
  });
  xmpp.on('error', () => {});
  return xmpp;
}

test('a connection flood from one address is refused while another address still logs in', async () => {
  await setRule('connections-per-ip', { points: '5', duration: '60', block: '60' });
  const before = await refusals('connections-per-ip');
  const flood = await Promise.all(Array.from({ length: 10 }, () => openRaw(server.c2sPort, '127.0.0.2')));
  for (const c of flood) c.send(header(server.domain));
  const outcomes = await Promise.all(flood.map((c) => c.waitFor(/<stream:features>|policy-violation/).catch(() => 'timeout')));
  expect(outcomes.filter((o) => o === 'policy-violation')).toHaveLength(5);
  expect(outcomes.filter((o) => o === '<stream:features>')).toHaveLength(5);
  expect(await refusals('connections-per-ip')).toBe(before + 5);

  // 127.0.0.1 has its own budget: a real client logs in.
  const alice = xmppClient('alice', 'alice-pw');
  try {
    expect((await alice.start()).toString()).toBe(`alice@${server.domain}/abuse-test`);
  } finally {
    await alice.stop().catch(() => {});
    for (const c of flood) c.socket.destroy();
  }
  await setRule('connections-per-ip', { points: '1000' });
});

test('failed logins lock the account out, even with the right password, while other accounts log in', async () => {
  await setRule('failed-logins-per-account', { points: '2', duration: '600', block: '60' });
  for (let i = 0; i < 3; i++) {
    const attempt = xmppClient('bob', 'wrong-pw');
    await expect(attempt.start()).rejects.toMatchObject({ condition: 'not-authorized' });
    await attempt.stop().catch(() => {});
  }
  const locked = xmppClient('bob', 'bob-pw');
  await expect(locked.start()).rejects.toMatchObject({ condition: 'temporary-auth-failure', text: expect.stringMatching(/try again in \d+ s/) });
  await locked.stop().catch(() => {});

  const carol = xmppClient('carol', 'carol-pw');
  expect((await carol.start()).toString()).toBe(`carol@${server.domain}/abuse-test`);
  await carol.stop().catch(() => {});
});

test('a stanza limit changed at run time applies to a running session without reconnecting', async () => {
  const alice = await loginRaw(server.c2sPort, server.domain, 'alice', 'alice-pw', 'shaped', '127.0.0.3');
  const pings = (from: number, count: number) => {
    for (let i = from; i < from + count; i++) alice.send(`<iq type='get' id='p${i}' to='${server.domain}'><ping xmlns='urn:xmpp:ping'/></iq>`);
  };
  pings(0, 20);
  await alice.waitFor(/id=["']p19["']/);
  expect(alice.received()).not.toContain('policy-violation');

  await setRule('stanzas-per-session', { points: '5', duration: '60', action: 'refuse' });
  pings(100, 10);
  await alice.waitFor(/id=["']p109["'][\s\S]*?<\/iq>/);
  const answers = alice.received().split("<iq").filter((s) => /id=["']p1\d\d["']/.test(s));
  expect(answers.filter((s) => s.includes('policy-violation'))).toHaveLength(5);
  expect(answers.filter((s) => /type=["']result["']/.test(s))).toHaveLength(5);
  expect(alice.socket.destroyed).toBe(false);
  alice.socket.destroy();
  await setRule('stanzas-per-session', { points: '100', duration: '1', action: 'delay' });
});

test('a spam report sent with a block (XEP-0377) is searchable with pampero incidents', async () => {
  const alice = xmppClient('alice', 'alice-pw');
  await alice.start();
  try {
    await alice.iqCaller.set(
      xml('block', { xmlns: 'urn:xmpp:blocking' },
        xml('item', { jid: 'spammer@spam.example' },
          xml('report', { xmlns: 'urn:xmpp:reporting:1', reason: 'urn:xmpp:reporting:spam' }, xml('text', {}, 'Buy cheap watches')))),
    );
  } finally {
    await alice.stop().catch(() => {});
  }
  const lines = await pampero('incidents', 'list', '--offender', 'spammer@spam.example', '--since', '10m');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('spam-report');
  expect(lines[0]).toContain(`reporter=alice@${server.domain}`);
  expect(lines[0]).toContain('"Buy cheap watches"');
  const id = lines[0]!.split('  ')[1]!;
  const shown = JSON.parse((await pampero('incidents', 'show', id)).join('\n'));
  expect(shown).toMatchObject({ id, kind: 'spam-report', reason: 'urn:xmpp:reporting:spam', offender: 'spammer@spam.example' });
  expect(await pampero('incidents', 'list', '--reporter', `bob@${server.domain}`)).toEqual(['no incidents']);
});

test('pampero limits show prints the policy the gateway applies', async () => {
  const lines = await pampero('limits', 'show');
  expect(lines[0]).toMatch(/^policy version \d+/);
  expect(lines.join('\n')).toMatch(/stanzas-per-session\s+on\s+100 per 1 s by session, delay/);
});

test('a banned range is refused at once, other addresses are not, and unban lifts it', async () => {
  expect(await pampero('abuse', 'ban', '127.0.0.6/32', '--for', '1h', '--reason', 'flood')).toEqual([expect.stringMatching(/^127\.0\.0\.6\/32 banned until /)]);
  await new Promise((resolve) => setTimeout(resolve, 1300));
  const banned = await openRaw(server.c2sPort, '127.0.0.6');
  banned.send(header(server.domain));
  expect(await banned.waitFor(/<text[^>]*>[^<]*<\/text>/)).toMatch(/banned/);
  expect(banned.received()).toContain('policy-violation');
  const elsewhere = await openRaw(server.c2sPort, '127.0.0.7');
  elsewhere.send(header(server.domain));
  await elsewhere.waitFor(/<stream:features>/);
  elsewhere.socket.destroy();
  expect((await pampero('abuse', 'bans'))[0]).toMatch(/^127\.0\.0\.6\/32  until .*flood$/);

  await pampero('abuse', 'unban', '127.0.0.6/32');
  await new Promise((resolve) => setTimeout(resolve, 1300));
  const again = await openRaw(server.c2sPort, '127.0.0.6');
  again.send(header(server.domain));
  await again.waitFor(/<stream:features>/);
  again.socket.destroy();
});

test('a suspended account is disconnected and gets account-disabled at login until unsuspended', async () => {
  const carol = xmppClient('carol', 'carol-pw');
  await carol.start();
  const gone = new Promise<void>((resolve) => carol.on('disconnect', () => resolve()));
  // The CLI reaches the running node's admin API as an operator would: token and port from the environment.
  Object.assign(process.env, { PAMPERO_ADMIN_TOKEN: server.config.admin.token, PAMPERO_ADMIN_PORT: String(server.config.admin.port) });
  let line: string | undefined;
  try {
    [line] = await pampero('abuse', 'suspend', 'carol', '--reason', 'spam run');
  } finally {
    delete process.env.PAMPERO_ADMIN_TOKEN;
    delete process.env.PAMPERO_ADMIN_PORT;
  }
  expect(line).toMatch(new RegExp(`carol@${server.domain} suspended; ended 1 session`));
  await gone;
  await carol.stop().catch(() => {});

  const refused = xmppClient('carol', 'carol-pw');
  await expect(refused.start()).rejects.toMatchObject({ condition: 'account-disabled', text: 'Account suspended: spam run' });
  await refused.stop().catch(() => {});

  await pampero('abuse', 'unsuspend', 'carol');
  const back = xmppClient('carol', 'carol-pw');
  expect((await back.start()).toString()).toBe(`carol@${server.domain}/abuse-test`);
  await back.stop().catch(() => {});
});

test('WebSocket connections from one address share its budget: the excess gets policy-violation', async () => {
  await setRule('connections-per-ip', { points: '2', duration: '60', block: '60' });
  const url = `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
  const sockets = [];
  try {
    for (let i = 0; i < 3; i++) sockets.push(await openWebSocket(url, ['xmpp'], { localAddress: '127.0.0.8' }));
    for (const ws of sockets) ws.send(openElement(server.domain));
    await sockets[0]!.waitFor(/<stream:features/);
    await sockets[1]!.waitFor(/<stream:features/);
    expect(await sockets[2]!.waitFor(/policy-violation/)).toContain('Too many connections');
  } finally {
    for (const ws of sockets) ws.socket.close();
    await setRule('connections-per-ip', { points: '1000' });
  }
});
