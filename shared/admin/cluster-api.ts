// /admin/api/cluster, /admin/api/node, /admin/api/drain: the fleet as Redis knows it (every
// node's heartbeat, cluster-view.ts) or, without a fleet, this node's own record in the same
// shape; this node's live figures for the console's charts; and draining (/readyz turns 503).
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { readClusterView, type NodeView } from '../cluster/cluster-view.js';
import { defaultNodeId, type NodeHealth } from '../cluster/node-heartbeat.js';
import { connectRedis, redisReady } from '../cluster/redis-connection.js';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import { PAMPERO_VERSION } from '../version.js';
import { ProcessLoadSampler } from '../health/process-load.js';
import { AdminError, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

const startedAt = Date.now();

export interface ClusterApi {
  /** ok, or draining once POST /admin/api/drain was called. */
  health(): NodeHealth;
  close(): Promise<void>;
}

export function registerClusterApi(routes: AdminRoutes, ctx: AdminContext): ClusterApi {
  const { config, router } = ctx;
  const nodeId = ctx.nodeId || config.cluster.nodeId || defaultNodeId(config.role);
  let draining = false;
  const health = (): NodeHealth => {
    if (draining || ctx.health?.state === 'draining') return 'draining';
    return (ctx.health?.dependenciesDown().length ?? 0) > 0 ? 'degraded' : 'ok';
  };

  // The fleet's Redis: the node's own connection, or one of ours (closed with the API).
  let ownRedis: Redis | undefined;
  const redis = (): Redis | undefined => {
    if (ctx.redis) return ctx.redis;
    if (!config.cluster.redisUrl) return undefined;
    ownRedis ??= connectRedis({ url: config.cluster.redisUrl, logger: ctx.logger, connectionName: `${nodeId}-admin` });
    return ownRedis;
  };

  // CPU and event-loop lag between two requests, like the heartbeat measures them between beats.
  const load = new ProcessLoadSampler();
  const ownRecord = (): NodeView => {
    const now = Date.now();
    const { cpuPercent, eventLoopLagMs, rssBytes } = load.sample();
    return {
      id: nodeId,
      role: config.role,
      version: PAMPERO_VERSION,
      listening: ctx.listening ?? [],
      health: health(),
      sessions: router.sessions.size,
      components: router.components.domains(),
      rssBytes,
      cpuPercent,
      eventLoopLagMs,
      host: hostname(),
      pid: process.pid,
      startedAt,
      lastBeatAt: now,
      up: true,
      silentForMs: 0,
    };
  };

  routes.add('get', '/admin/api/cluster', async () => {
    const connection = redis();
    if (!connection) return { status: 200, body: { mode: 'single', self: nodeId, nodes: [ownRecord()] } };
    let nodes: NodeView[];
    try {
      await redisReady(connection, 2000); // a fresh connection of ours; no offline queue, so wait once
      nodes = await readClusterView(connection, { downAfterMs: config.cluster.heartbeatSeconds * 3000 });
    } catch (err) {
      throw new AdminError(503, `The fleet's Redis did not answer: ${(err as Error).message}`, { self: nodeId, nodes: [ownRecord()] });
    }
    return { status: 200, body: { mode: 'cluster', self: nodeId, nodes } };
  });

  // This node's counters and gauges, for the console's time series (it computes rates itself).
  routes.add('get', '/admin/api/node', async () => {
    const metrics = await metricsRegistry.getMetricsAsJSON();
    const sum = (name: string, filter?: (labels: Record<string, string | number>) => boolean) => {
      const metric = metrics.find((m) => m.name === name);
      if (!metric) return 0;
      return (metric.values as Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>)
        .filter((v) => (v.metricName === undefined || v.metricName === name) && (!filter || filter(v.labels)))
        .reduce((total, v) => total + v.value, 0);
    };
    const byLabel = (name: string, label: string) => {
      const metric = metrics.find((m) => m.name === name);
      const out: Record<string, number> = {};
      for (const v of (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>) {
        const key = String(v.labels[label]);
        out[key] = (out[key] ?? 0) + v.value;
      }
      return out;
    };
    return {
      status: 200,
      body: {
        at: Date.now(),
        node: ownRecord(),
        readiness: ctx.health?.state ?? (draining ? 'draining' : 'ready'),
        dependenciesDown: ctx.health?.dependenciesDown() ?? [],
        connections: byLabel('pampero_c2s_connections', 'transport'),
        sessionsByTransport: byLabel('pampero_c2s_sessions', 'transport'),
        totals: {
          stanzasIn: sum('pampero_c2s_stanzas_received_total'),
          stanzasOut: sum('pampero_c2s_stanzas_sent_total'),
          routed: sum('pampero_router_stanzas_total'),
          logins: sum('pampero_c2s_logins_total'),
          loginFailures: sum('pampero_c2s_login_failures_total'),
          stanzaErrors: sum('pampero_router_stanza_errors_total'),
          componentRefusals: sum('pampero_component_queue_refusals_total'),
          storageErrors: sum('pampero_storage_errors_total'),
        },
        heapUsedBytes: process.memoryUsage().heapUsed,
      },
    };
  });

  routes.add('post', '/admin/api/drain', async () => {
    draining = true;
    await ctx.health?.drain();
    ctx.logger.info('draining: /readyz answers 503 from now on');
    return { status: 202, body: { health: 'draining', readyz: 503 } };
  });

  return {
    health,
    close: async () => {
      load.close();
      ownRedis?.disconnect();
    },
  };
}
