// What every fault of issue 11 must show at CI size: nothing acknowledged lost, the unaffected
// chat within 2× of its baseline p99 (100 ms floor: CI runs loaded), every probe of the faulty
// part answered rightly in time, memory under its bound, recovery within 10 s.
import type { FaultReport } from '../../loadtest/faults/run-fault.js';

export function expectIsolation(report: FaultReport): void {
  expect(report.lost).toEqual([]);
  expect(report.during.p99Ms).toBeLessThanOrEqual(Math.max(2 * report.baseline.p99Ms, 100));
  expect(report.probes.filter((p) => !p.ok)).toEqual([]);
  expect(report.memory.peakBytes).toBeLessThanOrEqual(report.memory.boundBytes);
  expect(report.recoveredInMs).not.toBeNull();
}
