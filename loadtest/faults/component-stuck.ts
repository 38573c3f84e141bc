// Fault (c) of issue 11: a component (a real MUC) stops reading its socket. The MUC serves its
// own domain (rooms.DOMAIN) through a TCP fault proxy in front of the XEP-0114 port; `stall`
// stops the proxy reading both ways, exactly what a component stuck in a loop or a GC pause
// does. What needs it: a client's IQ to the MUC gets remote-server-timeout at
// components.iqTimeoutSeconds (component-watchdog.ts); the link, owing an answer and silent for
// components.stallSeconds, is cut, after which the MUC answers service-unavailable at once (a
// join gets a presence error). A↔B chat never touches the link. Clearing the stall lets the
// component see its link closed; it reattaches by itself and answers again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { openLmdbMucArchiveStore, openLmdbMucRoomStore } from '../../shared/storage/lmdb/muc-room-store.js';
import { createRoomArchive, DEFAULT_ROOM_CONFIG, startMucComponent } from '../../components/muc/index.js';
import { startTestServer } from '../shared/test-server.js';
import type { Fault, FaultSize, ProbeResult } from './fault.js';
import { TcpFaultProxy } from './tcp-fault-proxy.js';
import { connectProbe, exchange, iqExchange, metricSum, probe, scrapeMetrics, sleep, xml, type ProbeClient } from './xmpp-probes.js';

const DISCO_INFO = 'http://jabber.org/protocol/disco#info';

export const fault: Fault = {
  name: 'component-stuck',
  description: 'a MUC component stops reading its XEP-0114 socket (TCP proxy stalled both ways)',
  async setup(size: FaultSize) {
    const full = size === 'full';
    const iqTimeoutSeconds = full ? 5 : 2;
    const stallSeconds = full ? 10 : 3;
    const server = await startTestServer({ components: { iqTimeoutSeconds, stallSeconds, maxQueuedStanzas: 1000 } as never });
    const domain = server.domain;
    const mucDomain = `rooms.${domain}`;
    const room = `fault@${mucDomain}`;
    await server.addUser('alice', 'alice-pw');
    await server.addUser('bob', 'bob-pw');
    await server.addUser('carol', 'carol-pw');
    await server.addComponent(mucDomain, 'rooms-secret');
    const proxy = new TcpFaultProxy(server.componentPort);
    await proxy.listen();
    const mucDir = await mkdtemp(join(tmpdir(), 'pampero-fault-muc-'));
    const rooms = await openLmdbMucRoomStore(mucDir);
    const archive = await openLmdbMucArchiveStore(mucDir);
    const logger = createLogger('silent');
    const muc = await startMucComponent({
      service: `xmpp://127.0.0.1:${proxy.port}`, domain: mucDomain, secret: 'rooms-secret', serverDomain: domain, rooms,
      archive: createRoomArchive(archive.store, logger), logger, defaults: { ...DEFAULT_ROOM_CONFIG }, maxUsersLimit: 1000, multicast: true,
      flood: { rate: 100, burst: 100 }, joinLimits: { perMinute: 0, burst: 100 },
    });
    const linkUp = async () => metricSum(await scrapeMetrics(server.httpPort, [`pampero_component_links{domain="${mucDomain}"}`]), 'pampero_component_links') > 0;
    for (let i = 0; i < 100 && !(await linkUp()); i++) await sleep(50);
    const carol: ProbeClient = await connectProbe(domain, { username: 'carol', password: 'carol-pw', port: server.c2sPort }, 'probe', { presence: true });
    // carol is in the room before the fault (a join is a presence: answered by the room itself).
    await exchange(carol, xml('presence', { to: `${room}/carol` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })), (s) => s.is('presence') && s.attrs.from === `${room}/carol`, 5000);
    const heapAtStart = process.memoryUsage().heapUsed;
    const iqDeadline = iqTimeoutSeconds * 1000 + 1500;

    return {
      domain,
      a: { username: 'alice', password: 'alice-pw', port: server.c2sPort },
      b: { username: 'bob', password: 'bob-pw', port: server.c2sPort },
      inject: async () => proxy.set({ kind: 'stall' }),
      async probe(): Promise<ProbeResult[]> {
        const results: ProbeResult[] = [];
        const started = performance.now();
        results.push(probe('MUC disco#info (stuck)', await iqExchange(carol, mucDomain, xml('query', { xmlns: DISCO_INFO }), iqDeadline + 2000), ['remote-server-timeout'], iqDeadline));
        // The link owes that answer and is silent: cut after components.stallSeconds.
        const cutDeadline = stallSeconds * 1000 + 2000;
        while (performance.now() - started < cutDeadline + 3000 && (await linkUp())) await sleep(100);
        const cut = !(await linkUp());
        results.push({ what: 'stalled link cut', outcome: cut ? 'cut (connection-timeout)' : 'still attached', ms: performance.now() - started, ok: cut && performance.now() - started <= cutDeadline });
        const message = await exchange(carol, xml('message', { to: room, type: 'groupchat', id: 'probe-gc' }, xml('body', {}, 'anyone?')), (s) => s.is('message') && s.attrs.id === 'probe-gc', 3000);
        results.push(probe('MUC groupchat message (detached)', message, ['service-unavailable'], 1000));
        results.push(probe('MUC room disco#info (detached)', await iqExchange(carol, room, xml('query', { xmlns: DISCO_INFO }), 3000), ['service-unavailable'], 1000));
        const join = await exchange(carol, xml('presence', { to: `other@${mucDomain}/carol` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })), (s) => s.is('presence') && s.attrs.from?.startsWith(`other@${mucDomain}`), 3000);
        results.push(probe('MUC join (detached)', join, ['service-unavailable'], 1000));
        return results;
      },
      clear: async () => proxy.set({ kind: 'pass' }),
      recovered: async () => (await iqExchange(carol, mucDomain, xml('query', { xmlns: DISCO_INFO }), 1000)).outcome === 'ok',
      memoryBytes: () => process.memoryUsage().heapUsed,
      // The link's queue (maxQueuedStanzas 1000 small stanzas) and the socket buffers: far below 128 MB over the start.
      memoryBoundBytes: heapAtStart + 128 * 1048576,
      bulkheadMetrics: () => scrapeMetrics(server.httpPort, ['pampero_component_', 'pampero_router_stanza_errors_total']),
      async teardown() {
        await carol.stop().catch(() => undefined);
        await muc.stop().catch(() => undefined);
        await proxy.close();
        await server.stop();
        await rooms.close();
        await archive.close();
        await rm(mucDir, { recursive: true, force: true });
      },
    };
  },
};
