// One client stream with just enough XMPP for the scenarios, scanning strings for tokens the way
// xmppbench does (no XML tree per stanza: the generator must stay cheaper than the server).
import { BoshTransport } from './bosh-transport.js';
import { authenticate } from './sasl-auth.js';
import { TcpTransport } from './tcp-transport.js';
import type { XmppTransport } from './transport.js';
import { WebSocketTransport } from './websocket-transport.js';
import { fullJid, password, portOf, userName, type Target } from '../target.js';

const BIND_NS = 'urn:ietf:params:xml:ns:xmpp-bind';
const CARBONS_NS = 'urn:xmpp:carbons:2';

export type TextSink = (client: XmppClient, text: string) => void;

export class XmppClient {
  /** Received text not yet consumed by waitFor (unused while a sink is set). */
  buffer = '';
  /** Set for the measured part: every received chunk goes here instead of the buffer. */
  sink: TextSink | undefined;
  jid = '';
  private waiter: { tokens: string[]; resolve: (r: [string, string]) => void; reject: (e: Error) => void } | undefined;
  closedReason: Error | undefined;

  constructor(readonly transport: XmppTransport, readonly index: number) {
    transport.onText = (text) => {
      if (this.sink) return this.sink(this, text);
      this.buffer += text;
      if (this.waiter) this.check();
    };
    transport.onClose = (reason) => {
      this.closedReason = reason ?? new Error('stream closed by the server');
      this.waiter?.reject(this.closedReason);
      this.waiter = undefined;
    };
  }

  get ns(): string {
    return this.transport.stanzaNs;
  }

  send(xml: string): void {
    this.transport.send(xml);
  }

  /** Waits for the earliest of the tokens; returns [token, text up to and including it] and consumes that. */
  waitFor(tokens: string[], timeoutMs: number): Promise<[string, string]> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`timeout waiting for ${tokens.join(' | ')}`));
      }, timeoutMs);
      this.waiter = {
        tokens,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      this.check();
    });
  }

  private check(): void {
    const w = this.waiter;
    if (!w) return;
    let best = -1;
    let bestToken = '';
    for (const token of w.tokens) {
      const i = this.buffer.indexOf(token);
      if (i >= 0 && (best === -1 || i < best)) { best = i; bestToken = token; }
    }
    if (best === -1) return;
    const end = best + bestToken.length;
    const chunk = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    this.waiter = undefined;
    w.resolve([bestToken, chunk]);
  }

  close(): void {
    this.sink = undefined;
    this.transport.close();
  }
}

export async function connectTransport(target: Target, i = 0): Promise<XmppTransport> {
  switch (target.transport) {
    case 'tcp': return TcpTransport.connect(target.host, portOf(target, i), target.domain, target.timeoutMs);
    case 'websocket': return WebSocketTransport.connect(new URL(target.websocketUrl), target.domain, target.timeoutMs);
    case 'bosh': return BoshTransport.connect(new URL(target.boshUrl), target.domain, target.timeoutMs);
  }
}

/** Microseconds on the system-wide monotonic clock: comparable across worker processes. */
export function monotonicUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

export interface LoginTiming {
  client: XmppClient;
  /** TCP connect start → reflected presence (or bind result without presence), µs. */
  loginUs: number;
}

/**
 * xmppbench's login: connect → stream → [STARTTLS] → SASL PLAIN, or SCRAM-SHA-1 with
 * `target.sasl` (sasl-auth.ts) → restart → bind (resource `bench`) → [enable carbons, XEP-0280 §4]
 * → <presence/> → the reflection of that presence (RFC 6121 §4.2.2).
 */
export async function login(target: Target, i: number, presence: boolean, waitEcho: boolean, carbons = false): Promise<LoginTiming> {
  const to = target.timeoutMs;
  const t0 = monotonicUs();
  const c = new XmppClient(await connectTransport(target, i), i);
  try {
    c.transport.openStream(false);
    let [, features] = await c.waitFor(['</stream:features>'], to);
    if (target.starttls && c.transport.upgradeToTls) {
      c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      const [token] = await c.waitFor(['<proceed', '<failure'], to);
      if (token !== '<proceed') throw new Error('STARTTLS refused');
      c.buffer = '';
      await c.transport.upgradeToTls(target.domain);
      c.transport.openStream(true);
      [, features] = await c.waitFor(['</stream:features>'], to);
    }
    await authenticate(c, target.sasl ?? 'plain', features, userName(target, i), password(target, i), to);
    c.buffer = '';
    c.transport.openStream(true);
    await c.waitFor(['</stream:features>'], to);
    c.send(`<iq${c.ns} type='set' id='bind1'><bind xmlns='${BIND_NS}'><resource>${target.resource}</resource></bind></iq>`);
    const [, bound] = await c.waitFor(['</iq>', '/>'], to);
    if (!bound.includes('result')) throw new Error(`bind failed: ${bound.slice(-300)}`);
    c.jid = fullJid(target, i);
    if (carbons) await enableCarbons(c, to);
    if (presence) {
      c.send(`<presence${c.ns}/>`);
      if (waitEcho) await c.waitFor(['<presence'], to);
    }
    return { client: c, loginUs: monotonicUs() - t0 };
  } catch (err) {
    c.transport.close();
    throw err;
  }
}

/** XEP-0280 §4: <enable/> in an IQ set; resolves on its result, throws on an error or a timeout. */
export async function enableCarbons(c: XmppClient, timeoutMs: number): Promise<void> {
  c.send(`<iq${c.ns} type='set' id='carbons1'><enable xmlns='${CARBONS_NS}'/></iq>`);
  // nothing else is sent to a bound resource before its initial presence: the next IQ is the answer
  const [, head] = await c.waitFor(["id='carbons1'", 'id="carbons1"'], timeoutMs);
  const [, rest] = await c.waitFor(['>'], timeoutMs);
  const tag = head.slice(head.lastIndexOf('<')) + rest;
  if (!/type=['"]result['"]/.test(tag)) throw new Error(`enabling carbons failed: ${(tag + c.buffer).slice(0, 300)}`);
  if (!tag.endsWith('/>')) await c.waitFor(['</iq>'], timeoutMs);
}
