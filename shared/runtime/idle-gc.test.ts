import { startIdleGc, fullCollector, youngGenerationBytes, YOUNG_GROWN_BYTES, YOUNG_RETRY_MS, YOUNG_WINDOW_MS } from './idle-gc.js';

const MiB = 1024 * 1024;

/**
 * A fake V8: `collect` empties the heap to 110 and, as V8 does, shrinks a grown young generation
 * only when the last collection was at least YOUNG_WINDOW_MS ago.
 */
function harness(util: number[]) {
  let heap = 100;
  let young = 1 * MiB;
  let clock = 0;
  let lastCollection = -Infinity;
  let collections = 0;
  let collecting = false;
  let allocating = false; // V8 sees allocation above its bar and keeps the young generation
  const followUps: number[] = [];
  const gc = startIdleGc({
    minGrowthBytes: 50, checkMs: 3_600_000, quietChecks: 2,
    heapUsed: () => heap, youngBytes: () => young, now: () => clock,
    // The interval a collection falls in is busy (its own pause): 30 %.
    utilization: () => (collecting ? ((collecting = false), 0.3) : util.shift() ?? 0),
    later: (_check, ms) => followUps.push(ms),
    collect: () => {
      collecting = true;
      collections++;
      heap = 110;
      if (!allocating && clock - lastCollection >= YOUNG_WINDOW_MS) young = 1 * MiB;
      lastCollection = clock;
    },
  });
  return {
    gc, followUps, collections: () => collections, young: () => young,
    setHeap: (h: number) => { heap = h; },
    setYoung: (bytes: number) => { young = bytes; },
    setAllocating: (on: boolean) => { allocating = on; },
    /** `ms` pass, then a check (as the interval or the follow-up runs it). */
    after: (ms: number) => { clock += ms; gc.check(); },
  };
}

