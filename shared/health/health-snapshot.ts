// Health snapshots (docs/metrics.md, "Health snapshots"): every few seconds a node writes what its
// cluster heartbeat says about it — node, role, version, health, sessions, RSS, CPU, event-loop
// lag, components — to a store, for sites that keep such history next to their logs. One
// interface, two implementations with the same contract (health-snapshot-store-contract.ts):
// embedded in the account-data store (embedded-health-snapshot-store.ts) and Elasticsearch
// (elasticsearch-health-snapshot-store.ts), chosen like the incident store (open-health-snapshot-store.ts).
import type { NodeHealth } from '../cluster/node-heartbeat.js';

export interface HealthSnapshot {
  /** ISO 8601 time the snapshot was taken. */
  at: string;
  /** The node's id in the cluster view (cluster.nodeId, or ROLE-HOSTNAME-PID). */
  node: string;
  role: string;
  version: string;
  host: string;
  pid: number;
  /** ok, degraded (a dependency /readyz waits for is down) or draining. */
  health: NodeHealth;
  /** Dependencies that are down now (the names /readyz gives). */
  dependenciesDown: string[];
  uptimeSeconds: number;
  /** Bound client sessions on this node. */
  sessions: number;
  /** Component domains with a live link to this node. */
  components: string[];
  rssBytes: number;
  heapUsedBytes: number;
  /** Process CPU since the previous snapshot, percent of one core. */
  cpuPercent: number;
  /** Mean event-loop delay since the previous snapshot. */
  eventLoopLagMs: number;
}

export interface HealthSnapshotFilter {
  /** Only this node's snapshots. */
  node?: string;
  /** Only snapshots taken at or after this time. */
  since?: Date;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

export interface HealthSnapshotStore {
  /** Stores one snapshot (written, or queued for a bulk write). */
  record(snapshot: HealthSnapshot): Promise<void>;
  /** Newest first. */
  search(filter: HealthSnapshotFilter): Promise<HealthSnapshot[]>;
  /** Until everything recorded so far is searchable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_SNAPSHOT_LIMIT = 100;
