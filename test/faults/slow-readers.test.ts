// Fault (d) of issue 11, CI size: 100 clients stop reading while messages are sent to them.
// Each is cut off at its output bound (c2s.maxWriteBufferBytes); A↔B chat keeps its latency and
// loses nothing; memory stays under readers × bound; a cut-off user logs in again at once.
import { fault } from '../../loadtest/faults/slow-readers.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

test('clients that stop reading are cut off at their output bound while chat goes on', async () => {
  const report = await runFault(fault, { size: 'ci' });
  process.stdout.write(faultTable([report]));
  expectIsolation(report);
}, 90_000);
