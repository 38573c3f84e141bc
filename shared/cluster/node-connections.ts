// Which nodes hold a connection to Redis right now, from CLIENT LIST: every node names its
// connections after its id (`gateway-1`, `gateway-1-sub`, `gateway-1-bus`). A process killed with
// SIGKILL loses its sockets at once, so Redis drops its connections within milliseconds, long
// before three heartbeats have been missed: watchMembers (cluster-node.ts) uses this to declare a
// node dead after one missed heartbeat when none of its connections is left.
import type { Redis } from 'ioredis';

const SUFFIXES = ['-sub', '-bus'];

/** Node ids named by the connections of a CLIENT LIST reply. */
export function connectedNodeIds(clientList: string): Set<string> {
  const ids = new Set<string>();
  for (const line of clientList.split('\n')) {
    const match = / name=(\S+)/.exec(line);
    if (!match) continue;
    const name = match[1]!;
    const suffix = SUFFIXES.find((s) => name.endsWith(s));
    ids.add(suffix ? name.slice(0, -suffix.length) : name);
  }
  return ids;
}

/** The ids of the nodes connected to this Redis now; undefined when CLIENT LIST is refused (managed Redis may rename it). */
export async function connectedNodes(redis: Redis): Promise<Set<string> | undefined> {
  try {
    return connectedNodeIds(String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal')));
  } catch {
    return undefined;
  }
}
