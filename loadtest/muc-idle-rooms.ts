// Memory per idle MUC room of the MUC component process (issue 5: "memory per idle room is small
// and measured"). Starts an all-in-one in this process (temp data directory, free loopback
// ports), spawns `pampero start --role muc` from dist/ as the measured process, then:
//   1. baseline: the component attached, no rooms;
//   2. N persistent rooms, each with the owner and K other occupants present and silent
//      (live rooms: configuration, affiliations, occupants, empty history);
//   3. every occupant gone: the rooms are only in storage (the component keeps none in memory).
// Prints the component's RSS (/proc) and V8 heap used (its /metrics) at each step, and the cost
// per room. Run after `npm run build`:
//
//   node dist/loadtest/muc-idle-rooms.js [--rooms 1000] [--occupants 2] [--settle 5]
/// <reference path="../test/types/xmpp-clients.d.ts" />
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScriptArgs } from './shared/script-args.js';
import { client, xml } from '@xmpp/client';
import { accountJid } from '../cli/arguments.js';
import { putComponent } from '../cli/component-commands.js';
import { startRole } from '../cli/roles.js';
import { addUser } from '../cli/user-commands.js';
import { withStores } from '../cli/with-stores.js';
import { configFromObject, ensureRosterSecret } from '../shared/config/index.js';
import { createLogger } from '../shared/log.js';
import { freePorts } from './shared/free-port.js';

const USAGE = `Memory per idle MUC room of the MUC component process (run after npm run build):
  node dist/loadtest/muc-idle-rooms.js [--rooms 1000] [--occupants 2] [--settle 5]`;

const { values: opts } = parseScriptArgs(USAGE, { rooms: { type: 'string', default: '1000' }, occupants: { type: 'string', default: '2' }, settle: { type: 'string', default: '5' } });
// Loopback only, against the all-in-one's self-signed certificate.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const ROOMS = Number(opts.rooms);
const OCCUPANTS = Number(opts.occupants);
const SETTLE_MS = Number(opts.settle) * 1000;
const SERVICE = 'rooms.localhost';
const SECRET = 'idle-rooms';
const MUC = 'http://jabber.org/protocol/muc';
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'pampero.cjs');

type XmppClient = ReturnType<typeof client>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pampero-muc-idle-'));
  const [c2sPort, componentPort, httpPort, mucHttpPort] = await freePorts(4);
  const config = await ensureRosterSecret(
    configFromObject({
      dataDir,
      c2s: { host: '127.0.0.1', port: c2sPort, tlsPort: 0, allowPlainFromLoopback: true },
      components: { host: '127.0.0.1', port: componentPort, maxQueuedStanzas: 100_000 },
      http: { host: '127.0.0.1', port: httpPort },
      log: { level: 'silent' },
      // Three clients get thousands of room presences in bursts; acknowledging them (XEP-0198)
      // is not what this measures.
      sm: { enabled: false },
    }),
  );
  const server = await startRole(config, createLogger('silent'));
  const users = ['owner', ...Array.from({ length: OCCUPANTS }, (_, i) => `guest${i}`)];
  await withStores(config, async (stores) => {
    for (const user of users) await addUser(stores, accountJid(user, config.domain), `${user}-pw`);
    await putComponent(stores, SERVICE, SECRET);
  });

  // SIGUSR2 runs a full garbage collection in the component, so heap figures are live objects only.
  const gcOnSignal = 'data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())';
  const muc = spawn(process.execPath, ['--expose-gc', '--import', gcOnSignal, bin, 'start', '--role', 'muc', '--data-dir', dataDir, '--component-service', `xmpp://127.0.0.1:${componentPort}`,
    '--component-domain', SERVICE, '--component-secret', SECRET, '--http-port', String(mucHttpPort), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    muc.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes(`:${mucHttpPort}`)) resolve();
    });
    muc.once('exit', (code) => reject(new Error(`the muc role exited (${code})`)));
  });

  const measure = async (label: string) => {
    await sleep(SETTLE_MS);
    muc.kill('SIGUSR2');
    await sleep(500);
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${muc.pid}/status`, 'utf8'))![1]);
    const metrics = await (await fetch(`http://127.0.0.1:${mucHttpPort}/metrics`)).text();
    const heapKiB = Math.round(Number(/^pampero_nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? NaN) / 1024);
    const liveRooms = /^pampero_muc_live_rooms (\S+)/m.exec(metrics)?.[1] ?? '?';
    console.log(`${label.padEnd(48)} RSS ${rssKiB} KiB, heap used ${heapKiB} KiB, rooms in memory ${liveRooms}`);
    return { rssKiB, heapKiB };
  };

  const clients: XmppClient[] = [];
  try {
    for (const user of users) {
      const xmpp = client({ service: `xmpp://127.0.0.1:${c2sPort}`, domain: config.domain, resource: 'idle', username: user, password: `${user}-pw` });
      xmpp.on('error', () => {});
      await xmpp.start();
      await xmpp.send(xml('presence'));
      clients.push(xmpp);
    }
    const [owner, ...guests] = clients as [XmppClient, ...XmppClient[]];
    const base = await measure('attached, no rooms');

    const persistent = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, `${MUC}#roomconfig`)),
      xml('field', { var: 'muc#roomconfig_persistentroom' }, xml('value', {}, '1')));
    const started = Date.now();
    const BATCH = 50;
    for (let first = 0; first < ROOMS; first += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, ROOMS - first) }, (_, i) => `idle${first + i}@${SERVICE}`);
      await Promise.all(batch.map(async (room) => {
        await owner.send(xml('presence', { to: `${room}/owner` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' }))));
        await owner.iqCaller.request(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: `${MUC}#owner` }, persistent)), 30_000);
        for (const [i, guest] of guests.entries()) await guest.send(xml('presence', { to: `${room}/guest${i}` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' }))));
        // One round trip per guest: the presence before it has been handled (the room's lane is serial).
        for (const guest of guests) await guest.iqCaller.request(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })), 30_000);
      }));
      if ((first + BATCH) % 200 === 0) process.stderr.write(`  ${first + BATCH} rooms\r`);
    }
    console.log(`created ${ROOMS} rooms with ${OCCUPANTS + 1} occupants each in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const live = await measure(`${ROOMS} live rooms, ${OCCUPANTS + 1} idle occupants each`);

    for (const xmpp of clients) await xmpp.send(xml('presence', { type: 'unavailable' })); // the router tells every room
    await owner.iqCaller.request(xml('iq', { type: 'get', to: `idle${ROOMS - 1}@${SERVICE}` }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })), 30_000);
    const stored = await measure(`${ROOMS} rooms, no occupants (stored only)`);

    const per = (a: number, b: number) => (((a - b) * 1024) / ROOMS).toFixed(0);
    console.log(`per live room (${OCCUPANTS + 1} occupants): RSS ${per(live.rssKiB, base.rssKiB)} B, heap ${per(live.heapKiB, base.heapKiB)} B`);
    console.log(`per room with no occupants: RSS ${per(stored.rssKiB, base.rssKiB)} B, heap ${per(stored.heapKiB, base.heapKiB)} B (rooms leave memory; RSS is what V8 has not returned)`);
  } finally {
    await Promise.all(clients.map((c) => c.stop().catch(() => {})));
    muc.kill('SIGTERM');
    await new Promise((resolve) => muc.once('exit', resolve));
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
