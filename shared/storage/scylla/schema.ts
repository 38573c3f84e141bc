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
// - archive_messages (XEP-0313): partition per (owner, month bucket = year*12 + month of the id's
//   time), clustered by id newest first: the latest page is the head of one partition; a month
//   bounds a partition's size. archive_buckets lists a user's months (one small partition read
//   plans a query); archive_owners_by_bucket and archive_months let retention find what expired
//   without scanning users. archive_prefs: one row per user (JSON).
// - account_data: one partition per user, one clustering row per document (vCard, private XML,
//   blocklist, last logout); deleting an account drops the partition.

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
    `CREATE TABLE IF NOT EXISTS ${keyspace}.account_data (
  owner text,
  doc_key text,
  value text,
  PRIMARY KEY ((owner), doc_key)
) WITH CLUSTERING ORDER BY (doc_key ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.archive_messages (
  owner text,
  bucket int,
  id bigint,
  with_jid text,
  xml text,
  PRIMARY KEY ((owner, bucket), id)
) WITH CLUSTERING ORDER BY (id DESC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.archive_buckets (
  owner text,
  bucket int,
  PRIMARY KEY ((owner), bucket)
) WITH CLUSTERING ORDER BY (bucket DESC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.archive_owners_by_bucket (
  bucket int,
  owner text,
  PRIMARY KEY ((bucket), owner)
) WITH CLUSTERING ORDER BY (owner ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.archive_months (
  shard int,
  bucket int,
  PRIMARY KEY ((shard), bucket)
) WITH CLUSTERING ORDER BY (bucket ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.archive_prefs (
  owner text PRIMARY KEY,
  prefs text
)`,
  ];
}

export const TABLE_NAMES = ['accounts', 'account_index', 'rosters', 'offline_messages', 'components', 'account_data', 'archive_messages', 'archive_buckets', 'archive_owners_by_bucket', 'archive_months', 'archive_prefs'] as const;

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
