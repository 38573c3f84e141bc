// The per-user and per-session limits of abuse control (docs/abuse.md) with real clients:
// growing lockouts, bytes per session, messages to non-contacts, MUC joins and PubSub publishes
// per user, and XEP-0268 incident reports landing in the incident store.
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { loginRaw } from '../support/raw-client.js';
import { openElement, openWebSocket } from '../support/web-clients.js';
import { setLimit, withPolicyStore, type RuleChange } from '../../cli/limits-commands.js';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import { buildProgram } from '../../cli/program.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    abuse: { enabled: true },
    muc: { joinsPerMinute: 1, joinBurst: 3 },
    pubsub: { publishesPerMinute: 1, publishBurst: 3 },
    // Off so that a user who never asks for the roster is one whose roster the router has not seen
    // (the non-contact rule's own ask is tested below); with it on, logins fill the roster at bind.
    roster: { prefetch: false },
  });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']) await server.addUser(user, `${user}-pw`);
});

afterAll(async () => {
  await server.stop();
});

async function pampero(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const program = buildProgram({ out: (l) => out.push(l), err: (l) => out.push(`ERR ${l}`), setExitCode: () => {} });
  await program.parseAsync(['node', 'pampero', ...args, '--data-dir', server.dataDir, '--domain', server.domain]);
  return out;
}

/** Changes a rule as `pampero limits set` does, then waits for the gateway's next poll (≤ 1 s). */
async function setRule(rule: string, change: RuleChange): Promise<void> {
  await withPolicyStore(server.config, (store) => setLimit(store, rule, change));
  await sleep(1300);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function refusals(metricName: string, rule: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(metricName)!.get();
  return metric.values.find((v) => v.labels.rule === rule)?.value ?? 0;
}

function xmppClient(username: string, password = `${username}-pw`) {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: 'limits-test',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>) => authenticate({ username, password }, 'PLAIN'),
  });
  xmpp.on('error', () => {});
  return xmpp;
}

type Xmpp = ReturnType<typeof xmppClient>;
interface Stanza {
  name: string;
  attrs: Record<string, string | undefined>;
  children: Array<Stanza | string>;
  getChild(name: string, ns?: string): Stanza | undefined;
}

/** Resolves with the first stanza matching `match` the client receives from now on. */
function nextStanza(xmpp: Xmpp, match: (s: Stanza) => boolean, timeoutMs = 5000): Promise<Stanza> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching stanza')), timeoutMs);
    const listener = (s: Stanza) => {
      if (!match(s)) return;
      clearTimeout(timer);
      xmpp.removeListener('stanza', listener as never);
      resolve(s);
    };
    xmpp.on('stanza', listener as never);
  });
}

