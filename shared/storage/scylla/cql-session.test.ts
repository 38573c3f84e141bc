import cassandra from 'cassandra-driver';
import { consistencyLevels, isCasOutcomeUnknown, wasApplied } from './cql-session.js';

const { consistencies } = cassandra.types;

describe('cql session helpers', () => {
  test('applied: the [applied] column, or a plain write with no rows', () => {
    expect(wasApplied([])).toBe(true);
    expect(wasApplied([{ '[applied]': true }])).toBe(true);
    expect(wasApplied([{ '[applied]': false, version: 3n }])).toBe(false);
  });

  test('only a CAS write timeout has an unknown outcome', () => {
    expect(isCasOutcomeUnknown(Object.assign(new Error('t'), { code: 0x1100, writeType: 'CAS' }))).toBe(true);
    expect(isCasOutcomeUnknown(Object.assign(new Error('t'), { code: 0x1100, writeType: 'SIMPLE' }))).toBe(false);
    expect(isCasOutcomeUnknown(Object.assign(new Error('t'), { code: 0x1200 }))).toBe(false);
    expect(isCasOutcomeUnknown(undefined)).toBe(false);
  });

  test('LOCAL_* levels pair with LOCAL_SERIAL, the others with SERIAL', () => {
    expect(consistencyLevels('LOCAL_QUORUM')).toEqual({ consistency: consistencies.localQuorum, serialConsistency: consistencies.localSerial });
    expect(consistencyLevels('QUORUM')).toEqual({ consistency: consistencies.quorum, serialConsistency: consistencies.serial });
    expect(() => consistencyLevels('SOMETIMES')).toThrow('unknown consistency level');
  });
});

describe('driver session', () => {
  function stubDriver() {
    const calls: Array<{ kind: string; query: unknown; params: unknown; options: Record<string, unknown> }> = [];
    const result = (rows: unknown[]) => ({
      rows,
      async *[Symbol.asyncIterator]() {
        yield* rows; // the driver fetches further pages here
      },
    });
    const client = {
      execute: async (query: string, params: unknown[], options: Record<string, unknown>) => {
        calls.push({ kind: 'execute', query, params, options });
        return result([{ n: 1 }, { n: 2 }]);
      },
      batch: async (queries: unknown, options: Record<string, unknown>) => {
        calls.push({ kind: 'batch', query: queries, params: undefined, options });
        return result([{ '[applied]': true }]);
      },
    };
    return { client: client as unknown as cassandra.Client, calls };
  }

  test('prepares every statement, at the configured level; SERIAL reads use the serial level', async () => {
    const { driverSession } = await import('./cql-session.js');
    const { client, calls } = stubDriver();
    const session = driverSession(client, 'LOCAL_QUORUM');
    expect(await session.execute('SELECT 1', ['a'])).toEqual([{ n: 1 }, { n: 2 }]);
    await session.execute('SELECT 2', ['a'], { serial: true });
    expect(await session.readAll('SELECT 3', [])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await session.batch([{ query: 'UPDATE', params: [1] }])).toEqual([{ '[applied]': true }]);
    await session.drain();
    const level = { prepare: true, consistency: consistencies.localQuorum, serialConsistency: consistencies.localSerial };
    expect(calls.map((c) => c.options)).toEqual([level, { ...level, consistency: consistencies.localSerial }, level, level]);
    expect(calls[3].query).toEqual([{ query: 'UPDATE', params: [1] }]);
  });
});
