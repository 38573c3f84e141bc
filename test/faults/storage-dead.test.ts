// Fault (a) of issue 11, CI size: storage not answering at all under the steady A↔B chat.
// The chat keeps its latency and loses nothing; what needs the storage gets a clear XMPP error
// within its deadline; memory stays bounded; everything works again within 10 s of the fault
// clearing, with no restart.
import { fault } from '../../loadtest/faults/storage-dead.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

test('storage not answering: chat unaffected, storage users get fast errors, recovery by itself', async () => {
  const report = await runFault(fault, { size: 'ci' });
  console.log(faultTable([report]) + JSON.stringify({ metrics: report.metrics, events: report.events }));
  expectIsolation(report);
  expect(report.probes.length).toBeGreaterThan(0);
}, 60_000);
