// What the admin API works on: the node's router (sessions, component links), its stores
// (accounts, components), its health endpoints (drain) and, in a fleet, the cluster view.
import type { PamperoConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { HealthEndpoints } from '../metrics/http-endpoints.js';
import type { Router } from '../router/router.js';
import type { Stores } from '../storage/types.js';
import type { Redis } from 'ioredis';
import type { HealthSnapshotStore } from '../health/health-snapshot.js';

export interface AdminContext {
  config: PamperoConfig;
  router: Router;
  stores: Stores;
  logger: Logger;
  /** The process's /healthz /readyz endpoints; draining sets /readyz to 503. Absent when http.port is 0. */
  health?: HealthEndpoints;
  /** The node's Redis connection when it joined a fleet (join-cluster.ts); otherwise one is opened from cluster.redisUrl. */
  redis?: Redis;
  /** This node's id in the cluster view (ClusterMembership.nodeId); default ROLE-HOSTNAME-PID. */
  nodeId?: string;
  /** Listener lines for the node's own record (the start banner's). */
  listening?: string[];
  /** Where this node writes its health snapshots (healthSnapshots.intervalSeconds > 0); otherwise the configured store is opened to read. */
  healthSnapshots?: HealthSnapshotStore;
}
