// Entry of a forked worker process: answers the coordinator's requests, exits when the IPC
// channel closes (the coordinator finished or died).
import { ScenarioWorker } from './scenario-worker.js';
import type { WorkerRequest } from './worker-protocol.js';

const worker = new ScenarioWorker();

process.on('message', (m: { id: number; req: WorkerRequest }) => {
  worker.handle(m.req).then(
    (reply) => process.send?.({ id: m.id, ok: true, reply }),
    (err: Error) => process.send?.({ id: m.id, ok: false, error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
