import { jest } from '@jest/globals';
import { Element } from 'ltx';
import { acknowledgedSince, H_MODULUS, lateCopy, nextH, parseH, StreamManagement, UnackedQueue, type StreamManagementOptions } from './stream-management.js';

const msg = (n: number) => new Element('message', { to: 'a@x/r', id: `m${n}` }).c('body').t(`#${n}`).up() as Element;

describe("XEP-0198 'h' arithmetic", () => {
  test('h counts up from 0 and wraps from 2^32 - 1 back to 0', () => {
    expect(nextH(0)).toBe(1);
    expect(nextH(H_MODULUS - 2)).toBe(H_MODULUS - 1);
    expect(nextH(H_MODULUS - 1)).toBe(0);
  });

  test('an ack acknowledges the distance from the previous h, across the wrap', () => {
    expect(acknowledgedSince(0, 5)).toBe(5);
    expect(acknowledgedSince(H_MODULUS - 2, 3)).toBe(5);
    expect(acknowledgedSince(7, 7)).toBe(0);
  });

  test('h attributes are unsigned 32-bit integers, anything else is refused', () => {
    expect(parseH('0')).toBe(0);
    expect(parseH('4294967295')).toBe(H_MODULUS - 1);
    expect(parseH('4294967296')).toBeUndefined();
    expect(parseH('-1')).toBeUndefined();
    expect(parseH('1e3')).toBeUndefined();
    expect(parseH(undefined)).toBeUndefined();
  });
});

describe('the queue of unacknowledged stanzas', () => {
  test('an ack drops exactly the stanzas it covers, oldest first', () => {
    const q = new UnackedQueue(10);
    for (let i = 1; i <= 4; i++) q.push(msg(i));
    expect(q.ack(3)).toEqual({ ok: true, acknowledged: 3 });
    expect(q.pending().map((u) => u.stanza.attrs.id)).toEqual(['m4']);
    expect(q.ack(3)).toEqual({ ok: true, acknowledged: 0 }); // a repeated ack changes nothing
    expect(q.sendCount).toBe(4);
  });

  test('an h above what was sent is refused with the send count (handled-count-too-high)', () => {
    const q = new UnackedQueue(10);
    q.push(msg(1));
    q.push(msg(2));
    expect(q.ack(3)).toEqual({ ok: false, sendCount: 2 });
    expect(q.length).toBe(2);
  });

  test('an h below the previous ack (a client whose counter lags) is ignored, not refused', () => {
    const q = new UnackedQueue(100);
    for (let i = 1; i <= 50; i++) q.push(msg(i));
    expect(q.ack(40)).toEqual({ ok: true, acknowledged: 40 });
    expect(q.ack(5)).toEqual({ ok: true, acknowledged: 0 });
    expect(q.length).toBe(10);
    expect(q.ack(45)).toEqual({ ok: true, acknowledged: 5 });
    expect(q.length).toBe(5);
  });

  test('counts stay right when h wraps past 2^32', () => {
    const q = new UnackedQueue(10);
    // Bring the queue to just below the wrap: 2^32 - 2 stanzas sent and acknowledged.
    (q as unknown as { acked: number }).acked = H_MODULUS - 2;
    for (let i = 1; i <= 5; i++) q.push(msg(i));
    expect(q.sendCount).toBe(3);
    expect(q.ack(1)).toEqual({ ok: true, acknowledged: 3 });
    expect(q.pending().map((u) => u.stanza.attrs.id)).toEqual(['m4', 'm5']);
    expect(q.ack(4)).toEqual({ ok: false, sendCount: 3 });
  });

  test('is bounded: a push beyond the maximum is refused', () => {
    const q = new UnackedQueue(2);
    expect(q.push(msg(1))).toBe(true);
    expect(q.push(msg(2))).toBe(true);
    expect(q.push(msg(3))).toBe(false);
    expect(q.length).toBe(2);
  });
});

