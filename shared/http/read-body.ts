// Reading a request body from uWebSockets.js with a size bound: the BOSH endpoint, the admin API
// and other HTTP handlers share it.
import type { HttpResponse } from 'uWebSockets.js';

/**
 * Collects a request body up to `max` bytes and hands it over as text; `undefined` when it is
 * larger, with the first kilobyte (enough for a BOSH <body> start tag) as `prefix`.
 */
export function readBody(res: HttpResponse, max: number, done: (text: string | undefined, prefix: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > max) {
      over = true;
      const first = chunks[0] ?? Buffer.from(chunk.slice(0, 1024));
      return done(undefined, first.subarray(0, 1024).toString('utf8'));
    }
    chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after the callback
    if (isLast) done(Buffer.concat(chunks).toString('utf8'), '');
  });
}
