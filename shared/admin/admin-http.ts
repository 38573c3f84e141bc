// The admin API's HTTP plumbing on uWebSockets.js: JSON in and out, the Bearer token checked
// before anything else, a bounded request body, and one error boundary that turns an AdminError
// into its status and anything else into 500 (docs/admin-api.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { readBody } from '../http/read-body.js';
import type { Logger } from '../log.js';

/** A request body larger than this is refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 400: 'Bad Request',
  401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** A failure the client should see: its HTTP status and a message for people. */
export class AdminError extends Error {
  constructor(readonly status: number, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface AdminRequest {
  /** Route parameters (`:jid`, `:domain`), URL-decoded. */
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body (POST, PUT); undefined without one. */
  body: unknown;
}

export interface AdminReply {
  status: number;
  body?: unknown;
}

export type AdminHandler = (request: AdminRequest) => AdminReply | Promise<AdminReply>;
export type Method = 'get' | 'post' | 'put' | 'del';

export interface AdminRoutes {
  add(method: Method, pattern: string, handler: AdminHandler): void;
}

const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'no-store'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
];

export function sendRaw(res: HttpResponse, status: number, contentType: string, body: string | Buffer, headers: ReadonlyArray<readonly [string, string]> = []): void {
  res.cork(() => {
    res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`.trim());
    for (const [name, value] of SECURITY_HEADERS) res.writeHeader(name, value);
    for (const [name, value] of headers) res.writeHeader(name, value);
    if (contentType) res.writeHeader('Content-Type', contentType);
    res.end(body);
  });
}

export function sendJson(res: HttpResponse, status: number, body?: unknown, headers: ReadonlyArray<readonly [string, string]> = []): void {
  if (status === 204 || body === undefined) return sendRaw(res, status, '', '', headers);
  sendRaw(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares `Authorization: Bearer …` with the token in constant time. */
export function bearerMatches(header: string, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || token === '') return false;
  return timingSafeEqual(digest(match[1]!), digest(token));
}


/** Routes under the API prefix, each behind the token check and the error boundary. */
export function adminRoutes(app: TemplatedApp, token: string, logger: Logger): AdminRoutes {
  const unauthorized = (res: HttpResponse) =>
    sendJson(res, 401, { error: 'unauthorized', message: 'Send the admin token as "Authorization: Bearer TOKEN" (config admin.token)' }, [['WWW-Authenticate', 'Bearer realm="pampero-admin"']]);

  const run = async (res: HttpResponse, state: { aborted: boolean }, handler: AdminHandler, request: AdminRequest) => {
    let reply: AdminReply;
    try {
      reply = await handler(request);
    } catch (err) {
      if (err instanceof AdminError) reply = { status: err.status, body: { error: errorName(err.status), message: err.message, ...err.details } };
      else {
        logger.warn({ err }, 'admin request failed');
        reply = { status: 500, body: { error: 'internal', message: (err as Error).message } };
      }
    }
    if (!state.aborted) sendJson(res, reply.status, reply.body);
  };

  return {
    add(method, pattern, handler) {
      const paramCount = (pattern.match(/\/:/g) ?? []).length;
      app[method](pattern, (res: HttpResponse, req: HttpRequest) => {
        // Everything from `req` must be read now: it is gone after the first await.
        const authorized = bearerMatches(req.getHeader('authorization'), token);
        const params: string[] = [];
        for (let i = 0; i < paramCount; i++) params.push(safeDecode(req.getParameter(i) ?? ''));
        const query = new URLSearchParams(req.getQuery() ?? '');
        const state = { aborted: false };
        res.onAborted(() => { state.aborted = true; });
        if (!authorized) return unauthorized(res);
        if (method !== 'post' && method !== 'put') return void run(res, state, handler, { params, query, body: undefined });
        readBody(res, MAX_BODY_BYTES, (text) => {
          if (state.aborted) return;
          if (text === undefined) return sendJson(res, 413, { error: 'too-large', message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes` });
          let body: unknown;
          try {
            body = text.trim() === '' ? undefined : JSON.parse(text);
          } catch {
            return sendJson(res, 400, { error: 'bad-request', message: 'The body is not valid JSON' });
          }
          void run(res, state, handler, { params, query, body });
        });
      });
    },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function errorName(status: number): string {
  return (STATUS_TEXT[status] ?? 'error').toLowerCase().replace(/ /g, '-');
}

/** A string field of a JSON body, or a 400 that names it. */
export function stringField(body: unknown, name: string, opts: { optional?: boolean } = {}): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined && opts.optional) return '';
  if (typeof value !== 'string' || value === '') throw new AdminError(400, `The body needs a non-empty string "${name}"`);
  return value;
}

/** A whole-number query parameter within [1, max], or the default. */
export function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new AdminError(400, '"limit" must be a whole number of at least 1');
  return Math.min(n, max);
}
