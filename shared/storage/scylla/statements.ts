// Every statement the stores run, for one keyspace. Table names are qualified with the keyspace
// (validated as a plain CQL name in config), so no session-wide USE is needed.
// The tables and why they look like this: schema.ts.

export function scyllaStatements(keyspace: string) {
  const accounts = `${keyspace}.accounts`;
  const accountIndex = `${keyspace}.account_index`;
  const rosters = `${keyspace}.rosters`;
  const offline = `${keyspace}.offline_messages`;
  const components = `${keyspace}.components`;
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
  } as const;
}

export type ScyllaStatements = ReturnType<typeof scyllaStatements>;
