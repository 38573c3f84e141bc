import { CUT_OFF_BUDGET_MS, queueCutOff, type PendingCutOff } from './cut-off-queue.js';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';

const turn = () => new Promise((r) => setImmediate(r));
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until); // a teardown's work (unbind, presence, socket reset)
};

/** A connection whose teardown takes `ms` and is logged; `then` runs inside it (e.g. queues a sibling). */
function connection(name: string, log: string[], ms = 0, then?: () => void): PendingCutOff {
  return {
    cutOffNow() {
      busy(ms);
      log.push(name);
      then?.();
    },
  };
}

const waiting = async () => (await metricsRegistry.getSingleMetric('pampero_c2s_cut_offs_waiting')!.get()).values[0]?.value;

test('a cut-off is torn down at a later turn, not inside the write that found it', async () => {
  const log: string[] = [];
  queueCutOff(connection('a', log));
  expect(log).toEqual([]);
  await turn();
  expect(log).toEqual(['a']);
});

test('many cut-offs at once are spread over turns of about the budget, so other work runs in between', async () => {
  const log: string[] = [];
  const each = CUT_OFF_BUDGET_MS / 4;
  for (let i = 0; i < 40; i++) queueCutOff(connection(`c${i}`, log, each));
  expect(await waiting()).toBe(40);
  await turn(); // an immediate queued after the first batch's: runs between batches
  expect(log.length).toBeGreaterThanOrEqual(1);
  expect(log.length).toBeLessThan(40);
  const started = performance.now();
  while (log.length < 40 && performance.now() - started < 5000) await turn();
  expect(log).toEqual(Array.from({ length: 40 }, (_, i) => `c${i}`)); // in the order they overflowed
  expect(await waiting()).toBe(0);
});

test('a teardown that tips a sibling over its bound does not tear the sibling down inside its own', async () => {
  const log: string[] = [];
  const sibling = connection('sibling', log);
  queueCutOff(connection('first', log, 0, () => {
    queueCutOff(sibling); // its unavailable presence overflowed the sibling's writer
    log.push('first done');
  }));
  while (log.length < 3) await turn();
  expect(log).toEqual(['first', 'first done', 'sibling']);
});

test('a teardown longer than the budget still lets one through every turn', async () => {
  const log: string[] = [];
  for (let i = 0; i < 3; i++) queueCutOff(connection(`slow${i}`, log, CUT_OFF_BUDGET_MS * 2));
  await turn();
  expect(log).toEqual(['slow0']);
  await turn();
  expect(log).toEqual(['slow0', 'slow1']);
  await turn();
  expect(log).toEqual(['slow0', 'slow1', 'slow2']);
});