const errorCondition = (s: Stanza) =>
  s.getChild('error')?.children.find((c): c is Stanza => typeof c === 'object' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas')?.name;

/** A login's outcome: the bound JID, or the SASL failure condition and text. */
async function loginOutcome(username: string, password: string): Promise<{ condition?: string; text?: string }> {
  const xmpp = xmppClient(username, password);
  try {
    await xmpp.start();
    return {};
  } catch (err) {
    const { condition, text } = err as { condition?: string; text?: string };
    return { condition, text };
  } finally {
    await xmpp.stop().catch(() => {});
  }
}

test('a repeated lockout of the same account lasts longer than the one before', async () => {
  await setRule('failed-logins-per-account', { points: '1', duration: '600', block: '2', maxBlock: '60', backoffReset: '600' });
  try {
    for (let i = 0; i < 2; i++) expect(await loginOutcome('dave', 'wrong')).toMatchObject({ condition: 'not-authorized' });
    expect(await loginOutcome('dave', 'dave-pw')).toEqual({ condition: 'temporary-auth-failure', text: expect.stringMatching(/try again in [12] s/) });
    await sleep(2200); // the first lockout (2 s) is over: the right password gets in
    expect(await loginOutcome('dave', 'dave-pw')).toEqual({});
    for (let i = 0; i < 2; i++) expect(await loginOutcome('dave', 'wrong')).toMatchObject({ condition: 'not-authorized' });
    expect(await loginOutcome('dave', 'dave-pw')).toEqual({ condition: 'temporary-auth-failure', text: expect.stringMatching(/try again in [34] s/) });
    await sleep(2200);
    expect((await loginOutcome('dave', 'dave-pw')).condition).toBe('temporary-auth-failure'); // the second (4 s) outlasts the first
  } finally {
    await setRule('failed-logins-per-account', { points: '5', duration: '600', block: '300', maxBlock: '86400', backoffReset: '86400' });
  }
});

test('bytes per session: a burst over budget is delayed (reads paused), a bulk flood is refused with policy-violation', async () => {
  await setRule('bytes-per-session', { points: '4000', duration: '1', action: 'delay' });
  const raw = await loginRaw(server.c2sPort, server.domain, 'carol', 'carol-pw', 'bulk', '127.0.0.4');
  try {
    await sleep(1100); // a full budget again after the login
    // 5000 bytes at once: 1000 bytes of debt, so the next read waits about 250 ms.
    raw.send(`<iq type='result' id='${'x'.repeat(4950)}'/>`);
    await sleep(30); // the ping comes in a read of its own, after the burst's
    const sent = performance.now();
    raw.send(`<iq type='get' id='after-burst' to='${server.domain}'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await raw.waitFor(/id=["']after-burst["']/);
    expect(performance.now() - sent).toBeGreaterThan(150);
    expect(raw.received()).not.toContain('policy-violation');

    const before = await refusals('pampero_abuse_refusals_total', 'bytes-per-session');
    const filler = `<iq type='result' id='${'y'.repeat(980)}'/>`;
    for (let i = 0; i < 200; i++) raw.send(filler); // 200 KB as fast as the socket takes them
    expect(await raw.waitFor(/policy-violation[\s\S]*?<\/stream:error>/)).toMatch(/policy-violation/);
    expect(raw.received()).toMatch(/Too much data/);
    await raw.closed;
    expect(await refusals('pampero_abuse_refusals_total', 'bytes-per-session')).toBe(before + 1);
  } finally {
    raw.socket.destroy();
    await setRule('bytes-per-session', { points: '262144', duration: '1', action: 'delay' });
  }
});

test('bytes per session over WebSocket: past the tolerated debt the stream ends with policy-violation', async () => {
  await setRule('bytes-per-session', { points: '4000', duration: '1', action: 'delay' });
  const ws = await openWebSocket(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`, ['xmpp'], { localAddress: '127.0.0.9' });
  try {
    ws.send(openElement(server.domain));
    await ws.waitFor(/<stream:features/);
    for (let i = 0; i < 10; i++) ws.send(' '.repeat(1000)); // whitespace keepalives, 10,000 bytes at once
    const error = await ws.waitFor(/Too much data/);
    expect(error).toMatch(/policy-violation/);
    expect(error).toMatch(/4000 bytes per 1 s/);
  } finally {
    ws.socket.close();
    await setRule('bytes-per-session', { points: '262144', duration: '1', action: 'delay' });
  }
});

/** Until `owner`'s roster shows `contact` with a subscription (the roster component answers). */
async function waitForSubscription(owner: Xmpp, contact: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const query = (await owner.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }))) as unknown as Stanza;
    const item = query.children.find((c): c is Stanza => typeof c === 'object' && c.attrs.jid === contact);
    if (item && ['to', 'both'].includes(item.attrs.subscription!)) return;
    await sleep(100);
  }
  throw new Error(`${contact} never became a contact`);
}

test('messages to non-contacts are throttled per user while messages to contacts go through', async () => {
  await setRule('messages-to-non-contacts', { points: '3', duration: '60', block: '60' });
  const erin = xmppClient('erin');
  const frank = xmppClient('frank');
  await erin.start();
  await frank.start();
  try {
    const frankJid = `frank@${server.domain}`;
    await Promise.all([erin.send(xml('presence')), frank.send(xml('presence'))]);
    // erin subscribes to frank, frank approves: frank is erin's contact (subscription 'to').
    const asked = nextStanza(frank, (s) => s.name === 'presence' && s.attrs.type === 'subscribe');
    await erin.send(xml('presence', { type: 'subscribe', to: frankJid }));
    await asked;
    await frank.send(xml('presence', { type: 'subscribed', to: `erin@${server.domain}` }));
    await waitForSubscription(erin, frankJid);

    const before = await refusals('pampero_abuse_refusals_total', 'messages-to-non-contacts');
    const errors: Stanza[] = [];
    erin.on('stanza', (s: Stanza) => {
      if (s.name === 'message' && s.attrs.type === 'error') errors.push(s);
    });
    for (let i = 0; i < 6; i++) {
      const stranger = ['alice', 'bob', 'gina'][i % 3]!;
      await erin.send(xml('message', { type: 'chat', to: `${stranger}@${server.domain}`, id: `spam${i}` }, xml('body', {}, `Buy cheap watches ${i}`)));
    }
    const received: string[] = [];
    frank.on('stanza', (s: Stanza) => {
      if (s.name === 'message' && s.attrs.type === 'chat') received.push(s.attrs.id!);
    });
    for (let i = 0; i < 5; i++) await erin.send(xml('message', { type: 'chat', to: frankJid, id: `hi${i}` }, xml('body', {}, `hello ${i}`)));
    for (let i = 0; i < 50 && (received.length < 5 || errors.length < 3); i++) await sleep(100);

    expect(received).toEqual(['hi0', 'hi1', 'hi2', 'hi3', 'hi4']);
    expect(errors.map((e) => e.attrs.id).sort()).toEqual(['spam3', 'spam4', 'spam5']);
    expect(errors.map(errorCondition)).toEqual(['policy-violation', 'policy-violation', 'policy-violation']);
    expect(await refusals('pampero_abuse_refusals_total', 'messages-to-non-contacts')).toBe(before + 3);
    const lines = await pampero('incidents', 'list', '--reason', 'messages-to-non-contacts', '--since', '10m');
    expect(lines).toHaveLength(1); // recorded once per rule and user every 10 s
    expect(lines[0]).toContain(`offender=erin@${server.domain}`);
  } finally {
    await erin.stop().catch(() => {});
    await frank.stop().catch(() => {});
  }
});

