// The fault runner on a fault that does nothing: every phase measured, nothing lost, recovered at
// once, the report's table row written.
import { startTestServer, type TestServer } from '../support/test-server.js';
import type { Fault } from '../../loadtest/faults/fault.js';
import { faultTable, runFault } from '../../loadtest/faults/run-fault.js';

const noFault: Fault = {
  name: 'none',
  description: 'nothing injected',
  async setup() {
    const server: TestServer = await startTestServer();
    await server.addUser('alice', 'alice-pw');
    await server.addUser('bob', 'bob-pw');
    return {
      domain: server.domain,
      a: { username: 'alice', password: 'alice-pw', port: server.c2sPort },
      b: { username: 'bob', password: 'bob-pw', port: server.c2sPort },
      inject: async () => undefined,
      probe: async () => [{ what: 'nothing', outcome: 'ok', ms: 0, ok: true }],
      clear: async () => undefined,
      recovered: async () => true,
      memoryBytes: () => process.memoryUsage().heapUsed,
      memoryBoundBytes: 1 << 30,
      bulkheadMetrics: async () => ({}),
      teardown: () => server.stop(),
    };
  },
};

test('a fault run measures baseline, fault and recovery phases and reports them', async () => {
  const report = await runFault(noFault, { size: 'ci', baselineMs: 1000, faultMs: 1000 });
  expect(report.baseline.received).toBe(report.baseline.sent);
  expect(report.during.received).toBe(report.during.sent);
  expect(report.during.sent).toBeGreaterThan(20);
  expect(report.after.sent).toBeGreaterThan(20);
  expect(report.lost).toEqual([]);
  expect(report.recoveredInMs).toBeLessThan(1000);
  expect(report.memory.peakBytes).toBeGreaterThan(0);
  expect(faultTable([report])).toMatch(/\| none \| .* \| 0 \| nothing: ok \(0\) \|/);
}, 30_000);
