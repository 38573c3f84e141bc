import { CLIENT_STATE_VERSION, DEFAULT_CLIENT_STATE, MAX_CLIENT_STATE_CHARS, clientStateCode, decodeClientState, encodeClientState } from './resumed-client-state.js';

describe('the client state carried across a resumption (carbons, CSI)', () => {
  test('round-trips every combination, and the code tells them apart', () => {
    const states = [false, true].flatMap((carbons) => [false, true].map((inactive) => ({ carbons, inactive })));
    for (const state of states) expect(decodeClientState(encodeClientState(state))).toEqual(state);
    expect(new Set(states.map(clientStateCode)).size).toBe(4);
  });

  test('a record without the field (the previous release) or with an unreadable one resumes active without carbons', () => {
    for (const raw of [undefined, '', 'not json', '[]', 'null', JSON.stringify({ c: 1, i: 1 }), JSON.stringify({ v: 0, c: 1 }), `{"v":1,"c":1,"x":"${'a'.repeat(MAX_CLIENT_STATE_CHARS)}"}`]) {
      expect(decodeClientState(raw)).toEqual(DEFAULT_CLIENT_STATE);
    }
  });

  test('a later version is read for the keys this one knows', () => {
    expect(decodeClientState(JSON.stringify({ v: CLIENT_STATE_VERSION + 1, c: 1, i: 0, push: 'x' }))).toEqual({ carbons: true, inactive: false });
  });
});