describe('idle garbage collection', () => {
  test('collects the garbage of start-up in the first quiet moment', () => {
    const h = harness([0.01, 0.01]);
    h.gc.check(); h.gc.check();
    expect(h.collections()).toBe(1);
    h.gc.stop();
  });

  test('collects once the loop has been quiet for two checks after the heap grew', () => {
    const h = harness([0.01, 0.01, 0.01, 0.01]);
    h.gc.check(); h.gc.check(); // start-up
    h.setHeap(200);
    h.gc.check();
    expect(h.collections()).toBe(1); // one quiet check is not enough
    h.gc.check();
    expect(h.collections()).toBe(2);
    h.gc.stop();
  });

  test('does not collect while the loop is busy', () => {
    const h = harness([0.5, 0.5, 0.5]);
    h.setHeap(200);
    for (let i = 0; i < 3; i++) h.gc.check();
    expect(h.collections()).toBe(0);
    h.gc.stop();
  });

  test('does not collect when the heap has not grown enough since the last collection', () => {
    const h = harness([0, 0, 0, 0, 0, 0]);
    h.setHeap(200);
    h.gc.check(); h.gc.check();
    expect(h.collections()).toBe(1); // heap now 110
    h.setHeap(140);
    h.gc.check(); h.gc.check();
    expect(h.collections()).toBe(1); // grew 30 < 50
  });

  test("V8's own collections lower the floor the growth is measured from", () => {
    const h = harness([0, 0, 0.9, 0, 0]);
    h.gc.check(); h.gc.check(); // start-up: heap 110
    h.setHeap(20); // V8 collected on its own
    h.gc.check();
    h.setHeap(80);
    h.gc.check(); h.gc.check();
    expect(h.collections()).toBe(2); // 80 - 20 >= 50
  });

  test('after a burst that grew the young generation, a second quiet collection gives it back', () => {
    const h = harness([0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01]);
    h.after(1000); h.after(1000); // start-up's collection
    h.setHeap(200); h.setYoung(32 * MiB); // a burst
    h.after(1000); h.after(1000);
    expect(h.collections()).toBe(2); // V8 had collected during the burst: young still grown
    expect(h.young()).toBe(32 * MiB);
    expect(h.followUps).toEqual([YOUNG_WINDOW_MS]);
    h.after(1000);
    expect(h.collections()).toBe(2); // not before V8's window has passed
    h.after(YOUNG_WINDOW_MS - 1000);
    expect(h.collections()).toBe(3);
    expect(h.young()).toBe(1 * MiB);
  });

  test('a grown young generation alone is reason enough for the quiet collections', () => {
    const h = harness([0.01, 0.01, 0.01, 0.01, 0.01]);
    h.after(1000); h.after(1000); // start-up's collection
    h.setYoung(32 * MiB); // a burst whose garbage stayed young: the heap did not grow by 50
    h.after(1000); h.after(1000);
    expect(h.collections()).toBe(2);
    h.after(YOUNG_WINDOW_MS);
    expect(h.collections()).toBe(3);
    expect(h.young()).toBe(1 * MiB);
  });

  test('the follow-up waits for a whole quiet window after the loop was busy again', () => {
    const h = harness([0.01, 0.01, 0.01, 0.01, 0.5, 0.01, 0.01]);
    h.after(1000); h.after(1000);
    h.setYoung(32 * MiB);
    h.after(1000); h.after(1000); // the first collection
    h.after(1000); // busy
    h.after(YOUNG_WINDOW_MS - 1000); // the follow-up's timer: the window began again at the busy check
    expect(h.collections()).toBe(2);
    h.after(1000);
    expect(h.collections()).toBe(3);
  });

  test("the collection's own pause does not count as the loop being busy", () => {
    const h = harness([0.01, 0.01, 0.01, 0.01, 0.01]);
    h.after(1000); h.after(1000);
    h.setYoung(32 * MiB);
    h.after(1000); h.after(1000); // the first collection (its interval: 30 % busy)
    h.after(1000); // quiet
    h.after(YOUNG_WINDOW_MS - 1000); // the follow-up, on time
    expect(h.collections()).toBe(3);
    expect(h.young()).toBe(1 * MiB);
  });

  test('no collections over and over when V8 keeps the young generation (allocation above its bar)', () => {
    const h = harness([...Array(20).fill(0.01), 0.5, 0.01, 0.01, 0.01, 0.01]);
    h.after(1000); h.after(1000);
    h.setYoung(32 * MiB);
    h.setAllocating(true);
    h.after(1000); h.after(1000); // the first collection
    h.after(YOUNG_WINDOW_MS); // the follow-up: V8 kept it
    expect(h.collections()).toBe(3);
    for (let i = 0; i < 15; i++) h.after(1000);
    h.after(1000); // busy
    h.after(1000); h.after(1000); h.after(1000); // quiet again, within YOUNG_RETRY_MS
    expect(h.collections()).toBe(3);
    h.setAllocating(false);
    h.after(YOUNG_RETRY_MS); // quiet, and the retry time has come: long after V8's last collection, one is enough
    expect(h.collections()).toBe(4);
    expect(h.young()).toBe(1 * MiB);
    h.after(YOUNG_WINDOW_MS);
    expect(h.collections()).toBe(4);
  });

  test('once stopped, a pending follow-up does not collect', () => {
    const h = harness([0.01, 0.01, 0.01, 0.01]);
    h.after(1000); h.after(1000);
    h.setYoung(32 * MiB);
    h.after(1000); h.after(1000); // the first collection; the follow-up is due in YOUNG_WINDOW_MS
    h.gc.stop();
    h.after(YOUNG_WINDOW_MS); // its timer comes anyway
    expect(h.collections()).toBe(2);
  });

  test("the young generation's size is read from V8", () => {
    const bytes = youngGenerationBytes();
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(1024 * MiB);
    expect(YOUNG_GROWN_BYTES).toBeGreaterThan(2 * MiB);
  });

  test('the full collector is reachable without --expose-gc', () => {
    const collect = fullCollector();
    expect(typeof collect).toBe('function');
    collect();
  });
});