describe('ack requests', () => {
  const options: StreamManagementOptions = { resumeTimeoutSeconds: 300, maxUnackedStanzas: 100, ackRequestStanzas: 3, ackRequestSeconds: 5, maxHibernatedSessions: 10 };

  test('the server asks after N stanzas', () => {
    const requests = jest.fn();
    const sm = new StreamManagement(options, requests);
    sm.sent(msg(1));
    sm.sent(msg(2));
    expect(requests).not.toHaveBeenCalled();
    sm.sent(msg(3));
    expect(requests).toHaveBeenCalledTimes(1);
    sm.cancelRequest();
  });

  test('or T seconds after a stanza that no request covered', () => {
    jest.useFakeTimers();
    try {
      const requests = jest.fn();
      const sm = new StreamManagement(options, requests);
      sm.sent(msg(1));
      jest.advanceTimersByTime(4999);
      expect(requests).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(requests).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('late copies (XEP-0203)', () => {
  test('a message with a body gets a delay with the time it was first sent; the original is untouched', () => {
    const original = msg(1);
    const copy = lateCopy(original, '2026-01-01T00:00:00.000Z', 'example.com');
    expect(copy).not.toBe(original);
    expect(copy.getChild('delay', 'urn:xmpp:delay')?.attrs).toMatchObject({ from: 'example.com', stamp: '2026-01-01T00:00:00.000Z' });
    expect(original.getChild('delay')).toBeUndefined();
    expect(lateCopy(copy, '2027-01-01T00:00:00.000Z', 'example.com')).toBe(copy); // stamped once
  });

  test('chat states, presence and IQs are not stamped', () => {
    const state = new Element('message', { to: 'a@x/r' }).c('composing', { xmlns: 'http://jabber.org/protocol/chatstates' }).up() as Element;
    expect(lateCopy(state, 'x', 'example.com')).toBe(state);
    const presence = new Element('presence');
    expect(lateCopy(presence, 'x', 'example.com')).toBe(presence);
  });
});

describe('a session taken over from another gateway (fleet)', () => {
  test('its queue goes on from the restored ack: the next h counts from there', () => {
    const queue = new UnackedQueue(10);
    queue.restore(40, [{ stanza: msg(41), stamp: 's41' }, { stanza: msg(42), stamp: 's42' }]);
    expect(queue.sendCount).toBe(42);
    expect(queue.ack(41)).toEqual({ ok: true, acknowledged: 1 });
    expect(queue.pending().map((p) => p.stamp)).toEqual(['s42']);
    expect(queue.ack(44)).toEqual({ ok: false, sendCount: 42 });
  });

  test('what goes out, comes in and gets acknowledged is told to the Redis mirror; <r/> is answered once it is written', async () => {
    const calls: string[] = [];
    let flushed: () => void = () => undefined;
    const mirror = {
      sent: (_stamp: string, xml: string) => calls.push(`sent ${xml.length > 0}`),
      handled: (h: number) => calls.push(`handled ${h}`),
      acknowledged: (count: number, h: number) => calls.push(`acked ${count} ${h}`),
      flush: () => new Promise<void>((resolve) => (flushed = resolve)),
    };
    const sm = new StreamManagement({ resumeTimeoutSeconds: 60, maxUnackedStanzas: 10, ackRequestStanzas: 100, ackRequestSeconds: 60, maxHibernatedSessions: 1 }, () => undefined);
    sm.mirror = mirror as never;
    sm.sent(msg(1));
    sm.sent(msg(2));
    sm.received();
    sm.ack(1);
    sm.ack(1); // nothing new: not told
    expect(calls).toEqual(['sent true', 'sent true', 'handled 1', 'acked 1 1']);
    const answers: number[] = [];
    sm.answerRequest((h) => answers.push(h));
    expect(answers).toEqual([]);
    flushed();
    await new Promise((r) => setImmediate(r));
    expect(answers).toEqual([1]);
    sm.cancelRequest();
  });
});
