// The control of the fault suite (issue 11): the same run as every fault — server in this
// process, A↔B chat, a baseline and a "fault" window of the same length — with nothing injected.
// Its p99 ratio is what the measurement itself varies by, so a fault's ratio can be read against
// it: a ratio within the control's range is no effect the chat can show.
import { startTestServer } from '../shared/test-server.js';
import type { Fault } from './fault.js';

export const fault: Fault = {
  name: 'no-fault',
  description: 'the control: nothing injected (the ratio is the measurement\'s own variation)',
  async setup() {
    const server = await startTestServer();
    try {
      for (const user of ['alice', 'bob']) await server.addUser(user, `${user}-pw`);
    } catch (err) {
      await server.stop();
      throw err;
    }
    const heapAtStart = process.memoryUsage().heapUsed;
    return {
      domain: server.domain,
      a: { username: 'alice', password: 'alice-pw', port: server.c2sPort },
      b: { username: 'bob', password: 'bob-pw', port: server.c2sPort },
      inject: async () => undefined,
      probe: async () => [],
      clear: async () => undefined,
      recovered: async () => true,
      memoryBytes: () => process.memoryUsage().heapUsed,
      memoryBoundBytes: heapAtStart + 128 * 1048576,
      bulkheadMetrics: async () => ({}),
      teardown: () => server.stop(),
    };
  },
};
