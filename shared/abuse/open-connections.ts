// The `concurrent-connections-per-ip` count (docs/abuse.md): connections open at once per address.
// On one node a map in memory. In a fleet (the fleet's Redis) every gateway also keeps its own
// counts in a Redis hash of its own, `pampero:abuse:open:node:NODE` (field: address, value: its
// open connections from there), listed in the set `pampero:abuse:open:nodes`, and a new
// connection is admitted by one Lua script that sums the address's field over the live nodes'
// hashes and, under the limit, adds one to its own: one round trip, atomic across gateways.
//
// - A node's hash has a TTL of three heartbeats, refreshed every heartbeat: the counts of a node
//   that dies (kill -9, a lost host) are gone within three heartbeats, with nothing to reap;
//   the script drops nodes whose hash is gone from the set. A node that stops cleanly deletes it.
// - The node's own memory is the truth for its connections. When Redis does not answer (no
//   offline queue, a command deadline: no connection waits), the address is admitted on this
//   node's own count (the insurance: per node, as without Redis), and the node rewrites its whole
//   hash from memory at the next heartbeat that reaches Redis (also after Redis lost its data).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface OpenConnections {
  /** Counts one more connection of `ip` unless `limit` are open already; true when counted. */
  open(ip: string, limit: number): Promise<boolean>;
  /** A counted connection of `ip` closed. */
  close(ip: string): void;
  stop(): Promise<void>;
}

/** The reference behaviour: this node's connections only. */
export class LocalOpenConnections implements OpenConnections {
  readonly counts = new Map<string, number>();

  open(ip: string, limit: number): Promise<boolean> {
    return Promise.resolve(this.tryOpen(ip, limit));
  }

  tryOpen(ip: string, limit: number): boolean {
    const count = this.counts.get(ip) ?? 0;
    if (count >= limit) return false;
    this.counts.set(ip, count + 1);
    return true;
  }

  close(ip: string): void {
    const count = (this.counts.get(ip) ?? 0) - 1;
    if (count > 0) this.counts.set(ip, count);
    else this.counts.delete(ip);
  }

  async stop(): Promise<void> {}
}

const PREFIX = 'pampero:abuse:open:';
const NODES = `${PREFIX}nodes`;
const nodeKey = (node: string) => `${PREFIX}node:${node}`;

// ARGV: self, ip, limit, ttlMs. Returns 1 when counted, 0 when `limit` are open over the fleet.
// (Keys are derived from the node set, so they are not all in KEYS: a single Redis, as the fleet uses.)
const OPEN = `
local prefix, self, ip, limit, ttl = '${PREFIX}', ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local total = 0
for _, node in ipairs(redis.call('SMEMBERS', '${NODES}')) do
  local key = prefix .. 'node:' .. node
  if node ~= self and redis.call('EXISTS', key) == 0 then
    redis.call('SREM', '${NODES}', node)
  else
    total = total + tonumber(redis.call('HGET', key, ip) or '0')
  end
end
if total >= limit then return 0 end
redis.call('SADD', '${NODES}', self)
redis.call('HINCRBY', prefix .. 'node:' .. self, ip, 1)
redis.call('PEXPIRE', prefix .. 'node:' .. self, ttl)
return 1`;

// ARGV: self, ip. One fewer; the field goes at zero.
const CLOSE = `
local key = '${PREFIX}node:' .. ARGV[1]
if redis.call('HINCRBY', key, ARGV[2], -1) <= 0 then redis.call('HDEL', key, ARGV[2]) end
return 1`;

type ScriptedRedis = Redis & {
  pamperoOpenConnection(self: string, ip: string, limit: number, ttlMs: number): Promise<number>;
  pamperoCloseConnection(self: string, ip: string): Promise<number>;
};

export class FleetOpenConnections implements OpenConnections {
  private readonly local = new LocalOpenConnections();
  private readonly redis: ScriptedRedis;
  private readonly timer: NodeJS.Timeout;
  /** Redis missed a change: the hash is rewritten from memory at the next heartbeat. */
  private stale = false;
  private readonly ttlMs: number;

  constructor(redis: Redis, readonly node: string = randomUUID(), heartbeatSeconds = 2) {
    this.redis = redis as ScriptedRedis;
    this.redis.defineCommand('pamperoOpenConnection', { numberOfKeys: 0, lua: OPEN });
    this.redis.defineCommand('pamperoCloseConnection', { numberOfKeys: 0, lua: CLOSE });
    this.ttlMs = heartbeatSeconds * 3000;
    this.timer = setInterval(() => void this.heartbeat(), heartbeatSeconds * 1000);
    this.timer.unref();
  }

  async open(ip: string, limit: number): Promise<boolean> {
    try {
      const counted = await this.redis.pamperoOpenConnection(this.node, ip, limit, this.ttlMs);
      if (counted !== 1) return false;
      this.local.tryOpen(ip, Number.MAX_SAFE_INTEGER);
      return true;
    } catch {
      // Redis away: this node's own count decides, and Redis is put right later.
      this.stale = true;
      return this.local.tryOpen(ip, limit);
    }
  }

  close(ip: string): void {
    this.local.close(ip);
    if (this.stale) return;
    this.redis.pamperoCloseConnection(this.node, ip).catch(() => { this.stale = true; });
  }

  /** Keeps this node's hash alive; after a miss, rewrites it from memory. */
  async heartbeat(): Promise<void> {
    const key = nodeKey(this.node);
    try {
      if (!this.stale) {
        const alive = await this.redis.pexpire(key, this.ttlMs);
        if (alive === 1 || this.local.counts.size === 0) return;
      }
      // The snapshot is taken now; changes after it are sent after it, on the same connection.
      const multi = this.redis.multi().del(key).sadd(NODES, this.node);
      if (this.local.counts.size > 0) multi.hset(key, Object.fromEntries(this.local.counts)).pexpire(key, this.ttlMs);
      this.stale = false;
      await multi.exec();
    } catch {
      this.stale = true;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.multi().del(nodeKey(this.node)).srem(NODES, this.node).exec().catch(() => undefined);
  }
}
