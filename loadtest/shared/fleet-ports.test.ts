// A local fleet's ports stay out of the kernel's ephemeral range, where a client's outgoing
// connection could take one before the fleet's process binds it.
import { fleetBases, freeFleetBase } from './fleet-ports.js';

test('fleet blocks lie outside the ephemeral port range when there is room', () => {
  const bases = fleetBases(310, [32768, 60999]);
  expect(bases.length).toBeGreaterThan(50);
  for (const base of bases) expect(base + 310 < 32768 || base > 60999).toBe(true);
  expect(bases).toContain(10000);
  expect(bases).toContain(61000);
});

test('with no room outside the ephemeral range every block is a candidate', () => {
  expect(fleetBases(310, [1024, 65535])).toEqual(fleetBases(310, [70000, 70001]));
});

test('a free base is one of the candidates, with its Redis port free too', async () => {
  const base = await freeFleetBase({ gateways: 2, routers: 1, instances: 1 });
  expect(fleetBases(0)).toContain(base); // outside the range for any span
});
