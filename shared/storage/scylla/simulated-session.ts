// For tests without a server: an in-memory CqlSession that understands exactly the statements of
// statements.ts, with ScyllaDB's semantics where the stores depend on them (conditional writes and
// batches, the static row of an emptied partition, UTF-8 clustering order, parameter types as the
// driver encodes them with useBigIntAsLong). Every call yields to the event loop, so concurrent
// callers interleave, and conditional writes can be made to time out (`casTimeoutRate`) before or
// after being applied. It proves the stores' logic, NOT that the CQL is accepted by a server.
import { compareUtf8 } from './account-index.js';
import type { CqlRow, CqlSession, CqlStatement } from './cql-session.js';
import { scyllaStatements } from './statements.js';
import { runArchiveStatement, simulatedArchive, type SimulatedArchive } from './simulated-archive.js';

type Name = keyof ReturnType<typeof scyllaStatements>;
type Params = readonly unknown[];
interface OfflinePartition {
  lastSeq: bigint | null;
  rows: Map<bigint, { xml: string; storedAt: Date; pushId: string }>;
}

export interface SimulatedDatabase {
  accounts: Map<string, { credentials: string; createdAt: Date }>;
  accountIndex: Map<number, Set<string>>;
  rosters: Map<string, { version: bigint; roster: string; recentWrites: string[] }>;
  offline: Map<string, OfflinePartition>;
  components: Map<string, { secret: string; createdAt: Date }>;
  /** owner → key → value (one partition per owner). */
  accountData: Map<string, Map<string, string>>;
  archive: SimulatedArchive;
}

