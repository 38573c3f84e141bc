// Fault (e) of issue 11, CI size: a storm of 300 PLAIN logins/s (half wrong) from 250 addresses.
// The login bulkhead sheds the excess with temporary-auth-failure; A↔B chat keeps its latency and
// loses nothing; a login during the storm gets in or a fast temporary-auth-failure, a retrying
// client gets in; after the storm logins work at once.
import { fault } from '../../loadtest/faults/login-storm.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';
import { expectIsolation } from './expect-isolation.js';

test('a login storm is shed at the login bulkhead while chat goes on and retrying users get in', async () => {
  const report = await runFault(fault, { size: 'ci' });
  process.stdout.write(faultTable([report]) + JSON.stringify(report.metrics) + '\n');
  expectIsolation(report);
  expect(report.metrics['storm attempts']).toBeGreaterThan(800);
}, 60_000);
