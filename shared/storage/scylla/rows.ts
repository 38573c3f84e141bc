// Row ↔ object mapping, without the driver: the driver is set to return bigint columns as BigInt
// and timestamps as Date; credentials and rosters are JSON text (they are read whole, never
// queried by field, and JSON keeps them readable in cqlsh).
import type { Account, AccountCredentials, ComponentRecord, OfflineMessage, Roster } from '../types.js';
import type { CqlRow } from './cql-session.js';

export const emptyRoster = (): Roster => ({ version: 0, items: [], pendingIn: [] });

/** Milliseconds since the epoch of a timestamp column (Date from the driver). */
export function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  throw new Error(`ScyllaDB: expected a timestamp, got ${typeof value}`);
}

/** A bigint column (version, seq); null/undefined for a missing cell. */
export function toBigInt(value: unknown): bigint | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  return BigInt(String(value)); // a driver Long
}

function parseJson<T>(text: unknown, what: string, valid: (value: unknown) => boolean): T {
  if (typeof text !== 'string') throw new Error(`ScyllaDB: ${what} is missing`);
  const value: unknown = JSON.parse(text);
  if (!valid(value)) throw new Error(`ScyllaDB: ${what} is not in the expected shape`);
  return value as T;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export const credentialsToText = (credentials: AccountCredentials): string => JSON.stringify(credentials);

export function accountFromRow(jid: string, row: CqlRow): Account {
  const credentials = parseJson<AccountCredentials>(
    row.credentials,
    `credentials of ${jid}`,
    (v) => isObject(v) && isObject(v['SCRAM-SHA-1']) && isObject(v['SCRAM-SHA-256']),
  );
  return { jid, credentials, createdAt: toMillis(row.created_at) };
}

/** The roster column: everything but the version, which is its own column for IF version = ?. */
export const rosterToText = ({ items, pendingIn }: Roster): string => JSON.stringify({ items, pendingIn });

export interface StoredRoster {
  roster: Roster;
  /** null: no row yet (the next write is INSERT … IF NOT EXISTS). */
  version: bigint | null;
  /** Ids of the last RECENT_ROSTER_WRITES writes, oldest first. */
  recentWrites: string[];
}

/** Enough to recognise our write right after a timeout, however many writers followed it meanwhile. */
export const RECENT_ROSTER_WRITES = 16;

/** The recent_writes value of a write following `stored`. */
export const recentWritesAfter = (stored: StoredRoster, writeId: string): string[] =>
  [...stored.recentWrites, writeId].slice(-RECENT_ROSTER_WRITES);

export function storedRosterFromRow(owner: string, row: CqlRow | undefined): StoredRoster {
  const version = row ? toBigInt(row.version) : null;
  if (!row || version === null) return { roster: emptyRoster(), version: null, recentWrites: [] };
  const body = parseJson<Pick<Roster, 'items' | 'pendingIn'>>(
    row.roster,
    `roster of ${owner}`,
    (v) => isObject(v) && Array.isArray(v.items) && Array.isArray(v.pendingIn),
  );
  const recentWrites = Array.isArray(row.recent_writes) ? row.recent_writes.map(String) : []; // driver Uuids
  return { roster: { version: Number(version), items: body.items, pendingIn: body.pendingIn }, version, recentWrites };
}

/** Offline rows whose seq is null are the static row of a partition with no messages left. */
export function offlineMessagesFromRows(rows: readonly CqlRow[]): OfflineMessage[] {
  const messages: OfflineMessage[] = [];
  for (const row of rows) {
    const seq = toBigInt(row.seq);
    if (seq !== null) messages.push({ id: seq.toString(), xml: String(row.xml), storedAt: toMillis(row.stored_at) });
  }
  return messages;
}

export const seqsFromRows = (rows: readonly CqlRow[]): bigint[] =>
  rows.map((row) => toBigInt(row.seq)).filter((seq): seq is bigint => seq !== null);

const MAX_BIGINT = (1n << 63n) - 1n;

/** The ids `push` could have made (decimal, fitting a CQL bigint); others are ignored like in LMDB. */
export function offlineIdsToSeqs(ids: readonly string[]): bigint[] {
  const seqs = ids.filter((id) => /^\d{1,19}$/.test(id)).map(BigInt);
  return [...new Set(seqs.filter((seq) => seq <= MAX_BIGINT))];
}

/**
 * Above the user's last seq and at least the current time in µs (as LMDB does), so ids also keep
 * increasing if a partition was dropped by hand: a late acknowledgement never removes a newer message.
 */
export function nextOfflineSeq(lastSeq: bigint | null, nowMs: number): bigint {
  const afterLast = (lastSeq ?? 0n) + 1n;
  const fromClock = BigInt(Math.trunc(nowMs)) * 1000n;
  return afterLast > fromClock ? afterLast : fromClock;
}

export function componentFromRow(domain: string, row: CqlRow): ComponentRecord {
  return { domain, secret: String(row.secret), createdAt: toMillis(row.created_at) };
}
