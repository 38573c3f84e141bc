// The component roles (`pampero start --role muc|pubsub|roster`): one component on its own,
// attached as a XEP-0114 external component to a router's component port (`component.service`),
// with its own storage and its own /metrics /healthz /readyz. The component code is the same the
// all-in-one bundles; several processes of one role may attach for one domain (the router hashes
// rooms, nodes and users over them, docs/muc.md "Several instances").
import { join } from 'node:path';
import type { PamperoConfig, Role } from '../shared/config/types.js';
import type { Logger } from '../shared/log.js';
import { startHealthEndpoints, type HealthEndpoints } from '../shared/metrics/http-endpoints.js';
import { ensureCertificate } from '../shared/tls/self-signed.js';
import { openStores, storageBulkhead } from '../shared/storage/open.js';
import { startHealthSnapshots } from '../shared/health/health-snapshot-writer.js';
import { openLmdbMucArchiveStore, openLmdbMucRoomStore } from '../shared/storage/lmdb/muc-room-store.js';
import { openLmdbPubsubStore } from '../shared/storage/lmdb/pubsub-store.js';
import { createRoomArchive, DEFAULT_ROOM_CONFIG, startMucComponent } from '../components/muc/index.js';
import { startPubsubComponent } from '../components/pubsub/index.js';
import { startRosterComponent } from '../components/roster/index.js';
import { joinCluster } from '../shared/cluster/join-cluster.js';
import { connectFleetUserLimit } from '../shared/abuse/fleet-user-rate-limit.js';
import { joinRefusedLogger } from '../components/muc/join-limit.js';
import { publishRefusedLogger } from '../components/pubsub/publish-limit.js';

export type ComponentRole = Extract<Role, 'muc' | 'pubsub' | 'roster'>;

export const COMPONENT_ROLES: readonly ComponentRole[] = ['muc', 'pubsub', 'roster'];

export function isComponentRole(role: Role): role is ComponentRole {
  return (COMPONENT_ROLES as readonly Role[]).includes(role);
}

/** The domain a component role serves: component.domain, or the all-in-one's name for it. */
export function componentRoleDomain(config: PamperoConfig, role: ComponentRole): string {
  if (config.component.domain) return config.component.domain;
  if (role === 'muc') return `conference.${config.domain}`;
  if (role === 'pubsub') return `pubsub.${config.domain}`;
  return config.roster.domain;
}

interface Started {
  stop(): Promise<void>;
  /** What the banner says about storage. */
  storage: string;
}