test('a user who never asked for the roster: the router asks the roster component once, and contacts are not counted', async () => {
  await setRule('messages-to-non-contacts', { points: '1', duration: '60', block: '60' });
  const frank = xmppClient('frank'); // erin is in frank's roster with subscription 'from' (test above)
  await frank.start();
  try {
    const errors: string[] = [];
    frank.on('stanza', (s: Stanza) => {
      if (s.name === 'message' && s.attrs.type === 'error') errors.push(s.attrs.id!);
    });
    const say = (to: string, id: string) => frank.send(xml('message', { type: 'chat', to: `${to}@${server.domain}`, id }, xml('body', {}, id)));
    await say('erin', 'first'); // counted (the roster is not known yet), and the router asks for it
    await sleep(500);
    for (let i = 0; i < 4; i++) await say('erin', `again${i}`);
    await say('alice', 'stranger0');
    await say('bob', 'stranger1');
    for (let i = 0; i < 30 && errors.length < 2; i++) await sleep(100);
    await sleep(200);
    expect(errors.sort()).toEqual(['stranger0', 'stranger1']);
  } finally {
    await frank.stop().catch(() => {});
  }
});

test('MUC joins per user: past the burst, entering a room gets policy-violation; other users still enter', async () => {
  const gina = xmppClient('gina');
  const frank = xmppClient('frank');
  await gina.start();
  await frank.start();
  const enter = async (who: Xmpp, nick: string, room: string) => {
    const to = `${room}@conference.${server.domain}/${nick}`;
    const answer = nextStanza(who, (s) => s.name === 'presence' && s.attrs.from === to);
    await who.send(xml('presence', { to }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const presence = await answer;
    return presence.attrs.type === 'error' ? errorCondition(presence) : 'entered';
  };
  try {
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await enter(gina, 'gina', `sweep${i}`));
    expect(outcomes).toEqual(['entered', 'entered', 'entered', 'policy-violation', 'policy-violation']);
    expect(await enter(frank, 'frank', 'sweep4')).toBe('entered');
    expect(await refusals('pampero_component_limit_refusals_total', 'muc-joins-per-user')).toBeGreaterThanOrEqual(2);
  } finally {
    await gina.stop().catch(() => {});
    await frank.stop().catch(() => {});
  }
});

test('PubSub publishes per user: past the burst, a publish gets policy-violation; other users still publish', async () => {
  const gina = xmppClient('gina');
  const frank = xmppClient('frank');
  await gina.start();
  await frank.start();
  const publish = async (who: Xmpp, node: string, i: number) => {
    try {
      await who.iqCaller.set(
        xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' },
          xml('publish', { node }, xml('item', { id: `i${i}` }, xml('entry', { xmlns: 'urn:example:limits' }, `item ${i}`)))),
        `pubsub.${server.domain}`,
      );
      return 'published';
    } catch (err) {
      return (err as { condition?: string }).condition;
    }
  };
  try {
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await publish(gina, 'gina-news', i));
    expect(outcomes).toEqual(['published', 'published', 'published', 'policy-violation', 'policy-violation']);
    expect(await publish(frank, 'frank-news', 0)).toBe('published');
  } finally {
    await gina.stop().catch(() => {});
    await frank.stop().catch(() => {});
  }
});

test('a XEP-0268 incident report sent to the server is searchable with pampero incidents', async () => {
  const alice = xmppClient('alice');
  await alice.start();
  try {
    await alice.iqCaller.set(
      xml('report', { xmlns: 'urn:xmpp:incident:2', status: 'new' },
        xml('IODEF-Document', { xmlns: 'urn:ietf:params:xml:ns:iodef-1.0', version: '1.00', lang: 'en' },
          xml('Incident', { purpose: 'reporting' },
            xml('IncidentID', { name: server.domain }, 'inc-42'),
            xml('ReportTime', {}, new Date().toISOString()),
            xml('Description', {}, 'Presence flood from one account'),
            xml('Assessment', {}, xml('Impact', { type: 'dos', completion: 'succeeded' })),
            xml('EventData', {}, xml('Flow', {}, xml('System', { category: 'source' }, xml('Node', {}, xml('jid', { xmlns: 'urn:xmpp:incident:2' }, 'flooder@flood.example')))))))),
      server.domain,
    );
    await expect(alice.iqCaller.set(xml('inquiry', { xmlns: 'urn:xmpp:incident:2' }), server.domain)).rejects.toMatchObject({ condition: 'feature-not-implemented' });
  } finally {
    await alice.stop().catch(() => {});
  }
  const lines = await pampero('incidents', 'list', '--offender', 'flooder@flood.example', '--since', '10m');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('incident-report');
  expect(lines[0]).toContain(`reporter=alice@${server.domain}`);
  expect(lines[0]).toContain('Presence flood from one account');
  expect(await pampero('incidents', 'list', '--reason', 'urn:xmpp:incident:2')).toHaveLength(1);
});
