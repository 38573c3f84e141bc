// The fault suite's control (issue 11), CI size: the same run as every fault with nothing
// injected. It must pass what every fault must, and its report says no probe was needed.
import { fault } from '../../loadtest/faults/no-fault.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

test('the control, nothing injected: the chat keeps its latency, loses nothing, no probes', async () => {
  const report = await runFault(fault, { size: 'ci' });
  console.log(faultTable([report]));
  expectIsolation(report);
  expect(report.probes).toEqual([]);
  expect(report.during.received).toBe(report.during.sent);
}, 60_000);
