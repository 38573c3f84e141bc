// Every Redis key Pampero uses, in one place. Keys that belong together carry the same hash tag
// ({…}) so that they land in one Redis Cluster slot: per user for the session directory, per node
// for a node's own keys. The node index is one small sorted set (one slot) on purpose: listing
// the fleet must not need SCAN.

const PREFIX = 'pampero';

export const clusterKeys = {
  /** Sorted set: node id → time of its last heartbeat (ms). */
  nodeIndex: `${PREFIX}:nodes`,
  /** Hash: what a node last reported about itself (see NodeReport). */
  node: (nodeId: string) => `${PREFIX}:node:{${nodeId}}`,
  /** Stream: stanzas for the sessions and component links of one node (its durable inbox). */
  inbox: (nodeId: string) => `${PREFIX}:inbox:{${nodeId}}`,
  /** String: set while a node that left cleanly is away, so nothing more is added to its inbox (node-bus.ts). */
  inboxClosed: (nodeId: string) => `${PREFIX}:inbox-closed:{${nodeId}}`,
  /** Hash: resource → where that resource of the user is bound (see session-registry.ts). */
  sessions: (bareJid: string) => `${PREFIX}:sessions:{${bareJid}}`,
  /** Set: full JIDs bound on one node, so a dead node's entries can be reaped without a scan. */
  nodeSessions: (nodeId: string) => `${PREFIX}:node-sessions:{${nodeId}}`,
  /** Hash: `node|link` → component domain, every XEP-0114 link attached anywhere in the fleet. */
  links: `${PREFIX}:links`,
  /** Pub/sub channel: directory and link changes (directory-sync.ts). */
  directoryChannel: `${PREFIX}:directory`,
  /** Hash: node id → the bus protocol version it speaks (node-bus.ts; mixed versions in a rolling update). */
  busVersions: `${PREFIX}:bus-versions`,
  /** Hash: one resumable XEP-0198 session (node, session, jid, h, acked, timeout; session-resumption.ts). */
  smState: (bareJid: string, smId: string) => `${PREFIX}:sm:{${bareJid}}:${smId}`,
  /** List: the stanzas sent to that session and not acknowledged yet (`stamp\txml`), oldest first. */
  smQueue: (bareJid: string, smId: string) => `${PREFIX}:smq:{${bareJid}}:${smId}`,
  /** Set: `bare|smId` of the resumable sessions a node holds, parked when it dies. */
  nodeSm: (nodeId: string) => `${PREFIX}:node-sm:{${nodeId}}`,
  /** Sorted set: `bare|smId` of parked sessions (no node holds them) → resumption deadline (ms). */
  smParked: `${PREFIX}:sm-parked`,
  /** String with a TTL: the node that reaps a dead node holds it. */
  reapLock: (nodeId: string) => `${PREFIX}:reap:{${nodeId}}`,
};
