// Fault (f) of issue 11, CI size: one node of a two-node fleet frozen with SIGSTOP. A↔B chat on
// the other node keeps its latency and loses nothing; an IQ to a user on the frozen node gets
// remote-server-timeout within its deadline, a message to her waits in the node's durable inbox;
// frozen past the down threshold, the node is reaped (her resumable session parked, the message
// moved to it); after SIGCONT it answers again, takes her session back and delivers the message.
import { cannotRun, fault } from '../../loadtest/faults/node-frozen.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

const why = cannotRun();
const testWhenPossible = why ? test.skip : test;
if (why) console.warn(`node-frozen fault skipped: ${why}`);

testWhenPossible('a frozen node makes IQs to its users time out, not hang, while chat elsewhere goes on, and it catches up by itself', async () => {
  const report = await runFault(fault, { size: 'ci' });
  process.stdout.write(faultTable([report]) + JSON.stringify(report.metrics) + '\n');
  expectIsolation(report);
  expect(report.metrics.pampero_cluster_remote_iq_timeouts_total).toBe(1);
}, 90_000);
