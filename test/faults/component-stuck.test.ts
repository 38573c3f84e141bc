// Fault (c) of issue 11, CI size: a MUC component that stops reading its socket. A↔B chat keeps
// its latency and loses nothing; the MUC's IQ gets remote-server-timeout, the stalled link is cut
// and the MUC answers service-unavailable; after the stall the component reattaches by itself.
import { fault } from '../../loadtest/faults/component-stuck.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

test('a component that stops reading gets its IQs timed out and its link cut, chat goes on, and it reattaches by itself', async () => {
  const report = await runFault(fault, { size: 'ci' });
  process.stdout.write(faultTable([report]));
  expectIsolation(report);
  expect(report.metrics['pampero_component_stalls_total{domain="rooms.localhost"}']).toBe(1);
  expect(report.metrics['pampero_component_iq_timeouts_total{domain="rooms.localhost"}']).toBe(1);
}, 60_000);
