// The session directory record's carbons flag (record version 2) and its compatibility with
// version-1 readers and writers (session-registry.ts encoding).
import { parse } from 'ltx';
import { decodeEntry, decodeEntryRest, encodeEntry } from './session-registry.js';

const PRESENCE = '<presence from="alice@d/phone"><status>a|b</status></presence>';

/** The decoding of the previous release (version 1), kept here to prove it still reads version 2. */
function decodeV1(value: string): { available: boolean; priority: number; presenceXml: string } {
  const parts = value.split('|');
  return { available: parts[2] === '1', priority: Number(parts[3]) || 0, presenceXml: parts.slice(4).join('|') };
}

describe('session directory record: carbons flag', () => {
  test('a version-1 record (no flags segment) reads as carbons off', () => {
    const v1 = `gw-1|s1|1|5|${PRESENCE}`;
    expect(decodeEntry('phone', v1)).toEqual({ resource: 'phone', nodeId: 'gw-1', sessionId: 's1', available: true, priority: 5, presenceXml: PRESENCE });
    expect(decodeEntry('phone', 'gw-1|s1|0|0|')).toEqual({ resource: 'phone', nodeId: 'gw-1', sessionId: 's1', available: false, priority: 0 });
  });

  test('carbons on round-trips, with a presence whose XML contains the separator', () => {
    const value = encodeEntry({ nodeId: 'gw-1', sessionId: 's1', available: true, priority: -3, presenceXml: PRESENCE, carbons: true });
    expect(value).toBe(`gw-1|s1|1|-3|${PRESENCE}|#2,c=1`);
    expect(decodeEntry('phone', value)).toEqual({ resource: 'phone', nodeId: 'gw-1', sessionId: 's1', available: true, priority: -3, presenceXml: PRESENCE, carbons: true });
  });

  test('carbons off writes exactly the version-1 record', () => {
    const value = encodeEntry({ nodeId: 'gw-1', sessionId: 's1', available: true, priority: 0, presenceXml: PRESENCE, carbons: false });
    expect(value).toBe(`gw-1|s1|1|0|${PRESENCE}`);
    expect(decodeEntry('phone', value)?.carbons).toBeUndefined();
  });

  test('a version-1 reader still reads availability, priority and the presence of a version-2 record', () => {
    const value = encodeEntry({ nodeId: 'gw-1', sessionId: 's1', available: true, priority: 7, presenceXml: PRESENCE, carbons: true });
    const old = decodeV1(value);
    expect(old).toMatchObject({ available: true, priority: 7 });
    expect((parse(old.presenceXml) as { toString(): string }).toString()).toBe(PRESENCE); // ltx ignores what follows the root
  });

  test('an unavailable resource (no presence XML yet) carries the flag in its availability, which a version-1 reader sees as unavailable', () => {
    const value = encodeEntry({ nodeId: 'gw-1', sessionId: 's1', available: false, priority: 0, carbons: true });
    expect(value).toBe('gw-1|s1|0#2,c=1|0|');
    expect(decodeEntry('desk', value)).toEqual({ resource: 'desk', nodeId: 'gw-1', sessionId: 's1', available: false, priority: 0, carbons: true });
    expect(decodeV1(value)).toEqual({ available: false, priority: 0, presenceXml: '' }); // no presence: nothing taken for XML
  });

  test('the part after node and session (as the resumption scripts return it) decodes the same way', () => {
    expect(decodeEntryRest(`1|2|${PRESENCE}|#2,c=1`)).toEqual({ available: true, priority: 2, presenceXml: PRESENCE, carbons: true });
    expect(decodeEntryRest(`1|2|${PRESENCE}|#2,x=9`)).toEqual({ available: true, priority: 2, presenceXml: PRESENCE, carbons: false }); // later keys ignored
    expect(decodeEntryRest('')).toEqual({ available: false, priority: 0, carbons: false });
  });
});
