// Every statement the stores run, for one keyspace. Table names are qualified with the keyspace
// (validated as a plain CQL name in config), so no session-wide USE is needed.
// The tables and why they look like this: schema.ts.

export function scyllaStatements(keyspace: string) {
  const accounts = `${keyspace}.accounts`;
  const accountIndex = `${keyspace}.account_index`;
  const rosters = `${keyspace}.rosters`;
  const offline = `${keyspace}.offline_messages`;
  const components = `${keyspace}.components`;
  const archive = `${keyspace}.archive_messages`;
  const archiveBuckets = `${keyspace}.archive_buckets`;
  const archiveOwners = `${keyspace}.archive_owners_by_bucket`;
  const archiveMonths = `${keyspace}.archive_months`;
  const archivePrefs = `${keyspace}.archive_prefs`;
  const accountData = `${keyspace}.account_data`;
  return {
    accountGet: `SELECT credentials, created_at FROM ${accounts} WHERE jid = ?`,
    accountCreate: `INSERT INTO ${accounts} (jid, credentials, created_at) VALUES (?, ?, ?) IF NOT EXISTS`,
    accountSetCredentials: `UPDATE ${accounts} SET credentials = ? WHERE jid = ? IF EXISTS`,
    accountDelete: `DELETE FROM ${accounts} WHERE jid = ? IF EXISTS`,
    indexAdd: `INSERT INTO ${accountIndex} (bucket, jid) VALUES (?, ?)`,
    indexRemove: `DELETE FROM ${accountIndex} WHERE bucket = ? AND jid = ?`,
    indexPage: `SELECT jid FROM ${accountIndex} WHERE bucket = ? AND jid > ? LIMIT ?`,
    indexAll: `SELECT jid FROM ${accountIndex} WHERE bucket = ? AND jid > ?`,

    rosterGet: `SELECT version, roster, recent_writes FROM ${rosters} WHERE owner = ?`,
    rosterCreate: `INSERT INTO ${rosters} (owner, version, roster, recent_writes) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
    rosterReplace: `UPDATE ${rosters} SET version = ?, roster = ?, recent_writes = ? WHERE owner = ? IF version = ?`,
    rosterImport: `INSERT INTO ${rosters} (owner, version, roster, recent_writes) VALUES (?, ?, ?, ?)`,
    rosterDelete: `DELETE FROM ${rosters} WHERE owner = ? IF EXISTS`,

    // Up to LIMIT message ids plus the static last_seq (a partition with no messages left
    // yields one row whose seq is null).
    offlineState: `SELECT seq, last_seq FROM ${offline} WHERE owner = ? LIMIT ?`,
    // Conditional on the static last_seq (bound null for a user's first message): pushes, removals
    // and clears of one user are serialised by Paxos on that one cell.
    offlineGuard: `UPDATE ${offline} SET last_seq = ? WHERE owner = ? IF last_seq = ?`,
    offlineInsert: `INSERT INTO ${offline} (owner, seq, xml, stored_at, push_id) VALUES (?, ?, ?, ?, ?)`,
    offlineDelete: `DELETE FROM ${offline} WHERE owner = ? AND seq = ?`,
    offlinePushId: `SELECT push_id FROM ${offline} WHERE owner = ? AND seq = ?`,
    offlineList: `SELECT seq, xml, stored_at FROM ${offline} WHERE owner = ?`,
    offlineListLimit: `SELECT seq, xml, stored_at FROM ${offline} WHERE owner = ? LIMIT ?`,
    offlineSeqs: `SELECT seq FROM ${offline} WHERE owner = ?`,

    componentGet: `SELECT secret, created_at FROM ${components} WHERE domain = ?`,
    componentCreate: `INSERT INTO ${components} (domain, secret, created_at) VALUES (?, ?, ?) IF NOT EXISTS`,
    componentRekey: `UPDATE ${components} SET secret = ? WHERE domain = ? IF EXISTS`,
    componentDelete: `DELETE FROM ${components} WHERE domain = ? IF EXISTS`,
    componentList: `SELECT domain, secret, created_at FROM ${components}`,

    // Message archive (archive-store.ts): partition per (owner, month), newest first.
    archiveInsert: `INSERT INTO ${archive} (owner, bucket, id, with_jid, xml) VALUES (?, ?, ?, ?, ?)`,
    archivePageAsc: `SELECT id, with_jid, xml FROM ${archive} WHERE owner = ? AND bucket = ? AND id >= ? AND id <= ? ORDER BY id ASC LIMIT ?`,
    archivePageDesc: `SELECT id, with_jid, xml FROM ${archive} WHERE owner = ? AND bucket = ? AND id >= ? AND id <= ? ORDER BY id DESC LIMIT ?`,
    archiveGet: `SELECT id, with_jid, xml FROM ${archive} WHERE owner = ? AND bucket = ? AND id = ?`,
    archiveExpiredIds: `SELECT id FROM ${archive} WHERE owner = ? AND bucket = ? AND id < ? ORDER BY id ASC LIMIT ?`,
    archiveDeleteUpTo: `DELETE FROM ${archive} WHERE owner = ? AND bucket = ? AND id <= ?`,
    archiveDeletePartition: `DELETE FROM ${archive} WHERE owner = ? AND bucket = ?`,
    archiveBucketAdd: `INSERT INTO ${archiveBuckets} (owner, bucket) VALUES (?, ?)`,
    archiveBucketsOf: `SELECT bucket FROM ${archiveBuckets} WHERE owner = ?`,
    archiveBucketRemove: `DELETE FROM ${archiveBuckets} WHERE owner = ? AND bucket = ?`,
    archiveOwnerAdd: `INSERT INTO ${archiveOwners} (bucket, owner) VALUES (?, ?)`,
    archiveOwnersOf: `SELECT owner FROM ${archiveOwners} WHERE bucket = ? AND owner > ? LIMIT ?`,
    archiveOwnerRemove: `DELETE FROM ${archiveOwners} WHERE bucket = ? AND owner = ?`,
    archiveMonthAdd: `INSERT INTO ${archiveMonths} (shard, bucket) VALUES (0, ?)`,
    archiveMonthsUpTo: `SELECT bucket FROM ${archiveMonths} WHERE shard = 0 AND bucket <= ?`,
    archiveMonthRemove: `DELETE FROM ${archiveMonths} WHERE shard = 0 AND bucket = ?`,
    archivePrefsGet: `SELECT prefs FROM ${archivePrefs} WHERE owner = ?`,
    archivePrefsPut: `INSERT INTO ${archivePrefs} (owner, prefs) VALUES (?, ?)`,
    archivePrefsDelete: `DELETE FROM ${archivePrefs} WHERE owner = ?`,

    accountDataGet: `SELECT value FROM ${accountData} WHERE owner = ? AND doc_key = ?`,
    accountDataPut: `INSERT INTO ${accountData} (owner, doc_key, value) VALUES (?, ?, ?)`,
    accountDataDelete: `DELETE FROM ${accountData} WHERE owner = ? AND doc_key = ?`,
    accountDataKeys: `SELECT doc_key FROM ${accountData} WHERE owner = ? AND doc_key >= ? AND doc_key < ?`,
    accountDataKeysLimit: `SELECT doc_key FROM ${accountData} WHERE owner = ? AND doc_key >= ? AND doc_key < ? LIMIT ?`,
    accountDataDeleteAll: `DELETE FROM ${accountData} WHERE owner = ?`,
  } as const;
}

export type ScyllaStatements = ReturnType<typeof scyllaStatements>;
