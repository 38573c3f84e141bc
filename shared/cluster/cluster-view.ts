// The whole fleet as Redis knows it: every node that has beaten recently, up or down. Read by
// `pampero cluster status`, the admin API and the console, from any node.
import type { Redis } from 'ioredis';
import { clusterKeys } from './keys.js';
import { decodeRecord, type NodeRecord } from './node-heartbeat.js';

export interface NodeView extends NodeRecord {
  /** Down: no beat for longer than the view's `downAfterMs`. */
  up: boolean;
  /** Milliseconds since its last beat. */
  silentForMs: number;
}

export interface ClusterViewOptions {
  /** A node silent for longer is shown as down (the health issue asks for under 10 s). */
  downAfterMs?: number;
  /** Index entries silent for longer are removed (their hashes have expired by then). */
  forgetAfterMs?: number;
  now?: number;
}

export async function readClusterView(redis: Redis, opts: ClusterViewOptions = {}): Promise<NodeView[]> {
  const now = opts.now ?? Date.now();
  const downAfterMs = opts.downAfterMs ?? 6000;
  const forgetAfterMs = opts.forgetAfterMs ?? 10 * 60_000;
  await redis.zremrangebyscore(clusterKeys.nodeIndex, '-inf', now - forgetAfterMs);
  const ids = await redis.zrange(clusterKeys.nodeIndex, 0, -1);
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(clusterKeys.node(id));
  const replies = (await pipeline.exec()) ?? [];
  const nodes: NodeView[] = [];
  for (const [err, fields] of replies) {
    if (err) continue;
    const record = decodeRecord(fields as Record<string, string>);
    if (!record) continue;
    const silentForMs = Math.max(0, now - record.lastBeatAt);
    nodes.push({ ...record, up: silentForMs <= downAfterMs, silentForMs });
  }
  return nodes.sort((a, b) => (a.role === b.role ? a.id.localeCompare(b.id) : a.role.localeCompare(b.role)));
}

/** The view as aligned text lines, header first, for the CLI. */
export function formatClusterView(nodes: NodeView[]): string[] {
  if (nodes.length === 0) return ['no nodes have reported to this Redis'];
  const rows = nodes.map((n) => [
    n.id,
    n.role,
    n.version,
    n.up ? n.health : 'DOWN',
    formatDuration(n.lastBeatAt - n.startedAt),
    n.sessions === undefined ? '-' : String(n.sessions),
    `${(n.rssBytes / 1048576).toFixed(0)} MiB`,
    `${n.cpuPercent}%`,
    `${n.eventLoopLagMs} ms`,
    n.up ? `${(n.silentForMs / 1000).toFixed(1)} s ago` : `silent ${formatDuration(n.silentForMs)}`,
    (n.components ?? []).join(',') || '-',
  ]);
  const header = ['NODE', 'ROLE', 'VERSION', 'HEALTH', 'UPTIME', 'SESSIONS', 'RSS', 'CPU', 'LAG', 'LAST BEAT', 'COMPONENTS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
