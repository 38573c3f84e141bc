// The roster, MUC and PubSub components the all-in-one runs in its own process. Their code is the
// same as when they run on their own (cli/component-roles.ts); they attach through an in-process
// link (shared/router/in-process-components.ts, the default) or, with
// components.bundledLink = socket, over real XEP-0114 sockets on loopback.
import { join } from 'node:path';
import type { PamperoConfig } from '../shared/config/types.js';
import type { Logger } from '../shared/log.js';
import type { Router } from '../shared/router/router.js';
import type { Stores } from '../shared/storage/types.js';
import { startRosterComponent } from '../components/roster/index.js';
import { createRoomArchive, DEFAULT_ROOM_CONFIG, startMucComponent } from '../components/muc/index.js';
import { openLmdbMucArchiveStore, openLmdbMucRoomStore } from '../shared/storage/lmdb/muc-room-store.js';
import { startPubsubComponent } from '../components/pubsub/index.js';
import { openLmdbPubsubStore } from '../shared/storage/lmdb/pubsub-store.js';
import { startInProcessComponents } from '../shared/router/in-process-components.js';

export interface BundledComponents {
  domains: string[];
  /** Stops PubSub, MUC (occupants still get the shutdown notice) and roster, then their storage. */
  stop(): Promise<void>;
}

export function bundledDomains(config: PamperoConfig): string[] {
  return [config.roster.domain, `conference.${config.domain}`, `pubsub.${config.domain}`];
}

/** Lets the bundled components attach: they use the persisted roster secret (docs/configuration.md). */
export async function allowBundledComponents(config: PamperoConfig, stores: Stores): Promise<void> {
  for (const domain of bundledDomains(config)) {
    const record = await stores.components.get(domain);
    if (record?.secret !== config.roster.secret) await stores.components.put(domain, config.roster.secret);
  }
}

export async function startBundledComponents(config: PamperoConfig, stores: Stores, router: Router, port: number, logger: Logger): Promise<BundledComponents> {
  const [rosterDomain, mucDomain, pubsubDomain] = bundledDomains(config) as [string, string, string];
  const stopping: Array<() => Promise<void>> = [];
  let service = `xmpp://127.0.0.1:${port}`;
  // Not on a node of a fleet: there, resumed sessions lost what was sent to them while their
  // gateway stopped (test/cluster/sasl2-fleet.test.ts, resume-across-gateways.test.ts) with the
  // in-process link; the socket link keeps that guarantee. Cause not found yet (docs/cluster.md).
  if (config.components.bundledLink === 'in-process' && !config.cluster.redisUrl) {
    const inProcess = startInProcessComponents({
      router, store: stores.components, maxQueuedStanzas: config.components.maxQueuedStanzas, iqTimeoutMs: config.components.iqTimeoutSeconds * 1000, logger,
    });
    stopping.push(async () => inProcess.close()); // after the components (stopped in reverse order)
    service = inProcess.service;
  }
  const stop = async () => {
    for (const s of stopping.reverse()) await s().catch((err) => logger.warn({ err }, 'error while stopping a bundled component'));
  };
  try {
    const roster = await startRosterComponent({
      service, domain: rosterDomain, secret: config.roster.secret, serverDomain: config.domain,
      rosters: stores.rosters, maxItems: config.roster.maxItems, logger,
    });
    stopping.push(() => roster.stop());
    await waitFor(() => router.components.isConnected(rosterDomain), 5000, rosterDomain);

    // MUC (XEP-0045) on conference.DOMAIN.
    const mucRooms = await openLmdbMucRoomStore(config.dataDir);
    stopping.push(() => mucRooms.close());
    // Persistent rooms' messages (XEP-0313 for rooms) in DATA_DIR/muc-archive.
    const mucArchive = await openLmdbMucArchiveStore(config.dataDir);
    stopping.push(() => mucArchive.close());
    const muc = await startMucComponent({
      service, domain: mucDomain, secret: config.roster.secret, serverDomain: config.domain, rooms: mucRooms, archive: createRoomArchive(mucArchive.store, logger, { fullTextSearch: config.archive.fullTextSearch, searchScanLimit: config.archive.searchScanLimit }), logger,
      defaults: { ...DEFAULT_ROOM_CONFIG, maxUsers: config.muc.defaultMaxUsers }, maxUsersLimit: config.muc.maxUsersLimit, multicast: config.muc.multicast,
      flood: { rate: config.muc.messageRate, burst: config.muc.messageBurst },
      joinLimits: { perMinute: config.muc.joinsPerMinute, burst: config.muc.joinBurst },
    });
    stopping.push(() => muc.stop());
    await waitFor(() => router.components.isConnected(mucDomain), 5000, mucDomain);

    // PubSub (XEP-0060) on pubsub.DOMAIN, its nodes and items in their own LMDB environment.
    const pubsubStore = openLmdbPubsubStore(join(config.dataDir, 'pubsub'));
    stopping.push(() => pubsubStore.close());
    const pubsub = await startPubsubComponent({
      service, domain: pubsubDomain, secret: config.roster.secret, serverDomain: config.domain,
      store: pubsubStore.store, rosterOf: (owner) => stores.rosters.get(owner), logger,
      publishLimits: { perMinute: config.pubsub.publishesPerMinute, burst: config.pubsub.publishBurst }, multicast: config.pubsub.multicast,
    });
    stopping.push(() => pubsub.stop());
    await waitFor(() => router.components.isConnected(pubsubDomain), 5000, pubsubDomain);
    return { domains: [rosterDomain, mucDomain, pubsubDomain], stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, domain: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`the ${domain} component did not attach in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
