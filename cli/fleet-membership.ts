// A role's membership of a fleet: with cluster.redisUrl set, the node connects to Redis before
// its router exists (the router takes the fleet's directory), and starts beating, syncing and
// reading its inbox once everything listens. Without it, nothing happens.
import type { PamperoConfig } from '../shared/config/types.js';
import type { Logger } from '../shared/log.js';
import type { Router, RouterOptions } from '../shared/router/router.js';
import { ClusterNode, isRemoteLink } from '../shared/cluster/cluster-node.js';
import { defaultNodeId } from '../shared/cluster/node-heartbeat.js';
import { PAMPERO_VERSION } from '../shared/version.js';
import type { HealthEndpoints } from '../shared/metrics/http-endpoints.js';
import { BUS_VERSION_ENV } from '../shared/config/env-layer.js';

export interface FleetMembership {
  node: ClusterNode;
  routerOptions: Pick<RouterOptions, 'sessions' | 'nodeId'>;
  /** Starts heartbeats, the directory view and the inbox; resolves to a banner line. */
  start(router: Router, listening: string[], health?: HealthEndpoints): Promise<string>;
  leave(): Promise<void>;
}

export async function joinFleet(config: PamperoConfig, logger: Logger): Promise<FleetMembership | undefined> {
  if (!config.cluster.redisUrl) return undefined;
  const nodeId = config.cluster.nodeId || defaultNodeId(config.role);
  const node = await ClusterNode.connect({
    nodeId,
    redisUrl: config.cluster.redisUrl,
    role: config.role,
    version: PAMPERO_VERSION,
    heartbeatMs: config.cluster.heartbeatSeconds * 1000,
    maxInboxEntries: config.cluster.maxInboxEntries,
    logger,
    busVersion: busVersionOverride(),
  });
  return {
    node,
    routerOptions: { sessions: node.directory, nodeId },
    async start(router, listening, health) {
      health?.addReadinessCheck('redis', () => node.redis.status === 'ready');
      node.onDrainRequest = () => void health?.drain(); // `pampero cluster drain NODE`
      await node.start(router, [...listening], () => ({
        // What /readyz says, for the cluster view: draining, degraded (a dependency down) or ok.
        health: health?.state === 'draining' ? 'draining' : health?.dependenciesDown().length ? 'degraded' : 'ok',
        sessions: router.sessions.size,
        components: router.components.allLinks().filter((l) => !isRemoteLink(l)).map((l) => l.domain),
      }));
      return `fleet node ${nodeId} on ${config.cluster.redisUrl}`;
    },
    leave: () => node.stop(),
  };
}

/**
 * PAMPERO_BUS_PROTOCOL_VERSION: run this node speaking an older bus protocol version (N-1), as the
 * previous release would; only for testing mixed-version fleets (docs/cluster.md).
 */
function busVersionOverride(): number | undefined {
  const raw = process.env[BUS_VERSION_ENV];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${BUS_VERSION_ENV} must be a whole number, got '${raw}'`);
  return n;
}
