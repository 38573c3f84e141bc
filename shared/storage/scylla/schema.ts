// The tables, as statements the adapter runs when storage.scylla.createSchema is true and that
// deploy/scylla/schema.cql repeats for operators (schema.test.ts keeps the two identical).
//
// Why they look like this:
// - accounts: one partition per JID; create/setCredentials/delete are conditional (IF [NOT]
//   EXISTS) so they resolve exactly true or false, like the LMDB transactions.
// - account_index: `list` must return JIDs in lexical order, but partitions come back in token
//   order. The index spreads JIDs over ACCOUNT_INDEX_BUCKETS partitions (hash of the JID) clustered
//   by JID; a page reads every bucket after `after` and merges (account-index.ts). One single
//   partition would be simpler but grows without bound and concentrates every registration on one
//   replica set; more buckets spread better but cost more reads per page.
// - rosters: the whole roster is ONE row (JSON) keyed by owner, so `get` is one single-partition
//   point read and `update` is one compare-and-set on `version` (IF version = ?): atomic without
//   a multi-row conditional batch. Clustering rows per item with a static version would write
//   less per change, but every update would then have to diff items and rewrite them in a
//   conditional batch; rosters are small (roster.maxItems) and the LMDB store also rewrites the
//   whole value. `recent_writes` (ids of the last writes) tells, after a timed-out
//   compare-and-set, whether ours was applied, even if another writer has followed it since.
// - offline_messages: partition per owner, clustering by seq ascending (delivery order). The
//   static last_seq survives removals and clears, so ids are never reused; every push, removal and
//   clear is a conditional batch on last_seq, which makes the quota exact (see offline-store.ts).
// - components: one partition per domain; few rows, listed with a full scan.

export const ACCOUNT_INDEX_BUCKETS = 32; // fixed: changing it needs a rebuilt account_index

export function tableStatements(keyspace: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${keyspace}.accounts (
  jid text PRIMARY KEY,
  credentials text,
  created_at timestamp
)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.account_index (
  bucket int,
  jid text,
  PRIMARY KEY ((bucket), jid)
) WITH CLUSTERING ORDER BY (jid ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.rosters (
  owner text PRIMARY KEY,
  version bigint,
  roster text,
  recent_writes list<uuid>
)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.offline_messages (
  owner text,
  seq bigint,
  xml text,
  stored_at timestamp,
  push_id uuid,
  last_seq bigint STATIC,
  PRIMARY KEY ((owner), seq)
) WITH CLUSTERING ORDER BY (seq ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.components (
  domain text PRIMARY KEY,
  secret text,
  created_at timestamp
)`,
  ];
}

export const TABLE_NAMES = ['accounts', 'account_index', 'rosters', 'offline_messages', 'components'] as const;

const quoteString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The development keyspace: NetworkTopologyStrategy in the local data center with
 * min(3, its nodes) replicas. With `disableTablets`, ScyllaDB's tablets are turned off: releases
 * before LWT support on tablets refuse conditional statements in tablets keyspaces.
 */
export function keyspaceStatement(keyspace: string, dataCenter: string, replicas: number, disableTablets: boolean): string {
  const replication = `{'class': 'NetworkTopologyStrategy', ${quoteString(dataCenter)}: ${replicas}}`;
  const tablets = disableTablets ? ` AND tablets = {'enabled': false}` : '';
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replication}${tablets}`;
}

/** A keyspace name we put into statements: a plain lower-case CQL name (config checks it too). */
export function assertKeyspaceName(keyspace: string): void {
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) throw new Error(`invalid ScyllaDB keyspace name ${JSON.stringify(keyspace)}`);
}