export const simulatedDatabase = (): SimulatedDatabase => ({
  accounts: new Map(),
  accountIndex: new Map(),
  rosters: new Map(),
  offline: new Map(),
  components: new Map(),
  accountData: new Map(),
  archive: simulatedArchive(),
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function typed<T>(value: unknown, type: 'text' | 'bigint' | 'int' | 'timestamp' | 'uuid', nullable = false): T {
  if (value === null && nullable) return value as T;
  const ok = {
    text: typeof value === 'string',
    bigint: typeof value === 'bigint',
    int: Number.isInteger(value) && Math.abs(value as number) < 2 ** 31,
    timestamp: value instanceof Date,
    uuid: typeof value === 'string' && UUID_RE.test(value),
  }[type];
  if (!ok) throw new TypeError(`simulated driver: ${String(value)} (${typeof value}) is not a valid ${type}`);
  return value as T;
}

const uuids = (value: unknown): string[] => {
  if (!Array.isArray(value)) throw new TypeError('simulated driver: a list<uuid> must be an array');
  return value.map((id) => typed<string>(id, 'uuid'));
};
const applied = (ok: boolean, current: CqlRow = {}): CqlRow[] => [{ '[applied]': ok, ...current }];
const casTimeout = () => Object.assign(new Error('simulated CAS write timeout'), { code: 0x1100, writeType: 'CAS' });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads and unconditional writes, by statement name. */
function run(db: SimulatedDatabase, name: Name, p: Params): CqlRow[] {
  const text = (i: number) => typed<string>(p[i], 'text');
  const partition = (owner: string) => db.offline.get(owner);
  const offlineRows = (owner: string, limit?: number) => {
    const part = partition(owner);
    if (!part) return [];
    const seqs = [...part.rows.keys()].sort((a, b) => (a < b ? -1 : 1)).slice(0, limit);
    // An emptied partition still has its static row: one row with null clustering columns.
    if (seqs.length === 0) return [{ seq: null, xml: null, stored_at: null, last_seq: part.lastSeq }];
    return seqs.map((seq) => ({ seq, xml: part.rows.get(seq)!.xml, stored_at: part.rows.get(seq)!.storedAt, last_seq: part.lastSeq }));
  };
  const indexAfter = (bucket: number, after: string) =>
    [...(db.accountIndex.get(bucket) ?? [])].filter((jid) => compareUtf8(jid, after) > 0).sort(compareUtf8).map((jid) => ({ jid }));
  switch (name) {
    case 'accountGet': {
      const a = db.accounts.get(text(0));
      return a ? [{ credentials: a.credentials, created_at: a.createdAt }] : [];
    }
    case 'indexAdd': {
      const bucket = typed<number>(p[0], 'int');
      db.accountIndex.set(bucket, (db.accountIndex.get(bucket) ?? new Set()).add(text(1)));
      return [];
    }
    case 'indexRemove':
      db.accountIndex.get(typed<number>(p[0], 'int'))?.delete(text(1));
      return [];
    case 'indexPage':
      return indexAfter(typed(p[0], 'int'), text(1)).slice(0, typed<number>(p[2], 'int'));
    case 'indexAll':
      return indexAfter(typed(p[0], 'int'), text(1));
    case 'rosterGet': {
      const r = db.rosters.get(text(0));
      return r ? [{ version: r.version, roster: r.roster, recent_writes: r.recentWrites }] : [];
    }
    case 'rosterImport':
      db.rosters.set(text(0), { version: typed(p[1], 'bigint'), roster: text(2), recentWrites: uuids(p[3]) });
      return [];
    case 'offlineState':
      return offlineRows(text(0), typed<number>(p[1], 'int')).map(({ seq, last_seq }) => ({ seq, last_seq }));
    case 'offlineInsert': {
      const owner = text(0);
      const part = partition(owner) ?? { lastSeq: null, rows: new Map() };
      part.rows.set(typed(p[1], 'bigint'), { xml: text(2), storedAt: typed(p[3], 'timestamp'), pushId: typed(p[4], 'uuid') });
      db.offline.set(owner, part);
      return [];
    }
    case 'offlineDelete':
      partition(text(0))?.rows.delete(typed(p[1], 'bigint'));
      return [];
    case 'offlinePushId': {
      const row = partition(text(0))?.rows.get(typed(p[1], 'bigint'));
      return row ? [{ push_id: row.pushId }] : [];
    }
    case 'offlineList':
    case 'offlineListLimit':
      return offlineRows(text(0), name === 'offlineListLimit' ? typed<number>(p[1], 'int') : undefined).map(({ last_seq: _, ...row }) => row);
    case 'offlineSeqs':
      return offlineRows(text(0)).map(({ seq }) => ({ seq }));
    case 'componentGet': {
      const c = db.components.get(text(0));
      return c ? [{ secret: c.secret, created_at: c.createdAt }] : [];
    }
    case 'componentList':
      return [...db.components].map(([domain, c]) => ({ domain, secret: c.secret, created_at: c.createdAt }));
    case 'accountDataGet': {
      const value = db.accountData.get(text(0))?.get(text(1));
      return value === undefined ? [] : [{ value }];
    }
    case 'accountDataPut': {
      const owner = text(0);
      db.accountData.set(owner, (db.accountData.get(owner) ?? new Map()).set(text(1), text(2)));
      return [];
    }
    case 'accountDataDelete':
      db.accountData.get(text(0))?.delete(text(1));
      return [];
    case 'accountDataKeys':
    case 'accountDataKeysLimit': {
      const [from, below] = [text(1), text(2)];
      const keys = [...(db.accountData.get(text(0))?.keys() ?? [])]
        .filter((key) => compareUtf8(key, from) >= 0 && compareUtf8(key, below) < 0)
        .sort(compareUtf8);
      return keys.slice(0, name === 'accountDataKeysLimit' ? typed<number>(p[3], 'int') : undefined).map((key) => ({ doc_key: key }));
    }
    case 'accountDataDeleteAll':
      db.accountData.delete(text(0));
      return [];
    default: {
      const archiveRows = runArchiveStatement(db.archive, name, p, typed);
      if (archiveRows) return archiveRows;
      throw new Error(`simulated session: ${name} is conditional or unknown here`);
    }
  }
}

/** Conditional statements: the condition is checked and the write applied in one step, like Paxos. */
function runConditional(db: SimulatedDatabase, name: Name, p: Params): CqlRow[] {
  const text = (i: number) => typed<string>(p[i], 'text');
  switch (name) {
    case 'accountCreate':
      if (db.accounts.has(text(0))) return applied(false);
      db.accounts.set(text(0), { credentials: text(1), createdAt: typed(p[2], 'timestamp') });
      return applied(true);
    case 'accountSetCredentials': {
      const account = db.accounts.get(text(1));
      if (account) account.credentials = text(0);
      return applied(account !== undefined);
    }
    case 'accountDelete':
      return applied(db.accounts.delete(text(0)));
    case 'rosterCreate':
      if (db.rosters.has(text(0))) return applied(false);
      db.rosters.set(text(0), { version: typed(p[1], 'bigint'), roster: text(2), recentWrites: uuids(p[3]) });
      return applied(true);
    case 'rosterReplace': {
      const current = db.rosters.get(text(3));
      if (current?.version !== typed<bigint>(p[4], 'bigint')) return applied(false, { version: current?.version ?? null });
      db.rosters.set(text(3), { version: typed(p[0], 'bigint'), roster: text(1), recentWrites: uuids(p[2]) });
      return applied(true);
    }
    case 'rosterDelete':
      return applied(db.rosters.delete(text(0)));
    case 'componentCreate':
      if (db.components.has(text(0))) return applied(false);
      db.components.set(text(0), { secret: text(1), createdAt: typed(p[2], 'timestamp') });
      return applied(true);
    case 'componentRekey': {
      const component = db.components.get(text(1));
      if (component) component.secret = text(0);
      return applied(component !== undefined);
    }
    case 'componentDelete':
      return applied(db.components.delete(text(0)));
    default:
      return run(db, name, p);
  }
}

export interface SimulatedSessionOptions {
  /** Share of conditional writes on rosters and offline messages that time out (0..1). */
  casTimeoutRate?: number;
}

export function simulatedSession(db: SimulatedDatabase, keyspace: string, options: SimulatedSessionOptions = {}): CqlSession {
  const names = new Map<string, Name>(Object.entries(scyllaStatements(keyspace)).map(([name, query]) => [query, name as Name]));
  const nameOf = (query: string): Name => {
    const name = names.get(query);
    if (!name) throw new Error(`simulated session: unknown statement ${query}`);
    return name;
  };
  const mayTimeOut = (name: string) => /^(roster|offline)/.test(name) && Math.random() < (options.casTimeoutRate ?? 0);
  const conditional = async (name: string, write: () => CqlRow[]): Promise<CqlRow[]> => {
    await tick();
    if (mayTimeOut(name) && Math.random() < 0.5) throw casTimeout(); // lost before it was applied
    const rows = write();
    await tick();
    if (mayTimeOut(name)) throw casTimeout(); // applied, but the answer was lost
    return rows;
  };
  const execute = async (query: string, params: Params): Promise<CqlRow[]> => {
    const name = nameOf(query);
    if (query.includes(' IF ')) return conditional(name, () => runConditional(db, name, params));
    await tick();
    return run(db, name, params);
  };
  const batch = async (statements: readonly CqlStatement[]): Promise<CqlRow[]> => {
    const [guard, ...rest] = statements;
    if (nameOf(guard.query) !== 'offlineGuard' || rest.some((s) => nameOf(s.query) === 'offlineGuard')) {
      throw new Error('simulated session: only offline batches (guard first) are known');
    }
    const [newLast, ownerParam, expected] = guard.params;
    const owner = typed<string>(ownerParam, 'text');
    for (const s of rest) if (s.params[0] !== owner) throw new Error('simulated session: a batch spans two partitions');
    return conditional('offlineBatch', () => {
      const part = db.offline.get(owner);
      const current = part?.lastSeq ?? null;
      if (current !== typed<bigint | null>(expected, 'bigint', true)) return applied(false, { last_seq: current });
      db.offline.set(owner, { lastSeq: typed(newLast, 'bigint'), rows: part?.rows ?? new Map() });
      for (const s of rest) run(db, nameOf(s.query), s.params);
      return applied(true);
    });
  };
  return { execute: (query, params) => execute(query, params), readAll: execute, batch };
}
