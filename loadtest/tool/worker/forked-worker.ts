// A worker in its own process (--workers N): node:child_process.fork of worker-main.js, requests
// and replies over the IPC channel, each with an id and a timeout. A worker that dies fails every
// request still open, so the coordinator never waits for a dead process.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReplyTo, WorkerHandle, WorkerRequest } from './worker-protocol.js';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
type ReplyMessage = { id: number; ok: true; reply: unknown } | { id: number; ok: false; error: string };

/**
 * The worker's entry: the compiled file beside this one; when running from the .ts sources (Jest)
 * the one `npm run build` put in dist/ (LOADTEST_WORKER_MAIN overrides both).
 */
export function workerMainPath(): string {
  const beside = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (process.env.LOADTEST_WORKER_MAIN) return process.env.LOADTEST_WORKER_MAIN;
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../../dist/loadtest/tool/worker/worker-main.js', import.meta.url));
}

export class ForkedWorker implements WorkerHandle {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;

  constructor(readonly workerId: number, entry = workerMainPath()) {
    // no execArgv: a worker is plain compiled JavaScript, whatever loader runs the coordinator
    this.child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv: [] });
    this.child.on('message', (m: ReplyMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.reply);
      else p.reject(new Error(`worker ${workerId}: ${m.error}`));
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`worker ${workerId} exited (${signal ?? code})`));
      }
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<R extends WorkerRequest>(req: R, timeoutMs: number): Promise<ReplyTo<R>> {
    if (this.exited) return Promise.reject(new Error(`worker ${this.workerId} is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.workerId}: ${req.op} not answered within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ id, req });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
