// The fleet's session directory in Redis: for each user, which node each bound resource lives on,
// with the presence facts routing needs (available, priority). One hash per user, hash-tagged by
// the bare JID, so a lookup is one command on one Redis Cluster slot; each node also keeps the set
// of full JIDs it holds, so a dead node's entries can be reaped without scanning.
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';

export interface RegisteredResource {
  resource: string;
  nodeId: string;
  /** The gateway's own session id: an entry is only removed by the session that wrote it. */
  sessionId: string;
  available: boolean;
  priority: number;
  /** The resource's last broadcast presence (XML), answered to probes by any node. */
  presenceXml?: string;
  /** XEP-0280: the resource enabled carbons (record version 2; absent = false). */
  carbons?: boolean;
}

// Record version 2 adds flags (`#2,c=1`: carbons on) where a version-1 reader does not see them:
// - an available resource: a last segment after the presence XML (`...|<presence/>|#2,c=1`). A
//   version-1 reader takes everything after the priority as the XML, and ltx ignores what follows
//   the root. The segment never contains '>' and XML always ends with '>', so a '|' inside the XML
//   is told apart;
// - an unavailable one: after its availability digit (`0#2,c=1`), which a version-1 reader compares
//   with '1', so still reads as unavailable (its presence part may be empty: a flag there would be
//   taken for XML).
// A record without flags is exactly a version-1 record, and reads as carbons off.
const FLAGS_MARK = '#2';
const CARBONS_FLAG = `${FLAGS_MARK},c=1`;

function hasCarbons(flags: string): boolean {
  return flags.split(',').includes('c=1');
}

/** `available|priority|presenceXml[|#2,flags]`: a directory value after node and session id. */
export function decodeEntryRest(rest: string): { available: boolean; priority: number; presenceXml?: string; carbons: boolean } {
  const parts = rest.split('|');
  const [available = '', priority] = parts;
  let carbons = available.startsWith(`0${FLAGS_MARK}`) && hasCarbons(available.slice(1));
  const tail = parts[parts.length - 1]!;
  if (parts.length > 3 && tail.startsWith(FLAGS_MARK) && !tail.includes('>')) {
    parts.pop();
    carbons ||= hasCarbons(tail);
  }
  const presenceXml = parts.slice(2).join('|'); // the XML itself may contain '|'
  return { available: available === '1', priority: Number(priority) || 0, ...(presenceXml ? { presenceXml } : {}), carbons };
}

