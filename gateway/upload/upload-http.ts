// XEP-0363 §6 PUT and GET on the gateway's uWS app (shared/metrics/http-endpoints.ts): the PUT
// URL is signed and expires, its body is streamed to disk and cut at the slot's size (413); the
// GET URL serves the file with its Content-Type until it expires (docs/upload.md).
import { createReadStream } from 'node:fs';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { CORS_HEADERS, sendResponse } from '../../shared/metrics/http-endpoints.js';
import type { Logger } from '../../shared/log.js';
import { parseSlotPath, verifyPut } from './upload-slots.js';
import type { UploadFiles } from './upload-files.js';

export interface UploadHttpOptions {
  secret: Buffer;
  files: UploadFiles;
  log: Logger;
  /** Called when a slot's upload is done (or failed), so its reservation is released. */
  finished(owner: string, id: string): void;
}

/** Served files must not run as pages of our origin. */
const FILE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Cache-Control', 'public, max-age=86400, immutable'],
];

const text = (res: HttpResponse, status: string, body: string) => sendResponse(res, status, 'text/plain', `${body}\n`);
/** A refused PUT body up to this size is read (and dropped) before the answer, so the client sees the answer, not a reset. */
const DRAIN_BYTES = 1024 * 1024;

/** Answers a PUT refused before its body was read: after the body when it is small, at once otherwise. */
function refuse(res: HttpResponse, contentLength: string, status: string, body: string): void {
  if (!/^\d+$/.test(contentLength) || Number(contentLength) > DRAIN_BYTES || Number(contentLength) === 0) return text(res, status, body);
  let aborted = false;
  res.onAborted(() => { aborted = true; });
  res.onData((_chunk, isLast) => isLast && !aborted && text(res, status, body));
}

export function attachUploadHttp(app: TemplatedApp, opts: UploadHttpOptions): void {
  app.put('/upload/*', (res, req) => {
    const path = req.getUrl();
    const claims = verifyPut(opts.secret, path, req.getQuery() ?? '', Math.floor(Date.now() / 1000));
    const lengthHeader = req.getHeader('content-length');
    const contentType = req.getHeader('content-type').toLowerCase().split(';')[0]!.trim();
    if (claims === 'forbidden') return refuse(res, lengthHeader, '403 Forbidden', 'bad upload signature');
    if (claims === 'expired') return refuse(res, lengthHeader, '403 Forbidden', 'upload slot expired');
    if (!/^\d+$/.test(lengthHeader)) return text(res, '411 Length Required', 'Content-Length required');
    const length = Number(lengthHeader);
    if (length > claims.size) return text(res, '413 Payload Too Large', `this slot takes ${claims.size} bytes`);
    if (length !== claims.size) return refuse(res, lengthHeader, '400 Bad Request', `this slot takes ${claims.size} bytes`);
    if (contentType && contentType !== claims.contentType) return refuse(res, lengthHeader, '400 Bad Request', `this slot takes ${claims.contentType}`);

    let aborted = false;
    let received = 0;
    const chunks: Buffer[] = []; // only while the file is being opened
    let sink: Awaited<ReturnType<UploadFiles['begin']>> | undefined;
    let ended = false;
    let failed = false;
    let answer: (() => void) | undefined; // a refusal waiting for the rest of the body
    const fail = (status: string, body: string) => {
      if (failed) return;
      failed = true;
      void sink?.discard();
      opts.finished(claims.owner, claims.id);
      answer = () => {
        resume();
        if (!aborted) text(res, status, body);
      };
      if (ended || status.startsWith('413')) answer();
    };
    const finish = () => {
      sink!.stream.end(() => {
        if (failed) return;
        sink!.commit({ filename: claims.filename, size: claims.size, contentType: claims.contentType, created: Date.now() }).then(
          () => {
            opts.finished(claims.owner, claims.id);
            resume();
            if (!aborted) text(res, '201 Created', 'stored');
          },
          (err) => {
            opts.log.warn({ err }, 'upload: cannot store file');
            fail('500 Internal Server Error', 'cannot store the file');
          },
        );
      });
    };
    // Back-pressure from the disk: stop reading the socket until the file catches up. Resumed
    // before any answer, or the connection's next request would never be read.
    let paused = false;
    const resume = () => {
      if (paused && !aborted) res.resume();
      paused = false;
    };
    const write = (chunk: Buffer) => {
      if (!sink!.stream.write(chunk) && !ended && !paused) {
        paused = true;
        res.pause();
        sink!.stream.once('drain', resume);
      }
    };
    res.onAborted(() => {
      aborted = true;
      if (!ended) fail('', '');
    });
    res.onData((data, isLast) => {
      if (isLast) ended = true;
      if (failed) return void (isLast && answer?.());
      const chunk = Buffer.from(data.slice(0)); // uWS reuses `data` after this call
      received += chunk.length;
      if (received > claims.size) return fail('413 Payload Too Large', `this slot takes ${claims.size} bytes`);
      if (!sink) chunks.push(chunk);
      else write(chunk);
      if (isLast && sink) finish();
    });
    void opts.files.exists(claims.owner, claims.id).then(async (exists) => {
      if (exists) return fail('409 Conflict', 'this slot was used already');
      sink = await opts.files.begin(claims.owner, claims.id);
      sink.stream.on('error', (err) => {
        opts.log.warn({ err }, 'upload: write failed');
        fail('500 Internal Server Error', 'cannot store the file');
      });
      if (failed) return void sink.discard();
      for (const chunk of chunks.splice(0)) write(chunk);
      if (ended) finish();
    }).catch((err) => {
      opts.log.warn({ err }, 'upload: cannot open file');
      fail('500 Internal Server Error', 'cannot store the file');
    });
  });

  app.get('/upload/*', (res, req) => {
    const where = parseSlotPath(req.getUrl());
    let aborted = false;
    const stream = { destroy: () => {} };
    res.onAborted(() => {
      aborted = true;
      stream.destroy();
    });
    if (!where) return text(res, '404 Not Found', 'not found');
    void opts.files.meta(where.owner, where.id).then((meta) => {
      if (aborted) return;
      if (!meta || meta.filename !== where.filename) return text(res, '404 Not Found', 'not found (or expired)');
      const writeHead = () => {
        res.writeStatus('200 OK');
        for (const [name, value] of [...CORS_HEADERS, ...FILE_HEADERS]) res.writeHeader(name, value);
        res.writeHeader('Content-Type', meta.contentType);
      };
      const file = createReadStream(opts.files.dataPath(where.owner, where.id));
      stream.destroy = () => file.destroy();
      let started = false;
      file.on('data', (chunk) => {
        if (aborted) return;
        const buffer = chunk as Buffer;
        const offset = res.getWriteOffset();
        let result: [boolean, boolean] = [false, false];
        res.cork(() => {
          if (!started) writeHead();
          started = true;
          result = res.tryEnd(buffer, meta.size);
        });
        const [ok, done] = result;
        if (done) return void file.destroy();
        if (ok) return;
        file.pause();
        res.onWritable((at) => {
          const [ok2, done2] = res.tryEnd(buffer.subarray(at - offset), meta.size);
          if (done2) file.destroy();
          else if (ok2) file.resume();
          return ok2;
        });
      });
      file.on('error', () => aborted || (started ? res.close() : text(res, '404 Not Found', 'not found')));
    });
  });
}
