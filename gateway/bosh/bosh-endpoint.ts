// The BOSH endpoint (XEP-0124, XEP-0206) on the uWS app: POST bodies, session creation, and
// requests handed to their session by sid.
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { readBody } from '../../shared/http/read-body.js';
import { sendResponse } from '../../shared/metrics/http-endpoints.js';
import type { ParserLimits } from '../../shared/xml/stream-parser.js';
import type { ClientSessionOptions } from '../client-session.js';
import { isLoopback } from '../c2s-listener.js';
import { parseBody, terminateXml, type BoshTerminalCondition } from './bosh-body.js';
import type { HttpExchange } from './bosh-held-requests.js';
import { BoshSession, type BoshLimits } from './bosh-session.js';
import type { BoshSessionStore } from './bosh-session-store.js';
import { admitBoshSession } from './bosh-admission.js';
import { httpClientAddress } from '../../shared/abuse/client-address.js';

export interface BoshOptions extends ClientSessionOptions {
  path: string;
  limits: ParserLimits;
  bosh: BoshLimits;
  allowPlainFromLoopback: boolean;
  /** The app is a uWS SSLApp. */
  secure: boolean;
  store: BoshSessionStore;
}

/** Bytes of one request body beyond the largest stanza: the <body/> wrapper and a few stanzas' worth. */
const BODY_SLACK = 16 * 1024;

export interface BoshEndpoint {
  sessions(): number;
  close(): void;
}

export function attachBosh(app: TemplatedApp, opts: BoshOptions): BoshEndpoint {
  const maxBody = opts.limits.maxStanzaBytes + BODY_SLACK;
  app.post(opts.path, (res, req) => {
    const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
    const secure = opts.secure || (isLoopback(peer) && req.getHeader('x-forwarded-proto') === 'https');
    // The client for abuse control: behind the reverse proxy on this host, the one it names.
    const client = httpClientAddress(peer, req.getHeader('x-forwarded-for'), isLoopback(peer));
    const exchange: HttpExchange = { res, aborted: false };
    res.onAborted(() => { exchange.aborted = true; });
    readBody(res, maxBody, (text, prefix) => {
      if (exchange.aborted) return;
      // XEP-0124 defines no condition for a body that is too large; it breaks this server's rules
      // (policy-violation), and its session, when the start tag names one, ends with it.
      if (text === undefined) return refuse(prefix, 'policy-violation', exchange);
      handle(text, exchange, secure, peer, client);
    });
  });
  // A GET tells a person what this URL is (XEP-0124 uses POST only).
  app.get(opts.path, (res) => sendResponse(res, '200 OK', 'text/plain', 'XMPP over BOSH (XEP-0124/0206): POST <body/> here.\n'));

  const handle = (text: string, exchange: HttpExchange, secure: boolean, peer: string, remoteAddress: string) => {
    const parsed = parseBody(text, opts.limits);
    if ('error' in parsed) return refuse(text, 'bad-request', exchange);
    const { body } = parsed;
    const sid = body.attrs.sid;
    if (sid === undefined) {
      // XEP-0124 §7: session creation.
      if (!Number.isSafeInteger(Number(body.attrs.rid)) || body.attrs.rid === undefined) return reply(exchange, terminateXml('bad-request'));
      if (!body.attrs.to) return reply(exchange, terminateXml('improper-addressing')); // §17.2
      if (body.attrs.to.toLowerCase() !== opts.domain) return reply(exchange, terminateXml('host-unknown'));
      // Abuse control (docs/abuse.md): a new session is a new connection.
      void admitBoshSession(opts.abuse, remoteAddress).then((admission) => {
        if (!admission.admitted) return reply(exchange, admission.terminateBody);
        if (exchange.aborted) return admission.release();
        const session = new BoshSession(body, exchange, {
          ...opts,
          limits: opts.bosh,
          secure,
          plainAllowed: opts.allowPlainFromLoopback && isLoopback(peer),
          remoteAddress,
          onEnd: (s) => {
            opts.store.delete(s.sid);
            admission.release();
          },
        });
        if (!session.isOver) opts.store.add(session);
        else admission.release();
      });
      return;
    }
    const session = opts.store.get(sid);
    if (!session) return reply(exchange, terminateXml('item-not-found')); // XEP-0124 §17.2
    session.request(body, exchange, text.length);
  };

  /**
   * A request refused before its <body/> could be read: the terminal condition with HTTP 200, as
   * XEP-0124 §17.2 asks of a non-legacy connection manager (1.6 and later, which is every client
   * in use), and the end of its session if the start tag names a live one.
   */
  const refuse = (text: string, condition: BoshTerminalCondition, exchange: HttpExchange) => {
    const sid = SID_IN_START_TAG.exec(text)?.[1];
    const session = sid === undefined ? undefined : opts.store.get(sid);
    if (session) return session.reject(condition, exchange);
    reply(exchange, terminateXml(condition));
  };

  return {
    sessions: () => opts.store.size(),
    close: () => {
      for (const s of [...opts.store.sessions()]) s.shutdown('system-shutdown');
    },
  };
}

/** The sid of the <body> start tag at the beginning of a request (read only up to the first '>'). */
const SID_IN_START_TAG = /^\s*(?:<\?xml[^>]*\?>)?\s*<body\b[^>]*?\ssid\s*=\s*['"]([^'"]{1,100})['"]/;

function reply(exchange: HttpExchange, xml: string, status = '200 OK'): void {
  if (exchange.aborted) return;
  exchange.aborted = true;
  sendResponse(exchange.res, status, 'text/xml; charset=utf-8', xml);
}