// Deletes the field only if it still belongs to the given session (a newer login may own it).
const DELETE_IF_OWNED = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local node, session = string.match(value, '^([^|]*)|([^|]*)|')
if session ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1`;

export function encodeEntry(entry: Omit<RegisteredResource, 'resource'>): string {
  const xml = entry.presenceXml ?? '';
  // An available resource has presence XML (the router sets both together); without it the flag has no place.
  const available = entry.available ? '1' : entry.carbons ? `0${CARBONS_FLAG}` : '0';
  const flags = entry.available && entry.carbons && xml ? `|${CARBONS_FLAG}` : '';
  return `${entry.nodeId}|${entry.sessionId}|${available}|${entry.priority}|${xml}${flags}`;
}

export function decodeEntry(resource: string, value: string): RegisteredResource | undefined {
  const first = value.indexOf('|');
  if (first <= 0) return undefined;
  const second = value.indexOf('|', first + 1) < 0 ? value.length : value.indexOf('|', first + 1);
  const nodeId = value.slice(0, first);
  const sessionId = value.slice(first + 1, second);
  if (!sessionId) return undefined;
  const { available, priority, presenceXml, carbons } = decodeEntryRest(value.slice(second + 1));
  const entry: RegisteredResource = { resource, nodeId, sessionId, available, priority };
  if (presenceXml) entry.presenceXml = presenceXml;
  if (carbons) entry.carbons = true;
  return entry;
}

function split(fullJid: string): [bare: string, resource: string] {
  const slash = fullJid.indexOf('/');
  return [fullJid.slice(0, slash), fullJid.slice(slash + 1)];
}

export class SessionRegistry {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('pamperoDeleteIfOwned', { numberOfKeys: 1, lua: DELETE_IF_OWNED });
  }

  /** Records (or updates) where a full JID is bound. */
  async put(fullJid: string, entry: Omit<RegisteredResource, 'resource'>): Promise<void> {
    const [bare, resource] = split(fullJid);
    await Promise.all([
      this.redis.hset(clusterKeys.sessions(bare), resource, encodeEntry(entry)),
      this.redis.sadd(clusterKeys.nodeSessions(entry.nodeId), `${fullJid}|${entry.sessionId}`),
    ]);
  }

  /** Removes the entry if `sessionId` still owns it; true when it did. */
  async remove(fullJid: string, nodeId: string, sessionId: string): Promise<boolean> {
    const [bare, resource] = split(fullJid);
    const redis = this.redis as Redis & { pamperoDeleteIfOwned(...args: unknown[]): Promise<number> };
    const [deleted] = await Promise.all([
      redis.pamperoDeleteIfOwned(clusterKeys.sessions(bare), resource, sessionId),
      this.redis.srem(clusterKeys.nodeSessions(nodeId), `${fullJid}|${sessionId}`),
    ]);
    return deleted === 1;
  }

  /** Every bound resource of a user, wherever it is. */
  async resourcesOf(bareJid: string): Promise<RegisteredResource[]> {
    const fields = await this.redis.hgetall(clusterKeys.sessions(bareJid));
    const out: RegisteredResource[] = [];
    for (const [resource, value] of Object.entries(fields)) {
      const entry = decodeEntry(resource, value);
      if (entry) out.push(entry);
    }
    return out;
  }

  /** Every entry a node wrote and still owns (for a resync of the directory view). */
  async entriesOfNode(nodeId: string): Promise<Array<{ fullJid: string; entry: RegisteredResource }>> {
    const members = await this.redis.smembers(clusterKeys.nodeSessions(nodeId));
    if (members.length === 0) return [];
    const pipeline = this.redis.pipeline();
    const jids = members.map((m) => m.slice(0, m.lastIndexOf('|')));
    for (const full of jids) {
      const [bare, resource] = split(full);
      pipeline.hget(clusterKeys.sessions(bare), resource);
    }
    const replies = (await pipeline.exec()) ?? [];
    const out: Array<{ fullJid: string; entry: RegisteredResource }> = [];
    replies.forEach(([err, value], i) => {
      if (err || typeof value !== 'string') return;
      const entry = decodeEntry(split(jids[i]!)[1], value);
      if (entry && entry.nodeId === nodeId) out.push({ fullJid: jids[i]!, entry });
    });
    return out;
  }

  async get(fullJid: string): Promise<RegisteredResource | undefined> {
    const [bare, resource] = split(fullJid);
    const value = await this.redis.hget(clusterKeys.sessions(bare), resource);
    return value ? decodeEntry(resource, value) : undefined;
  }

  /**
   * Removes every entry a (dead) node still owns and returns the full JIDs removed, so the caller
   * can send unavailable presence on their behalf. Safe to run from several nodes at once: each
   * entry is removed once.
   */
  async reapNode(nodeId: string, batch = 500): Promise<string[]> {
    const key = clusterKeys.nodeSessions(nodeId);
    const reaped: string[] = [];
    for (;;) {
      const members = await this.redis.spop(key, batch);
      if (!members || members.length === 0) break;
      for (const member of members) {
        const bar = member.lastIndexOf('|');
        const fullJid = member.slice(0, bar);
        const sessionId = member.slice(bar + 1);
        if (await this.remove(fullJid, nodeId, sessionId)) reaped.push(fullJid);
      }
    }
    return reaped;
  }
}
