// Clients for the web transports in tests: a raw RFC 7395 WebSocket (messages as they come) and
// a raw BOSH (XEP-0124) client over fetch.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** `ws` (Node 20 has no global WebSocket without a flag); @xmpp/websocket looks for the global. */
export const WebSocketClass: any = require('ws').WebSocket;
(globalThis as any).WebSocket ??= WebSocketClass;

export const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

export interface RawWebSocket {
  socket: any;
  messages: string[];
  /** WebSocket pings received from the server. */
  pings(): number;
  send(data: string): void;
  /** Resolves with the first message (from now on, or already received) that matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  closed: Promise<{ code: number }>;
}

/** `answerPings: false` makes a client that never answers the server's pings (a dead peer); `localAddress` (e.g. 127.0.0.2) another source address. */
export function openWebSocket(url: string, protocols: string[] = ['xmpp'], opts: { answerPings?: boolean; localAddress?: string } = {}): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClass(url, protocols, { autoPong: opts.answerPings ?? true, localAddress: opts.localAddress });
    const messages: string[] = [];
    let pings = 0;
    socket.on('ping', () => { pings++; });
    const waiters = new Set<() => void>();
    const closed = new Promise<{ code: number }>((r) => socket.on('close', (code: number) => { for (const w of waiters) w(); r({ code }); }));
    socket.on('message', (data: Buffer) => {
      messages.push(data.toString('utf8'));
      for (const w of waiters) w();
    });
    socket.on('error', reject);
    socket.on('unexpected-response', (_req: unknown, res: { statusCode: number }) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.on('open', () => resolve({
      socket,
      messages,
      pings: () => pings,
      closed,
      send: (data) => socket.send(data),
      waitFor: (pattern, timeoutMs = 5000) => new Promise((res, rej) => {
        const check = () => {
          const m = messages.find((x) => pattern.test(x));
          if (m !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            res(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`timed out waiting for ${pattern}; got: ${messages.slice(-5).join(' | ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    }));
  });
}

export function openElement(domain: string): string {
  return `<open xmlns='${FRAMING}' to='${domain}' version='1.0'/>`;
}

/** Opens, authenticates with PLAIN (loopback), restarts and binds `resource`. */
export async function loginWebSocket(url: string, domain: string, user: string, password: string, resource = 'ws', opts: { answerPings?: boolean } = {}): Promise<RawWebSocket> {
  const ws = await openWebSocket(url, ['xmpp'], opts);
  ws.send(openElement(domain));
  await ws.waitFor(/<stream:features/);
  ws.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
  await ws.waitFor(/<success/);
  ws.messages.length = 0;
  ws.send(openElement(domain));
  await ws.waitFor(/<bind/);
  ws.send(`<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
  await ws.waitFor(/id=["']b1["']/);
  return ws;
}

/** A BOSH client that sends exactly what the test says, with rids it controls. */
export class RawBosh {
  sid = '';
  constructor(readonly url: string) {}

  /** POSTs `body`; `signal` drops the HTTP request (a broken connection, XEP-0124 §14.3). */
  async post(body: string, signal?: AbortSignal): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await fetch(this.url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body, signal });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  body(rid: number, attrs = '', content = ''): string {
    const sid = this.sid ? ` sid='${this.sid}'` : '';
    return `<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='${rid}'${sid}${attrs}>${content}</body>`;
  }
}
