import { startIdleGc, fullCollector } from './idle-gc.js';

function harness(util: number[]) {
  let heap = 100;
  let collections = 0;
  const gc = startIdleGc({
    minGrowthBytes: 50, checkMs: 3_600_000, quietChecks: 2,
    heapUsed: () => heap, utilization: () => util.shift() ?? 0, collect: () => { collections++; heap = 110; },
  });
  return { gc, setHeap: (h: number) => { heap = h; }, collections: () => collections };
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

  test('the full collector is reachable without --expose-gc', () => {
    const collect = fullCollector();
    expect(typeof collect).toBe('function');
    collect();
  });
});
