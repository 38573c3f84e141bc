// A node's heartbeat: every few seconds it writes what it is and how it is doing to Redis (a hash
// with a TTL, plus its score in the node index). A node that stops beating is shown as down after
// `downAfterMs` and its entry expires by itself; a node that stops cleanly removes its entry.
// A failed beat is only logged: the node keeps serving its local sessions while Redis is away.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { clusterKeys } from './keys.js';

export type NodeHealth = 'ok' | 'degraded' | 'draining';

/** What a node says about itself; numbers are current values, not totals. */
export interface NodeLoad {
  health: NodeHealth;
  /** Bound client sessions on this node (gateways). */
  sessions?: number;
  /** Component domains attached to this node (routers). */
  components?: string[];
  rssBytes: number;
  /** Process CPU use since the previous beat, percent of one core. */
  cpuPercent: number;
  /** Mean event-loop delay since the previous beat. */
  eventLoopLagMs: number;
}

export interface NodeIdentity {
  id: string;
  role: string;
  version: string;
  /** Where its listeners are, for the cluster view ("c2s 10.0.0.5:5222"). */
  listening: string[];
}

export interface NodeRecord extends NodeIdentity, NodeLoad {
  host: string;
  pid: number;
  startedAt: number;
  lastBeatAt: number;
}

export interface HeartbeatOptions {
  redis: Redis;
  identity: NodeIdentity;
  /** Called at each beat; the heartbeat adds RSS and CPU itself. */
  load: () => Pick<NodeLoad, 'health' | 'sessions' | 'components'>;
  intervalMs: number;
  logger: Logger;
}

/** A node's entry outlives its last beat by this many intervals before Redis drops it. */
const TTL_INTERVALS = 15;

export function defaultNodeId(role: string): string {
  return `${role}-${hostname()}-${process.pid}`;
}

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private lastCpu = process.cpuUsage();
  private lastCpuAt = process.hrtime.bigint();
  private lagSum = 0;
  private lagCount = 0;
  private lagProbe: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: HeartbeatOptions) {
    this.log = opts.logger.child({ module: 'heartbeat' });
  }

  /** Beats once now (so the node shows up at once), then every interval. */
  async start(): Promise<void> {
    this.probeLag();
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops beating and removes the entry, so the node leaves the view at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.lagProbe);
    const { redis, identity } = this.opts;
    await redis.multi().zrem(clusterKeys.nodeIndex, identity.id).del(clusterKeys.node(identity.id)).exec().catch(() => undefined);
  }

  record(now = Date.now()): NodeRecord {
    const cpuNow = process.cpuUsage();
    const at = process.hrtime.bigint();
    const elapsedUs = Number(at - this.lastCpuAt) / 1000;
    const usedUs = cpuNow.user - this.lastCpu.user + (cpuNow.system - this.lastCpu.system);
    this.lastCpu = cpuNow;
    this.lastCpuAt = at;
    const lag = this.lagCount ? this.lagSum / this.lagCount : 0;
    this.lagSum = 0;
    this.lagCount = 0;
    return {
      ...this.opts.identity,
      ...this.opts.load(),
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastBeatAt: now,
      rssBytes: process.memoryUsage.rss(),
      cpuPercent: elapsedUs > 0 ? Math.round((usedUs / elapsedUs) * 1000) / 10 : 0,
      eventLoopLagMs: Math.round(lag * 10) / 10,
    };
  }

  private async beat(): Promise<void> {
    const { redis, identity, intervalMs } = this.opts;
    const record = this.record();
    try {
      await redis
        .multi()
        .hset(clusterKeys.node(identity.id), encodeRecord(record))
        .pexpire(clusterKeys.node(identity.id), intervalMs * TTL_INTERVALS)
        .zadd(clusterKeys.nodeIndex, record.lastBeatAt, identity.id)
        .exec();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'heartbeat not written');
    }
  }

  /** Event-loop delay, sampled with a 100 ms timer (cheaper than a histogram for one figure). */
  private probeLag(): void {
    const expected = Date.now() + 100;
    this.lagProbe = setTimeout(() => {
      this.lagSum += Math.max(0, Date.now() - expected);
      this.lagCount++;
      this.probeLag();
    }, 100);
    this.lagProbe.unref();
  }
}

export function encodeRecord(record: NodeRecord): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    fields[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return fields;
}

/** The hash back into a record; undefined when it is not one (half-written, foreign). */
export function decodeRecord(fields: Record<string, string>): NodeRecord | undefined {
  if (!fields.id || !fields.role || !fields.lastBeatAt) return undefined;
  const json = <T>(value: string | undefined, fallback: T): T => {
    if (value === undefined) return fallback;
    try {
      return JSON.parse(value) as T;
    } catch {
      return fallback;
    }
  };
  return {
    id: fields.id,
    role: fields.role,
    version: fields.version ?? '?',
    listening: json<string[]>(fields.listening, []),
    health: (fields.health as NodeHealth | undefined) ?? 'ok',
    sessions: json<number | undefined>(fields.sessions, undefined),
    components: json<string[] | undefined>(fields.components, undefined),
    rssBytes: json(fields.rssBytes, 0),
    cpuPercent: json(fields.cpuPercent, 0),
    eventLoopLagMs: json(fields.eventLoopLagMs, 0),
    host: fields.host ?? '?',
    pid: json(fields.pid, 0),
    startedAt: json(fields.startedAt, 0),
    lastBeatAt: json(fields.lastBeatAt, 0),
  };
}
