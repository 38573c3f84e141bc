// Interop: Pampero's MUC component attached to a real Prosody (Debian's `prosody`, installed by
// scripts/test-setup.sh) through a `Component "conference.localhost"` entry with a
// component_secret. Prosody runs from a temp directory on free loopback ports; two users
// registered with prosodyctl log in to Prosody with @xmpp/client and chat in a room that lives
// in the Pampero component. Skipped (with the reason) only where Prosody is not installed.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, xml } from '@xmpp/client';
import { startMucComponent, type RunningMucComponent } from '../../components/muc/index.js';
import { createLogger } from '../../shared/log.js';
import { openLmdbMucRoomStore } from '../../shared/storage/lmdb/muc-room-store.js';
import type { MucRoomStore } from '../../shared/storage/types.js';
import { freePorts } from '../support/free-port.js';
import { nextStanza } from '../support/next-stanza.js';

const PROSODY = '/usr/bin/prosody';
const PROSODYCTL = '/usr/bin/prosodyctl';
const installed = existsSync(PROSODY) && existsSync(PROSODYCTL);
if (!installed) console.warn('prosody-muc.test.ts skipped: Prosody is not installed (apt-get install prosody, or run scripts/test-setup.sh)');
const whenProsody = installed ? describe : describe.skip;

type XmppClient = ReturnType<typeof client>;
const DOMAIN = 'localhost';
const SERVICE = `conference.${DOMAIN}`;
const SECRET = 'prosody-component-secret';
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

let dir: string;
let c2sPort: number;
let prosody: ChildProcess | undefined;
let prosodyOutput = '';
let muc: RunningMucComponent | undefined;
let rooms: (MucRoomStore & { close(): Promise<void> }) | undefined;
const clients: XmppClient[] = [];

function prosodyConfig(componentPort: number): string {
  return `-- Written by test/e2e/prosody-muc.test.ts
run_as_root = true -- test machines and CI containers run as root
data_path = "${dir}/data"
certificates = "${dir}/certs"
log = { warn = "${dir}/prosody.log" }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s"; "offline"; "posix" }
c2s_ports = { ${c2sPort} }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
component_ports = { ${componentPort} }
component_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"

VirtualHost "${DOMAIN}"

Component "${SERVICE}"
	component_secret = "${SECRET}"
`;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${command} ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve()));
  });
}

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline || prosody?.exitCode !== null) throw new Error(`Prosody did not listen on ${port}: ${prosodyOutput.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function connect(username: string): Promise<XmppClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${c2sPort}`, domain: DOMAIN, resource: 'p', username, password: `${username}-pw` });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  await xmpp.start();
  await xmpp.send(xml('presence'));
  return xmpp;
}

const codes = (el: any): number[] => (el.getChild('x', MUC_USER)?.getChildren('status') ?? []).map((s: any) => Number(s.attrs.code));

async function enter(xmpp: XmppClient, room: string, nick: string): Promise<any> {
  const self = nextStanza(xmpp, (el) => el.is('presence') && el.attrs.from === `${room}/${nick}` && codes(el).includes(110));
  await xmpp.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC })));
  return self;
}

whenProsody('the MUC component attached to Prosody', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pampero-prosody-'));
    const [c2s, componentPort] = await freePorts(2);
    c2sPort = c2s!;
    await mkdir(join(dir, 'data'));
    await mkdir(join(dir, 'certs'));
    const config = join(dir, 'prosody.cfg.lua');
    await writeFile(config, prosodyConfig(componentPort!));
    for (const user of ['alice', 'bob']) await run(PROSODYCTL, ['--config', config, 'register', user, DOMAIN, `${user}-pw`]);
    prosody = spawn(PROSODY, ['-F', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    prosody.stdout!.on('data', (chunk) => (prosodyOutput += chunk));
    prosody.stderr!.on('data', (chunk) => (prosodyOutput += chunk));
    await waitForPort(c2sPort);
    await waitForPort(componentPort!);

    rooms = await openLmdbMucRoomStore(join(dir, 'pampero'));
    muc = await startMucComponent({
      service: `xmpp://127.0.0.1:${componentPort}`,
      domain: SERVICE,
      secret: SECRET,
      serverDomain: DOMAIN,
      rooms,
      logger: createLogger('silent'),
    });
  }, 40_000);

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
    await muc?.stop();
    await rooms?.close();
    if (prosody && prosody.exitCode === null) {
      const exited = new Promise((resolve) => prosody!.once('exit', resolve));
      prosody.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("Prosody's users discover the service, create a room, chat and exchange a private message", async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');

    // Prosody lists its components in the server's disco#items; ours answers disco#info.
    const info = await bob.iqCaller.request(xml('iq', { type: 'get', to: SERVICE }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query').getChild('identity').attrs).toMatchObject({ category: 'conference', type: 'text' });

    const room = `blasted-heath@${SERVICE}`;
    expect(codes(await enter(alice, room, 'First Witch'))).toEqual(expect.arrayContaining([110, 201]));
    await alice.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));

    const aliceSeesBob = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Second Witch`);
    await enter(bob, room, 'Second Witch');
    await aliceSeesBob;

    const atBob = nextStanza(bob, (el) => el.is('message') && el.getChildText('body') === 'When shall we two meet again?');
    await alice.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, 'When shall we two meet again?')));
    expect((await atBob).attrs.from).toBe(`${room}/First Witch`);

    const pm = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'When the hurlyburly’s done');
    await bob.send(xml('message', { to: `${room}/First Witch`, type: 'chat' }, xml('body', {}, 'When the hurlyburly’s done')));
    expect((await pm).attrs.from).toBe(`${room}/Second Witch`);

    // Prosody sends unavailable to the rooms a user is in when its session ends.
    const bobLeft = nextStanza(alice, (el) => el.is('presence') && el.attrs.from === `${room}/Second Witch` && el.attrs.type === 'unavailable');
    await bob.stop();
    await bobLeft;
  }, 30_000);
});
