import type { AccountCredentials, Roster } from '../types.js';
import {
  accountFromRow,
  componentFromRow,
  credentialsToText,
  nextOfflineSeq,
  offlineIdsToSeqs,
  offlineMessagesFromRows,
  RECENT_ROSTER_WRITES,
  recentWritesAfter,
  rosterToText,
  seqsFromRows,
  storedRosterFromRow,
  toBigInt,
} from './rows.js';

const keys = { salt: 'c2FsdA==', iterations: 4096, storedKey: 'c3Q=', serverKey: 'c2U=' };
const credentials: AccountCredentials = { 'SCRAM-SHA-1': keys, 'SCRAM-SHA-256': { ...keys, iterations: 8192 } };

describe('ScyllaDB row mapping', () => {
  test('an account row round-trips its credentials, the timestamp becomes milliseconds', () => {
    const row = { credentials: credentialsToText(credentials), created_at: new Date(1_700_000_000_123) };
    expect(accountFromRow('a@x', row)).toEqual({ jid: 'a@x', credentials, createdAt: 1_700_000_000_123 });
  });

  test('credentials of the wrong shape are refused with the JID in the message', () => {
    expect(() => accountFromRow('a@x', { credentials: '{"SCRAM-SHA-1":{}}', created_at: new Date() })).toThrow('credentials of a@x');
  });

  test('a roster row: version from bigint, items and pendingIn from JSON, recent writes as strings', () => {
    const roster: Roster = {
      version: 7,
      items: [{ jid: 'b@x', name: 'B', subscription: 'both', ask: 'subscribe', approved: true, groups: ['g'] }],
      pendingIn: [{ jid: 'c@x', status: 'hi' }],
    };
    const uuid = { toString: () => '0b6f8e0e-6c3a-4e2b-9d7e-1f2a3b4c5d6e' }; // a driver Uuid
    const stored = storedRosterFromRow('a@x', { version: 7n, roster: rosterToText(roster), recent_writes: [uuid] });
    expect(stored).toEqual({ roster, version: 7n, recentWrites: ['0b6f8e0e-6c3a-4e2b-9d7e-1f2a3b4c5d6e'] });
    expect(JSON.parse(rosterToText(roster))).not.toHaveProperty('version'); // its own column
  });

  test('no roster row is an empty roster at version 0, with no stored version', () => {
    expect(storedRosterFromRow('a@x', undefined)).toEqual({
      roster: { version: 0, items: [], pendingIn: [] },
      version: null,
      recentWrites: [],
    });
  });

  test('recent writes keep the last few ids only', () => {
    const ids = Array.from({ length: RECENT_ROSTER_WRITES }, (_, i) => `id-${i}`);
    const after = recentWritesAfter({ roster: { version: 1, items: [], pendingIn: [] }, version: 1n, recentWrites: ids }, 'new');
    expect(after).toHaveLength(RECENT_ROSTER_WRITES);
    expect(after[0]).toBe('id-1');
    expect(after.at(-1)).toBe('new');
  });

  test('offline rows become messages with decimal ids; the static-only row is skipped', () => {
    const at = new Date(1_700_000_000_000);
    const rows = [
      { seq: 1_700_000_000_000_001n, xml: '<m/>', stored_at: at },
      { seq: null, xml: null, stored_at: null },
    ];
    expect(offlineMessagesFromRows(rows)).toEqual([{ id: '1700000000000001', xml: '<m/>', storedAt: 1_700_000_000_000 }]);
    expect(seqsFromRows([{ seq: 5n }, { seq: null }])).toEqual([5n]);
  });

  test('only ids push could have made are removed: decimal, within bigint, no duplicates', () => {
    expect(offlineIdsToSeqs(['12', '12', 'not-an-id', '-3', '1.5', '9223372036854775807', '9223372036854775808'])).toEqual([
      12n,
      9223372036854775807n,
    ]);
  });

  test('the next seq is above the last one and at least the clock in µs', () => {
    expect(nextOfflineSeq(null, 1000)).toBe(1_000_000n);
    expect(nextOfflineSeq(5_000_000n, 1000)).toBe(5_000_001n);
    expect(nextOfflineSeq(10n, 2000)).toBe(2_000_000n);
  });

  test('bigint columns from the driver (BigInt, Long, number) and missing cells', () => {
    expect(toBigInt(3n)).toBe(3n);
    expect(toBigInt({ toString: () => '42' })).toBe(42n);
    expect(toBigInt(7)).toBe(7n);
    expect(toBigInt(null)).toBeNull();
  });

  test('a component row', () => {
    expect(componentFromRow('muc.x', { secret: 's', created_at: new Date(5) })).toEqual({ domain: 'muc.x', secret: 's', createdAt: 5 });
  });
});
