// Abuse control of one gateway node: the live policy (polled from its store every second) and
// the guard the transports ask. In a fleet both live in the fleet's Redis, so every gateway
// applies the same policy and shares the same budgets and counts of open connections.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PamperoConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Stores } from '../storage/types.js';
import { connectRedis } from '../cluster/redis-connection.js';
import { AbuseGuard } from './abuse-guard.js';
import { FleetOpenConnections } from './open-connections.js';
import type { IncidentStore } from './incidents/incident-store.js';
import { accountDataPolicyStore, LivePolicy, redisPolicyStore, type PolicyStore } from './policy-store.js';

export interface AbuseControl {
  guard: AbuseGuard;
  stop(): Promise<void>;
}

/** Where `pampero limits` and the admin API read and write the policy of this configuration. */
export function policyStoreFor(config: PamperoConfig, stores: Stores | undefined, redis: Redis | undefined): PolicyStore {
  if (redis) return redisPolicyStore(redis);
  if (!stores) throw new Error('the policy of a node without Redis is in its stores');
  return accountDataPolicyStore(stores.accountData, config.domain);
}

export async function startAbuseControl(config: PamperoConfig, stores: Stores, logger: Logger, incidents?: IncidentStore): Promise<AbuseControl> {
  const redis = config.cluster.redisUrl ? connectRedis({ url: config.cluster.redisUrl, logger, connectionName: 'abuse' }) : undefined;
  const live = new LivePolicy(policyStoreFor(config, stores, redis), logger);
  await live.start();
  // In a fleet, connections open at once are counted over every gateway (open-connections.ts),
  // under a name of this process (a restarted node does not inherit its former counts).
  const processName = `${config.cluster.nodeId || 'gateway'}:${randomUUID().slice(0, 8)}`;
  const connections = redis ? new FleetOpenConnections(redis, processName, config.cluster.heartbeatSeconds) : undefined;
  const guard = new AbuseGuard(live, redis, logger, incidents, connections);
  return {
    guard,
    async stop() {
      await guard.stop();
      redis?.disconnect();
    },
  };
}
