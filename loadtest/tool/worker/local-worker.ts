// A worker in the coordinator's own process (--workers 1): the same ScenarioWorker, no IPC.
import { ScenarioWorker } from './scenario-worker.js';
import type { ReplyTo, WorkerHandle, WorkerRequest } from './worker-protocol.js';
import { withTimeout } from '../timeouts.js';

export class LocalWorker implements WorkerHandle {
  private readonly worker = new ScenarioWorker();

  request<R extends WorkerRequest>(req: R, timeoutMs: number): Promise<ReplyTo<R>> {
    return withTimeout(this.worker.handle(req), timeoutMs, `worker ${req.op}`);
  }

  async stop(): Promise<void> {}
}