async function startComponent(role: ComponentRole, config: PamperoConfig, domain: string, logger: Logger): Promise<Started> {
  const link = {
    service: config.component.service,
    domain,
    // The all-in-one registers its bundled components with roster.secret (read from the data directory).
    secret: config.component.secret || config.roster.secret,
    serverDomain: config.domain,
    logger,
  };
  const closing: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closing.reverse()) await close().catch((err) => logger.warn({ err }, 'error while closing storage'));
  };
  try {
    switch (role) {
      case 'muc': {
        // Rooms in LMDB under the data directory; processes sharing it share the rooms (a moved
        // room is loaded from there by the instance that takes it over).
        const rooms = await openLmdbMucRoomStore(config.dataDir);
        closing.push(() => rooms.close());
        const archive = await openLmdbMucArchiveStore(config.dataDir);
        closing.push(() => archive.close());
        // A fleet counts a user's joins across every MUC instance (docs/abuse.md).
        const joinLimits = { perMinute: config.muc.joinsPerMinute, burst: config.muc.joinBurst };
        const joins = connectFleetUserLimit(config.cluster.redisUrl, 'muc-joins-per-user', domain, joinLimits, logger, joinRefusedLogger(logger));
        if (joins) closing.push(async () => joins.close());
        const muc = await startMucComponent({
          ...link, rooms, archive: createRoomArchive(archive.store, logger, { fullTextSearch: config.archive.fullTextSearch, searchScanLimit: config.archive.searchScanLimit }),
          defaults: { ...DEFAULT_ROOM_CONFIG, maxUsers: config.muc.defaultMaxUsers }, maxUsersLimit: config.muc.maxUsersLimit, multicast: config.muc.multicast,
      flood: { rate: config.muc.messageRate, burst: config.muc.messageBurst },
          joinLimits, joinLimiter: joins?.limit,
        });
        return {
          stop: async () => { await muc.stop(); await closeAll(); },
          storage: `rooms in ${join(config.dataDir, 'lmdb')}, archive in ${join(config.dataDir, 'muc-archive')}`,
        };
      }
      case 'pubsub': {
        const stores = await openStores({ dataDir: config.dataDir, storage: config.storage, bulkhead: storageBulkhead(config.storage) });
        closing.push(() => stores.close());
        const pubsubDir = join(config.dataDir, 'pubsub');
        const pubsubStore = openLmdbPubsubStore(pubsubDir);
        closing.push(() => pubsubStore.close());
        // A fleet counts a user's publishes across every PubSub instance (docs/abuse.md).
        const publishLimits = { perMinute: config.pubsub.publishesPerMinute, burst: config.pubsub.publishBurst };
        const publishes = connectFleetUserLimit(config.cluster.redisUrl, 'pubsub-publishes-per-user', domain, publishLimits, logger, publishRefusedLogger(logger));
        if (publishes) closing.push(async () => publishes.close());
        const pubsub = await startPubsubComponent({ ...link, store: pubsubStore.store, rosterOf: (owner) => stores.rosters.get(owner),
          publishLimits, publishLimiter: publishes?.limit, multicast: config.pubsub.multicast });
        return { stop: async () => { await pubsub.stop(); await closeAll(); }, storage: `nodes in ${pubsubDir}` };
      }
      case 'roster': {
        const stores = await openStores({ dataDir: config.dataDir, storage: config.storage, bulkhead: storageBulkhead(config.storage) });
        closing.push(() => stores.close());
        const roster = await startRosterComponent({ ...link, rosters: stores.rosters, maxItems: config.roster.maxItems });
        const where = config.storage.backend === 'scylla' ? `ScyllaDB keyspace ${config.storage.scylla.keyspace}` : join(config.dataDir, 'lmdb');
        return { stop: async () => { await roster.stop(); await closeAll(); }, storage: `rosters in ${where}` };
      }
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
}

export interface RunningComponentRole {
  listening: string[];
  stop(): Promise<void>;
}

export async function startComponentRole(role: ComponentRole, config: PamperoConfig, logger: Logger): Promise<RunningComponentRole> {
  const domain = componentRoleDomain(config, role);
  let health: HealthEndpoints | undefined;
  if (config.http.port > 0) {
    const certificate = config.http.tls ? await ensureCertificate(config) : undefined;
    health = await startHealthEndpoints(config.http.host, config.http.port, certificate && { certFile: certificate.certFile, keyFile: certificate.keyFile });
  }
  let component: Started;
  try {
    component = await startComponent(role, config, domain, logger.child({ role }));
  } catch (err) {
    await health?.close();
    throw new Error(`${role}: could not attach ${domain} to ${config.component.service}: ${(err as Error).message}`);
  }
  health?.setReady(true);
  const listening = [`${role} component ${domain} attached to ${config.component.service}, ${component.storage}`];
  if (health) {
    const address = health.address();
    listening.push(`HTTP${health.secure ? 'S' : ''} /metrics /healthz /readyz on ${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
  }
  // In a fleet the component reports to the cluster view like every other node (docs/cluster.md).
  const membership = await joinCluster(config, logger, listening, () => ({ health: 'ok', components: [domain] })).catch(async (err: Error) => {
    await component.stop();
    await health?.close();
    throw err;
  });
  if (membership) listening.push(`fleet node ${membership.nodeId} on ${config.cluster.redisUrl}`);
  // Health snapshots (docs/metrics.md): a component role has no embedded store, so only to Elasticsearch.
  const snapshots = await startHealthSnapshots({
    config,
    logger,
    nodeId: membership?.nodeId,
    facts: () => ({ health: health?.state === 'draining' ? 'draining' : 'ok', dependenciesDown: [], sessions: 0, components: [domain] }),
  }).catch((err: Error) => void logger.warn({ err: err.message }, 'health snapshots not started'));
  return {
    listening,
    stop: async () => {
      health?.setReady(false);
      try {
        await snapshots?.stop();
        await membership?.leave();
        await component.stop();
      } finally {
        await health?.close();
      }
    },
  };
}
