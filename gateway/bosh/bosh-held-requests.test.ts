import { jest } from '@jest/globals';
import { HeldRequests, type HttpExchange } from './bosh-held-requests.js';

/** An exchange whose response body is recorded instead of sent. */
function exchange(): HttpExchange & { sent: string[] } {
  const sent: string[] = [];
  const res = { cork: (f: () => void) => f(), writeStatus: () => res, writeHeader: () => res, end: (b: string) => { sent.push(b); } };
  return { res: res as never, aborted: false, sent };
}

function held(over: { acks?: boolean; lastRid?: number } = {}) {
  let lastRid = over.lastRid ?? 10;
  const noneHeld = jest.fn();
  const h = new HeldRequests({ wait: 30, requests: 2, acks: over.acks ?? false, lastRid: () => lastRid, onNoneHeld: noneHeld });
  return { h, noneHeld, setLastRid: (r: number) => { lastRid = r; } };
}

describe('BOSH held requests (XEP-0124 §8, §9, §14.3)', () => {
  afterEach(() => jest.useRealTimers());

  test('the oldest held request is answered first, with the payloads given', () => {
    const { h, noneHeld } = held();
    const [a, b] = [exchange(), exchange()];
    h.add(9, a);
    h.add(10, b);
    h.answerOldest('<message/>');
    expect(a.sent[0]).toContain('<message/>');
    expect(b.sent).toEqual([]);
    h.keepAtMost(0);
    expect(b.sent[0]).toMatch(/^<body [^>]*\/>$/);
    expect(noneHeld).toHaveBeenCalledTimes(1);
  });

  test('a held request is answered empty after wait', () => {
    jest.useFakeTimers();
    const { h } = held();
    const a = exchange();
    h.add(10, a);
    jest.advanceTimersByTime(29_000);
    expect(a.sent).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(a.sent[0]).toMatch(/^<body [^>]*\/>$/);
  });

  test('responses are kept for repeats, the last `requests` only', () => {
    const { h } = held();
    const a = exchange();
    h.add(10, a);
    h.answerOldest('<presence/>');
    expect(h.cached(10)).toBe(a.sent[0]);
    h.forgetUpTo(11);
    expect(h.cached(10)).toBe(a.sent[0]);
    h.forgetUpTo(12);
    expect(h.cached(10)).toBeUndefined();
  });

  test('a repeated held request takes over: the answer goes to the new connection', () => {
    const { h } = held();
    const [lost, retry] = [exchange(), exchange()];
    h.add(10, lost);
    expect(h.takeOver(10, retry)).toBe(true);
    expect(h.takeOver(11, exchange())).toBe(false);
    h.answerOldest('<message/>');
    expect(lost.sent).toEqual([]);
    expect(retry.sent[0]).toContain('<message/>');
  });

  test("with acks, a response carries 'ack' unless it is its own rid (§9.1)", () => {
    const { h, setLastRid } = held({ acks: true, lastRid: 10 });
    const [a, b] = [exchange(), exchange()];
    h.add(10, a);
    setLastRid(11);
    h.add(11, b);
    h.answerOldest();
    h.answerOldest();
    expect(a.sent[0]).toContain("ack='11'");
    expect(b.sent[0]).not.toContain('ack=');
  });

  test('drain answers every held request and keeps nothing', () => {
    const { h } = held();
    const [a, b] = [exchange(), exchange()];
    h.add(9, a);
    h.add(10, b);
    h.drain("<body type='terminate'/>");
    expect([a.sent, b.sent]).toEqual([["<body type='terminate'/>"], ["<body type='terminate'/>"]]);
    expect(h.count).toBe(0);
    expect(h.kept()).toEqual([]);
  });
});
