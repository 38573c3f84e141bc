import { checkRequest, isEmptyRequest, type RequestContext } from './bosh-request-rules.js';
import type { BoshBody } from './bosh-body.js';

const body = (attrs: Record<string, string>, children = 0): BoshBody => ({ attrs, children: Array.from({ length: children }, () => ({}) as never) });

function context(over: Partial<RequestContext> = {}): RequestContext {
  return {
    lastRid: 100,
    requests: 2,
    unanswered: 0,
    ahead: new Set<number>(),
    maxPauseSeconds: 120,
    pollingSeconds: 2,
    history: { polling: false, lastNewRequestAt: 0, lastWasEmpty: false, lastAnswerEmpty: false },
    now: 10_000,
    ...over,
  };
}

describe('XEP-0124 request rules', () => {
  test('the next rids within the window are accepted (§14.2)', () => {
    expect(checkRequest(body({ rid: '101' }), context())).toEqual({ kind: 'accept' });
    expect(checkRequest(body({ rid: '102' }, 1), context())).toEqual({ kind: 'accept' });
  });

  test('a rid beyond the window is item-not-found; one more is allowed to pause or terminate (§14.2, §11)', () => {
    expect(checkRequest(body({ rid: '103' }, 1), context())).toEqual({ kind: 'terminate', condition: 'item-not-found' });
    expect(checkRequest(body({ rid: '103', type: 'terminate' }), context())).toEqual({ kind: 'accept' });
    expect(checkRequest(body({ rid: '103', pause: '60' }), context())).toEqual({ kind: 'accept' });
  });

  test('a rid already received is a repeat, whether processed or waiting ahead (§14.3)', () => {
    expect(checkRequest(body({ rid: '99' }), context())).toEqual({ kind: 'repeat', rid: 99 });
    expect(checkRequest(body({ rid: '102' }), context({ ahead: new Set([102]), unanswered: 1 }))).toEqual({ kind: 'repeat', rid: 102 });
  });

  test('a missing or non-numeric rid is bad-request', () => {
    expect(checkRequest(body({}), context())).toEqual({ kind: 'terminate', condition: 'bad-request' });
    expect(checkRequest(body({ rid: '1e3x' }), context())).toEqual({ kind: 'terminate', condition: 'bad-request' });
  });

  test('more unanswered requests than `requests` is policy-violation (§11)', () => {
    expect(checkRequest(body({ rid: '101' }, 1), context({ unanswered: 2 }))).toEqual({ kind: 'terminate', condition: 'policy-violation' });
    expect(checkRequest(body({ rid: '101', type: 'terminate' }), context({ unanswered: 2 }))).toEqual({ kind: 'accept' });
  });

  test('an empty request filling `requests` sooner than `polling` after the last is policy-violation (§11)', () => {
    const recent = context({ unanswered: 1, history: { polling: false, lastNewRequestAt: 9_000, lastWasEmpty: true, lastAnswerEmpty: true } });
    expect(checkRequest(body({ rid: '101' }), recent)).toEqual({ kind: 'terminate', condition: 'policy-violation' });
    expect(checkRequest(body({ rid: '101' }, 1), recent)).toEqual({ kind: 'accept' }); // with a payload
    expect(checkRequest(body({ rid: '101' }), { ...recent, now: 11_001 })).toEqual({ kind: 'accept' }); // polling seconds later
  });

  test('in a polling session, two empty requests sooner than `polling` after an empty answer are policy-violation (§12)', () => {
    const polling = { polling: true, lastNewRequestAt: 9_000, lastWasEmpty: true, lastAnswerEmpty: true };
    expect(checkRequest(body({ rid: '101' }), context({ requests: 1, history: polling }))).toEqual({ kind: 'terminate', condition: 'policy-violation' });
    expect(checkRequest(body({ rid: '101' }), context({ requests: 1, history: { ...polling, lastAnswerEmpty: false } }))).toEqual({ kind: 'accept' });
  });

  test('pause beyond maxpause, or when none was announced, is policy-violation (§10)', () => {
    expect(checkRequest(body({ rid: '101', pause: '121' }), context())).toEqual({ kind: 'terminate', condition: 'policy-violation' });
    expect(checkRequest(body({ rid: '101', pause: '30' }), context({ maxPauseSeconds: 0 }))).toEqual({ kind: 'terminate', condition: 'policy-violation' });
    expect(checkRequest(body({ rid: '101', pause: '30' }), context())).toEqual({ kind: 'accept' });
  });

  test('restart, pause and terminate requests are not empty ones', () => {
    expect(isEmptyRequest(body({ rid: '1' }))).toBe(true);
    expect(isEmptyRequest(body({ rid: '1', 'xmpp:restart': 'true' }))).toBe(false);
    expect(isEmptyRequest(body({ rid: '1', pause: '5' }))).toBe(false);
    expect(isEmptyRequest(body({ rid: '1', type: 'terminate' }))).toBe(false);
    expect(isEmptyRequest(body({ rid: '1' }, 1))).toBe(false);
  });
});
