import { waitAtMost } from './wait-at-most.js';

test('waitAtMost ends when the work settles, or at the bound when it never does', async () => {
  const started = Date.now();
  await waitAtMost(Promise.resolve(), 5000);
  await waitAtMost(Promise.reject(new Error('failed')), 5000); // a failure ends the wait too
  expect(Date.now() - started).toBeLessThan(1000);
  await waitAtMost(new Promise(() => {}), 50);
  expect(Date.now() - started).toBeGreaterThanOrEqual(50);
});
