// A small XMPP client with XEP-0198 done by the book, for tests and benchmarks that count every stanza: it
// answers <r/> with the stanzas it handled, keeps what it sent until the server's <a/> covers it,
// and resumes (on any port: another gateway of a fleet) resending what the server did not count.
// Plain TCP on loopback, SASL PLAIN, a real stream parser (shared/xml).
import { connect, type Socket } from 'node:net';
import type { Element } from 'ltx';
import { XmppStreamParser } from '../../../shared/xml/stream-parser.js';

const SM = 'urn:xmpp:sm:3';

export interface SmClientOptions {
  domain: string;
  user: string;
  password: string;
  resource?: string;
}

/** The server refused the login (`temporary-auth-failure` when it is busy: try again later). */
export class SaslFailure extends Error {
  constructor(readonly condition: string) {
    super(`SASL failure: ${condition}`);
  }
}

export class SmClient {
  socket!: Socket;
  smId = '';
  /** Stanzas received and handled (our 'h'). */
  handled = 0;
  /** Our stanzas the server acknowledged so far (its last 'h'). */
  acked = 0;
  /** Our stanzas not acknowledged yet, oldest first (resent on resumption). */
  unacked: string[] = [];
  /** Every message stanza received, on every connection of this client. */
  readonly messages: Element[] = [];
  closed!: Promise<void>;
  private elements: Element[] = [];
  private waiters = new Set<() => void>();
  private parser!: XmppStreamParser;
  private streamEnded = false;
  private live = false;
  private acksReceived = 0;

  constructor(readonly opts: SmClientOptions) {}

  get fullJid(): string {
    return `${this.opts.user}@${this.opts.domain}/${this.opts.resource ?? 'sm'}`;
  }

  /** Bound (or resumed) and connected: stanzas go out now, else they wait for the resumption. */
  get isLive(): boolean {
    return this.live && !this.streamEnded && !this.socket.destroyed;
  }

  /** Logs in, binds, enables resumable stream management and sends initial presence. */
  /** `max`: the resumption timeout the client asks for (seconds; the server may grant less). */
  async start(port: number, max?: number): Promise<void> {
    await this.authenticate(port);
    this.socket.write(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${this.opts.resource ?? 'sm'}</resource></bind></iq>`);
    await this.next((el) => el.name === 'iq' && el.attrs.id === 'bind1');
    this.socket.write(`<enable xmlns='${SM}' resume='true'${max ? ` max='${max}'` : ''}/>`);
    const enabled = await this.next((el) => el.name === 'enabled' || el.name === 'failed');
    if (enabled.name !== 'enabled') throw new Error(`enable failed: ${enabled.toString()}`);
    this.live = true;
    this.send('<presence/>');
  }

  /**
   * A new connection on `port` resumes this client's session (XEP-0198 §5): drops what the
   * server's 'h' covers and resends the rest. Resolves to the <resumed/> or <failed/> element.
   */
  async resume(port: number, timeoutMs = 15_000): Promise<Element> {
    this.socket?.destroy();
    await this.authenticate(port);
    this.socket.write(`<resume xmlns='${SM}' previd='${this.smId}' h='${this.handled}'/>`);
    const answer = await this.next((el) => el.name === 'resumed' || el.name === 'failed', timeoutMs);
    if (answer.name !== 'resumed') return answer;
    this.ackedUpTo(Number(answer.attrs.h));
    for (const xml of this.unacked) this.socket.write(xml);
    this.live = true;
    return answer;
  }

  /** The same client state without its connection (to resume it elsewhere while the old connection stays open). */
  copy(): SmClient {
    const twin = new SmClient(this.opts);
    Object.assign(twin, { smId: this.smId, handled: this.handled, acked: this.acked, unacked: [...this.unacked] });
    return twin;
  }

  /** Sends a stanza, kept until acknowledged. */
  send(xml: string): void {
    this.unacked.push(xml);
    if (this.isLive) this.socket.write(xml);
  }

  /** Asks the server for an ack and waits for it. */
  async requestAck(timeoutMs = 5000): Promise<void> {
    const target = this.acksReceived + 1;
    if (!this.isLive) throw new Error(`${this.opts.user}: not connected`);
    this.socket.write(`<r xmlns='${SM}'/>`);
    await this.until(() => this.acksReceived >= target, timeoutMs);
  }

  /** Resolves once `condition` holds (checked as elements arrive). */
  until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.opts.user}: condition not met in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves with the first element (received from now on or already) matching. */
  next(match: (el: Element) => boolean, timeoutMs = 5000): Promise<Element> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < this.elements.length; seen++) {
          const el = this.elements[seen]!;
          if (match(el)) {
            this.waiters.delete(check);
            clearTimeout(timer);
            this.elements.splice(0, seen + 1);
            return resolve(el);
          }
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.opts.user}: timed out; last: ${this.elements.slice(-3).map((e) => e.toString()).join(' ')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.socket?.destroy();
  }

  private ackedUpTo(h: number): void {
    const count = (h - this.acked + 2 ** 32) % 2 ** 32;
    this.unacked.splice(0, count);
    this.acked = h;
  }

  private async authenticate(port: number): Promise<void> {
    this.live = false;
    this.elements = [];
    this.streamEnded = false;
    const socket = connect({ port, host: '127.0.0.1' });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.parser = new XmppStreamParser({ maxStanzaBytes: 1 << 20, maxDepth: 64, maxAttributes: 64 }, {
      onStreamStart: () => {},
      onElement: (el) => this.onElement(el),
      onStreamEnd: () => void (this.streamEnded = true),
      onError: () => socket.destroy(),
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (this.socket === socket) this.parser.write(chunk);
    });
    const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${this.opts.domain}' version='1.0'>`;
    socket.write(header);
    await this.next((el) => el.name === 'stream:features' || el.name === 'features');
    socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${this.opts.user}\0${this.opts.password}`).toString('base64')}</auth>`);
    const outcome = await this.next((el) => el.name === 'success' || el.name === 'failure');
    if (outcome.name === 'failure') throw new SaslFailure(outcome.children.find((c) => typeof c !== 'string')?.toString().match(/^<([a-z-]+)/)?.[1] ?? 'failure');
    this.parser.reset();
    socket.write(header);
    await this.next((el) => el.name === 'stream:features' || el.name === 'features');
  }

  private onElement(el: Element): void {
    if (el.attrs.xmlns === SM) {
      if (el.name === 'r') this.socket.write(`<a xmlns='${SM}' h='${this.handled}'/>`);
      if (el.name === 'a') {
        this.ackedUpTo(Number(el.attrs.h));
        this.acksReceived++;
      }
      if (el.name === 'enabled') this.smId = el.attrs.id ?? '';
    } else if (el.name === 'message' || el.name === 'presence' || el.name === 'iq') {
      if (this.smId) this.handled = (this.handled + 1) % 2 ** 32;
      if (el.name === 'message') this.messages.push(el);
    }
    this.elements.push(el);
    if (this.elements.length > 10_000) this.elements.splice(0, 5000);
    for (const w of [...this.waiters]) w();
  }
}
