// Fault (b) of issue 11, CI size: the fleet's Redis unreachable under the steady A↔B chat (both on
// one gateway: their traffic does not need Redis). Nothing acknowledged is lost, the chat keeps
// its latency, a message to another gateway gets its designed outcome (live, or offline storage
// delivered at the next login), and the fleet works again within 10 s without a restart.
import { hasRedisServer } from '../support/redis.js';
import { isBuilt } from '../support/pampero-process.js';
import { fault } from '../../loadtest/faults/redis-down.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

const reason = !hasRedisServer() ? 'redis-server is not installed (scripts/test-setup.sh)' : !isBuilt() ? 'dist/ is not built (npm run build)' : '';
const testWhenPossible = reason ? test.skip : test;
if (reason) console.warn(`redis-down fault skipped: ${reason}`);

testWhenPossible('Redis unreachable: same-gateway chat unaffected, cross-gateway messages kept, recovery by itself', async () => {
  const report = await runFault(fault, { size: 'ci' });
  console.log(faultTable([report]) + JSON.stringify({ metrics: report.metrics, events: report.events }));
  expectIsolation(report);
  expect(report.probes.length).toBeGreaterThan(0);
}, 90_000);
