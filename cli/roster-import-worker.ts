// A worker thread of the import's key-derivation pool (roster-import-pool.ts): PBKDF2 is CPU
// work that would otherwise hold the event loop (~3.5 ms a user at 4096 iterations).
import { parentPort, workerData } from 'node:worker_threads';
import { deriveCredentials } from '../shared/auth/scram-keys.js';
import type { DeriveReply, DeriveRequest } from './roster-import-pool.js';

const { iterations } = workerData as { iterations: number };
const port = parentPort;
if (!port) throw new Error('roster-import-worker.ts runs only as a worker thread');

port.on('message', ({ id, passwords }: DeriveRequest) => {
  let reply: DeriveReply;
  try {
    reply = { id, credentials: passwords.map((password) => deriveCredentials(password, iterations)) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
