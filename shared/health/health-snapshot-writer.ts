// Writes this node's health snapshot to the snapshot store every healthSnapshots.intervalSeconds
// (off at 0, the default): the facts of its cluster heartbeat, whether or not it is in a fleet.
// One write at a time: a tick that finds the previous write still running is skipped (counted),
// so a slow store never piles up work here.
import { hostname } from 'node:os';
import { Counter } from 'prom-client';
import type { PamperoConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import type { AccountDataStore } from '../storage/types.js';
import { defaultNodeId } from '../cluster/node-heartbeat.js';
import { PAMPERO_VERSION } from '../version.js';
import type { HealthSnapshot, HealthSnapshotStore } from './health-snapshot.js';
import { openHealthSnapshotStore } from './open-health-snapshot-store.js';
import { ProcessLoadSampler } from './process-load.js';

const snapshotsTotal = new Counter({
  name: 'pampero_health_snapshots_total',
  help: 'Health snapshots of this node by outcome: written (to the store or its bulk queue), skipped (the previous write was still running), failed.',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/** What the node knows about its own state at a snapshot; the writer adds identity and load. */
export type NodeHealthFacts = Pick<HealthSnapshot, 'health' | 'dependenciesDown' | 'sessions' | 'components'>;

export interface HealthSnapshotWriterOptions {
  config: PamperoConfig;
  /** The embedded store's home; a role without one (muc, pubsub, roster) writes only to Elasticsearch. */
  accountData?: AccountDataStore;
  logger: Logger;
  /** The node's id in the cluster view; default cluster.nodeId or ROLE-HOSTNAME-PID. */
  nodeId?: string;
  facts: () => NodeHealthFacts;
  /** The store to write to; default the one the configuration names. */
  store?: HealthSnapshotStore;
}

export interface HealthSnapshotWriter {
  readonly store: HealthSnapshotStore;
  /** Takes one snapshot now and records it (what each tick does). */
  writeNow(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the writer, or undefined when healthSnapshots.intervalSeconds is 0. */
export async function startHealthSnapshots(opts: HealthSnapshotWriterOptions): Promise<HealthSnapshotWriter | undefined> {
  const { config } = opts;
  if (config.healthSnapshots.intervalSeconds <= 0) return undefined;
  const log = opts.logger.child({ module: 'health-snapshots' });
  if (!opts.store && !opts.accountData && !config.healthSnapshots.elasticsearchUrl) {
    log.warn('this role has no embedded snapshot store: its health snapshots need healthSnapshots.elasticsearchUrl');
    return undefined;
  }
  const store = opts.store ?? (await openHealthSnapshotStore(config, opts.accountData!, opts.logger));
  const identity = { node: opts.nodeId || config.cluster.nodeId || defaultNodeId(config.role), role: config.role, version: PAMPERO_VERSION, host: hostname(), pid: process.pid };
  const startedAt = Date.now();
  const load = new ProcessLoadSampler();
  let writing: Promise<void> | undefined;

  const take = (): HealthSnapshot => {
    const now = Date.now();
    return { at: new Date(now).toISOString(), ...identity, ...opts.facts(), uptimeSeconds: Math.round((now - startedAt) / 1000), ...load.sample() };
  };
  const writeNow = (): Promise<void> => {
    if (writing) {
      snapshotsTotal.labels('skipped').inc();
      return Promise.resolve();
    }
    writing = store.record(take()).then(
      () => void snapshotsTotal.labels('written').inc(),
      (err: Error) => {
        snapshotsTotal.labels('failed').inc();
        log.warn({ err: err.message }, 'health snapshot not written');
      },
    ).finally(() => (writing = undefined));
    return writing;
  };

  await writeNow();
  const timer = setInterval(() => void writeNow(), config.healthSnapshots.intervalSeconds * 1000);
  timer.unref();
  log.info({ everySeconds: config.healthSnapshots.intervalSeconds, to: config.healthSnapshots.elasticsearchUrl || 'embedded store' }, 'writing health snapshots');
  return {
    store,
    writeNow,
    async stop() {
      clearInterval(timer);
      await writing;
      load.close();
      if (!opts.store) await store.close();
    },
  };
}
