// The few things the stores need from cassandra-driver, as one small interface: the stores stay
// independent of the driver's types, and tests can run them against a simulated session.
import cassandra from 'cassandra-driver';

export type CqlRow = Readonly<Record<string, unknown>>;
export interface CqlStatement {
  query: string;
  params: readonly unknown[];
}

export interface CqlSession {
  /** One prepared statement; resolves the rows of its first page (enough for point reads and writes). */
  execute(query: string, params: readonly unknown[], options?: { serial?: boolean }): Promise<CqlRow[]>;
  /** Every row of a read, page by page. */
  readAll(query: string, params: readonly unknown[]): Promise<CqlRow[]>;
  /** A batch on ONE partition (a conditional batch when a statement has IF). */
  batch(statements: readonly CqlStatement[]): Promise<CqlRow[]>;
}

/** Whether a conditional statement or batch was applied (the `[applied]` column; no rows: a plain write). */
export function wasApplied(rows: readonly CqlRow[]): boolean {
  return rows.length === 0 || rows[0]['[applied]'] !== false;
}

const WRITE_TIMEOUT = 0x1100; // protocol error code (native protocol spec §9)

/**
 * A conditional write that timed out (writeType CAS, e.g. Paxos contention): it may or may not
 * have been applied, and may still be. Callers find out with a SERIAL read of a token they wrote.
 */
export function isCasOutcomeUnknown(error: unknown): boolean {
  const e = error as { code?: unknown; writeType?: unknown } | null;
  return e?.code === WRITE_TIMEOUT && e.writeType === 'CAS';
}

const { consistencies } = cassandra.types;
const CONSISTENCY_BY_NAME: Record<string, cassandra.types.consistencies> = {
  ONE: consistencies.one,
  TWO: consistencies.two,
  THREE: consistencies.three,
  QUORUM: consistencies.quorum,
  ALL: consistencies.all,
  LOCAL_QUORUM: consistencies.localQuorum,
  EACH_QUORUM: consistencies.eachQuorum,
  LOCAL_ONE: consistencies.localOne,
};

/** The driver's consistency for a configured name, and the SERIAL level that goes with it. */
export function consistencyLevels(name: string): { consistency: number; serialConsistency: number } {
  const consistency = CONSISTENCY_BY_NAME[name];
  if (consistency === undefined) throw new Error(`unknown consistency level ${name}`);
  // LOCAL_SERIAL keeps Paxos inside the local data center, like LOCAL_QUORUM does for the rest.
  const serialConsistency = name.startsWith('LOCAL_') ? consistencies.localSerial : consistencies.serial;
  return { consistency, serialConsistency };
}

/** A session over a connected client; every statement is prepared once and reused. */
export function driverSession(client: cassandra.Client, consistencyName: string): CqlSession & { drain(): Promise<void> } {
  const { consistency, serialConsistency } = consistencyLevels(consistencyName);
  const options = { prepare: true, consistency, serialConsistency };
  // A SERIAL read goes through Paxos: it sees (and completes) any conditional write in flight.
  const serialRead = { ...options, consistency: serialConsistency };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(request: Promise<T>): Promise<T> => {
    inFlight.add(request);
    void request.then(
      () => inFlight.delete(request),
      () => inFlight.delete(request),
    );
    return request;
  };
  return {
    execute: (query, params, opts) =>
      track(client.execute(query, [...params], opts?.serial ? serialRead : options).then((result) => result.rows ?? [])),
    readAll: (query, params) =>
      track(
        (async () => {
          const rows: CqlRow[] = [];
          for await (const row of await client.execute(query, [...params], options)) rows.push(row);
          return rows;
        })(),
      ),
    batch: (statements) =>
      track(client.batch(statements.map(({ query, params }) => ({ query, params: [...params] })), options).then((r) => r.rows ?? [])),
    /** Resolves once no request is in flight (the next step of a running operation counts too). */
    drain: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
