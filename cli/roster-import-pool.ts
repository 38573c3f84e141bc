// SCRAM keys for imported passwords, derived in a pool of worker threads (one per core by
// default): at 4096 iterations a user costs ~3.5 ms of PBKDF2, 30 minutes for 500,000 users on
// one core. Size 0 derives on the calling thread (tests, tiny imports, --iterations 1).
import { Worker } from 'node:worker_threads';
import { deriveCredentials } from '../shared/auth/scram-keys.js';
import type { AccountCredentials } from '../shared/storage/types.js';

export interface CredentialDeriver {
  /** Keys for each password, in the same order. */
  derive(passwords: string[]): Promise<AccountCredentials[]>;
  close(): Promise<void>;
}

export interface DerivePoolOptions {
  /** Worker threads; 0 derives on the calling thread. */
  size: number;
  iterations: number;
  /** Node options for the workers (tests use it to load TypeScript sources). */
  execArgv?: string[];
}

/** The worker protocol (roster-import-worker.ts). */
export interface DeriveRequest {
  id: number;
  passwords: string[];
}
export type DeriveReply = { id: number; credentials: AccountCredentials[] } | { id: number; error: string };

interface Pending {
  resolve(credentials: AccountCredentials[]): void;
  reject(error: Error): void;
}

export function startDerivePool(opts: DerivePoolOptions): CredentialDeriver {
  if (opts.size === 0) {
    return { derive: async (passwords) => passwords.map((p) => deriveCredentials(p, opts.iterations)), close: async () => {} };
  }
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let broken: Error | undefined;
  const fail = (error: Error) => {
    broken ??= error;
    for (const job of pending.values()) job.reject(broken);
    pending.clear();
  };
  const workers = Array.from({ length: opts.size }, () => {
    const worker = new Worker(new URL('./roster-import-worker.js', import.meta.url), {
      workerData: { iterations: opts.iterations },
      execArgv: opts.execArgv,
    });
    worker.on('message', (reply: DeriveReply) => {
      const job = pending.get(reply.id);
      pending.delete(reply.id);
      if ('error' in reply) job?.reject(new Error(`deriving SCRAM keys failed: ${reply.error}`));
      else job?.resolve(reply.credentials);
    });
    worker.on('error', (err) => fail(new Error(`a key-derivation worker failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`a key-derivation worker exited (code ${code})`)));
    return worker;
  });

  /** One request to one worker; the worker answers its requests in order. */
  const ask = (worker: Worker, passwords: string[]) =>
    new Promise<AccountCredentials[]>((resolve, reject) => {
      if (broken) return reject(broken);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, passwords } satisfies DeriveRequest);
    });

  return {
    // One slice per worker: the caller bounds how many batches are in flight, so no queue here grows.
    derive: async (passwords) => {
      const slice = Math.ceil(passwords.length / workers.length);
      const parts: Array<Promise<AccountCredentials[]>> = [];
      for (let i = 0; i * slice < passwords.length; i++) parts.push(ask(workers[i]!, passwords.slice(i * slice, (i + 1) * slice)));
      return (await Promise.all(parts)).flat();
    },
    close: async () => {
      broken ??= new Error('the key-derivation pool is closed');
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
