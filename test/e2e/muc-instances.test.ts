// The MUC component as its own process (`pampero start --role muc`, spawned from dist/ as an
// operator runs it), two instances for one domain attached to an in-process all-in-one, sharing
// the room store (one LMDB environment opened by three processes). A room lives on one instance;
// that instance is SIGKILLed mid-conversation; the router re-routes to the other, which loads the
// persistent room from storage; a XEP-0410 self-ping tells the clients to re-join; messages after
// the move are delivered, and the room's archive holds the messages from both sides of the move. Runs only where `npm run build` made dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';
import { freePorts } from '../support/free-port.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'pampero.cjs');
const whenBuilt = existsSync(bin) ? describe : describe.skip;

type XmppClient = ReturnType<typeof client>;
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const SECRET = 'chat-secret';

interface Instance {
  child: ChildProcess;
  httpPort: number;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let server: TestServer;
let service: string;
const instances: Instance[] = [];
const clients: XmppClient[] = [];

/** `pampero start --role muc` against the test server's component port; resolves once attached. */
async function startInstance(): Promise<Instance> {
  const [httpPort] = await freePorts(1);
  const child = spawn(process.execPath, [
    bin, 'start', '--role', 'muc',
    '--domain', server.domain,
    '--data-dir', server.dataDir,
    '--component-service', `xmpp://127.0.0.1:${server.componentPort}`,
    '--component-domain', service,
    '--component-secret', SECRET,
    '--log-level', 'silent',
  ], { env: { PATH: process.env.PATH, PAMPERO_HTTP_PORT: String(httpPort), PAMPERO_HTTP__HOST: '127.0.0.1' } });
  const instance: Instance = {
    child,
    httpPort,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  instances.push(instance);
  child.stderr!.on('data', (chunk) => (instance.stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      instance.stdout += chunk;
      if (instance.stdout.includes(`:${httpPort}`)) resolve();
    });
    child.once('exit', () => reject(new Error(`pampero start --role muc exited early: ${instance.stderr}`)));
  });
  return instance;
}

/** Room stanzas this instance has handled (its /metrics). */
async function roomStanzas(instance: Instance): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${instance.httpPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('pampero_muc_stanzas_total'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function connect(username: string): Promise<XmppClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource: 'r', username, password: `${username}-pw` });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  await xmpp.start();
  await xmpp.send(xml('presence'));
  return xmpp;
}

const codes = (el: any): number[] => (el.getChild('x', MUC_USER)?.getChildren('status') ?? []).map((s: any) => Number(s.attrs.code));

async function enter(xmpp: XmppClient, room: string, nick: string): Promise<any> {
  const self = nextStanza(xmpp, (el) => el.is('presence') && el.attrs.from === `${room}/${nick}` && codes(el).includes(110), 10_000);
  await xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC })));
  return self;
}

async function say(from: XmppClient, to: XmppClient, room: string, body: string): Promise<any> {
  const heard = nextStanza(to, (el) => el.is('message') && el.attrs.type === 'groupchat' && el.getChildText('body') === body, 10_000);
  await from.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, body)));
  return heard;
}

whenBuilt('MUC component processes (pampero start --role muc)', () => {
  beforeAll(async () => {
    server = await startTestServer();
    service = `chat.${server.domain}`;
    await server.addUser('alice', 'alice-pw');
    await server.addUser('bob', 'bob-pw');
    await server.addComponent(service, SECRET);
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
    for (const instance of instances) instance.child.kill('SIGKILL');
    await server?.stop();
  });

  test('two instances share a domain; when the one holding a room is killed, the room moves and the conversation goes on', async () => {
    const [first, second] = [await startInstance(), await startInstance()];
    expect(first.stdout).toContain(`muc component ${service} attached to xmpp://127.0.0.1:${server.componentPort}`);
    await fetch(`http://127.0.0.1:${second.httpPort}/readyz`).then((res) => expect(res.status).toBe(200));

    const room = `heath@${service}`;
    const alice = await connect('alice');
    const bob = await connect('bob');
    expect(codes(await enter(alice, room, 'Alice'))).toEqual(expect.arrayContaining([110, 201]));
    const form = xml(
      'x',
      { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, `${MUC}#roomconfig`)),
      xml('field', { var: 'muc#roomconfig_persistentroom' }, xml('value', {}, '1')),
    );
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, form)));
    await enter(bob, room, 'Bob');
    await say(alice, bob, room, 'when shall we three meet again');

    // Exactly one instance has seen the room's stanzas: that one holds it.
    const counts = [await roomStanzas(first), await roomStanzas(second)];
    expect(counts.filter((n) => n > 0)).toHaveLength(1);
    const [holder, survivor] = counts[0]! > 0 ? [first, second] : [second, first];

    holder.child.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');

    // XEP-0410: the self-ping reaches the other instance, where Alice is not an occupant.
    const ping = await alice.iqCaller
      .request(xml('iq', { type: 'get', to: `${room}/Alice` }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 10_000)
      .then(() => 'joined', (err: any) => err?.condition);
    expect(ping).toBe('not-acceptable');

    // Both re-join; the persistent room came back from storage (no 201: it is not created anew).
    expect(codes(await enter(alice, room, 'Alice'))).not.toContain(201);
    await enter(bob, room, 'Bob');
    const heard = await say(bob, alice, room, 'in thunder, lightning, or in rain');
    expect(heard.attrs.from).toBe(`${room}/Bob`);
    expect(await roomStanzas(survivor)).toBeGreaterThan(0);

    // The room's archive (XEP-0313) is shared too: what was said before the move is still there.
    const archived: string[] = [];
    const collect = (el: any) => {
      const body = el.getChild('result', 'urn:xmpp:mam:2')?.getChild('forwarded')?.getChild('message')?.getChildText('body');
      if (body) archived.push(body);
    };
    alice.on('stanza', collect);
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'before-and-after' })), 10_000);
    alice.off('stanza', collect);
    expect(archived).toEqual(['when shall we three meet again', 'in thunder, lightning, or in rain']);

    // SIGTERM: occupants are told the service is going away (XEP-0045 §15.6 status 332), exit 0.
    const notice = nextStanza(bob, (el) => el.is('presence') && el.attrs.type === 'unavailable' && codes(el).includes(332), 10_000);
    survivor.child.kill('SIGTERM');
    await notice;
    expect((await survivor.exited).code).toBe(0);
    expect(survivor.stderr).toBe('');

    // No instance left: a stanza for the domain is answered at once, never left hanging.
    const error = await alice.iqCaller
      .request(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })), 10_000)
      .then(() => 'answered', (err: any) => err?.condition);
    expect(error).toBe('service-unavailable');
  }, 60_000);
});
