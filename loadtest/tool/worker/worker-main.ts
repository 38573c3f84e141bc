// Entry of a forked worker process: answers the coordinator's requests, exits when the IPC
// channel closes (the coordinator finished or died).
import { ScenarioWorker } from './scenario-worker.js';
import type { WorkerRequest } from './worker-protocol.js';

const worker = new ScenarioWorker();

/** Answers the coordinator unless it is gone (a late answer after it finished must not crash us). */
function answer(message: object): void {
  if (!process.connected) return;
  process.send?.(message, undefined, undefined, () => undefined);
}

process.on('message', (m: { id: number; req: WorkerRequest }) => {
  worker.handle(m.req).then(
    (reply) => answer({ id: m.id, ok: true, reply }),
    (err: Error) => answer({ id: m.id, ok: false, error: err.message }),
  );
});
process.on('error', () => undefined); // EPIPE on a channel closed meanwhile; 'disconnect' follows
process.on('disconnect', () => process.exit(0));
