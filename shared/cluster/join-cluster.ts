// What every role does in a fleet before anything else: connect to the fleet's Redis and start
// beating, so `pampero cluster status` shows the node. Returns undefined when no Redis is configured.
import type { PamperoConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { PAMPERO_VERSION } from '../version.js';
import { connectRedis, redisReady } from './redis-connection.js';
import { defaultNodeId, NodeHeartbeat, type NodeLoad } from './node-heartbeat.js';
import type { Redis } from 'ioredis';

export interface ClusterMembership {
  nodeId: string;
  redis: Redis;
  heartbeat: NodeHeartbeat;
  leave(): Promise<void>;
}

export async function joinCluster(
  config: PamperoConfig,
  logger: Logger,
  listening: string[],
  load: () => Pick<NodeLoad, 'health' | 'sessions' | 'components'>,
): Promise<ClusterMembership | undefined> {
  if (!config.cluster.redisUrl) return undefined;
  const nodeId = config.cluster.nodeId || defaultNodeId(config.role);
  const redis = connectRedis({ url: config.cluster.redisUrl, logger, connectionName: nodeId });
  await redisReady(redis, 10_000).catch((err: Error) => {
    redis.disconnect();
    throw new Error(`cannot reach the fleet's Redis at ${config.cluster.redisUrl}: ${err.message}`);
  });
  const heartbeat = new NodeHeartbeat({
    redis,
    identity: { id: nodeId, role: config.role, version: PAMPERO_VERSION, listening },
    load,
    intervalMs: config.cluster.heartbeatSeconds * 1000,
    logger,
  });
  await heartbeat.start();
  return {
    nodeId,
    redis,
    heartbeat,
    async leave() {
      await heartbeat.stop();
      redis.disconnect();
    },
  };
}
