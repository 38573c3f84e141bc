// The XEP-0114 port: external components connect, prove the shared secret and then get every
// stanza for their domain. Secrets are read from the ComponentStore at each handshake and
// re-checked every few seconds, so admins add, remove and re-key components at runtime.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Element } from 'ltx';
import type { Logger } from '../log.js';
import type { ComponentStore } from '../storage/types.js';
import { streamErrorXml, type StreamErrorCondition } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { XmppStreamParser, type ParserLimits } from '../xml/stream-parser.js';
import type { ComponentLink, SendOutcome } from './component-registry.js';
import type { Router } from './router.js';
import { reportComponentQueues, routingFromComponent } from './router-metrics.js';
import { LinkWatchdog } from './component-watchdog.js';

export interface ComponentPortOptions {
  host: string;
  port: number;
  router: Router;
  store: ComponentStore;
  limits: ParserLimits;
  /** Stanzas waiting for one component's socket before more are refused. */
  maxQueuedStanzas: number;
  /** How often connected components are checked against the store (removed or re-keyed). */
  recheckMs?: number;
  /** A client's IQ the component has not answered in this long gets remote-server-timeout (0: no deadline). */
  iqTimeoutMs?: number;
  /** A link that cannot write for this long, or leaves an IQ unanswered this long while silent, is cut (0: never). */
  stallMs?: number;
  logger: Logger;
}

class ComponentConnection implements ComponentLink {
  readonly id = randomBytes(8).toString('hex');
  domain = '';
  private readonly streamId = randomBytes(12).toString('hex');
  private secret = '';
  private authenticated = false;
  private closed = false;
  private queue: Element[] = [];
  /**
   * IQ requests handed to the component and not answered yet (by from + id), so that when the
   * link dies they go to another instance (or get an error) instead of leaving the sender
   * waiting. Bounded: beyond maxQueuedStanzas the oldest is forgotten.
   */
  private readonly unanswered = new Map<string, Element>();
  /** IQ deadlines and stall detection (component-watchdog.ts). */
  private readonly watchdog: LinkWatchdog;
  private flushScheduled = false;
  private readonly parser: XmppStreamParser;
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly socket: Socket, private readonly opts: ComponentPortOptions, private readonly onUp: (c: ComponentConnection) => void, private readonly onDown: (c: ComponentConnection) => void) {
    this.parser = new XmppStreamParser(opts.limits, {
      onStreamStart: (name, attrs) => void this.onStreamStart(name, attrs),
      onElement: (el) => this.onElement(el),
      onStreamEnd: () => this.endGracefully(),
      onError: (condition, text) => this.fail(condition, text),
    });
    this.watchdog = new LinkWatchdog({
      iqTimeoutMs: opts.iqTimeoutMs ?? 0,
      stallMs: opts.stallMs ?? 0,
      domain: () => this.domain,
      waitingToWrite: () => this.queue.length > 0 || this.socket.writableNeedDrain,
      timedOut: (key) => {
        const stanza = this.unanswered.get(key);
        if (!stanza) return;
        this.unanswered.delete(key);
        this.opts.router.bounce(stanza, 'remote-server-timeout', 'The component did not answer in time');
      },
      stalled: (why) => {
        this.opts.logger.warn({ component: this.domain, why }, 'component link stalled; closing it');
        this.fail('connection-timeout', `The component stopped reading: ${why}`);
        this.socket.destroy(); // it does not read: no point waiting for our stream error to go out
      },
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.watchdog.heard();
      this.parser.write(this.decoder.write(chunk));
    });
    socket.on('drain', () => {
      this.watchdog.drained();
      this.flush();
    });
    socket.on('error', () => this.gone());
    socket.on('close', () => this.gone());
  }

  get currentSecret(): string {
    return this.secret;
  }

  /** Stanzas waiting for the socket (the `pampero_component_queued_stanzas` gauge). */
  get queued(): number {
    return this.queue.length;
  }

  send(stanza: Element): SendOutcome {
    if (this.closed || !this.authenticated) return 'closed';
    if (this.queue.length >= this.opts.maxQueuedStanzas) return 'full';
    this.queue.push(stanza);
    if (stanza.name === 'iq' && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set')) {
      const key = `${stanza.attrs.from}\0${stanza.attrs.id}`;
      this.unanswered.delete(key);
      this.unanswered.set(key, stanza);
      if (this.unanswered.size > this.opts.maxQueuedStanzas) {
        const oldest = this.unanswered.keys().next().value!;
        this.unanswered.delete(oldest);
        this.watchdog.forget(oldest);
      }
      // Clients' IQs get a deadline; the router's own (delegated roster/PEP IQs) have theirs already.
      if (stanza.attrs.from?.includes('@')) this.watchdog.sent(key);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return 'queued';
  }

  close(condition: 'not-authorized' | 'system-shutdown' | 'conflict', text?: string): void {
    this.fail(condition, text);
  }

  /** Writes queued stanzas while the socket takes them; the rest waits for 'drain' (bounded by the queue). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.queue.length === 0 || this.socket.writableNeedDrain) return;
    const batch = this.queue.map((stanza) => stanza.toString()).join('');
    this.queue = [];
    this.socket.write(batch);
  }

  private write(data: string): void {
    if (!this.closed) this.socket.write(data);
  }

  private async onStreamStart(name: string, attrs: Record<string, string>): Promise<void> {
    const header = `<?xml version='1.0'?><stream:stream xmlns:stream='${NS.stream}' xmlns='${NS.componentAccept}' id='${this.streamId}'`;
    if (name !== 'stream:stream' || attrs.xmlns !== NS.componentAccept || attrs['xmlns:stream'] !== NS.stream) {
      this.write(`${header}>`);
      return this.fail('invalid-namespace', 'Expected a jabber:component:accept stream');
    }
    const domain = (attrs.to ?? '').toLowerCase();
    // Looked up before our header goes out, so the handshake (which needs the stream id) cannot overtake it.
    const record = domain ? await this.opts.store.get(domain) : undefined;
    this.write(`${header} from='${domain.replace(/[^a-z0-9.-]/g, '')}'>`);
    if (!record) return this.fail('host-unknown', `No component is configured for '${domain}'`);
    this.domain = domain;
    this.secret = record.secret;
  }

  // XEP-0114 §3: <handshake>hex(SHA-1(stream id + secret))</handshake>
  private onElement(el: Element): void {
    if (this.authenticated) {
      if (el.name === 'iq' && (el.attrs.type === 'result' || el.attrs.type === 'error')) {
        const key = `${el.attrs.to}\0${el.attrs.id}`;
        if (!this.unanswered.delete(key) && this.watchdog.lateAnswer(key)) return; // already answered remote-server-timeout
        this.watchdog.forget(key);
      }
      if (el.name !== 'message' && el.name !== 'presence' && el.name !== 'iq') return;
      const arrived = performance.now();
      this.opts.router.fromComponent(this, el);
      routingFromComponent.observe((performance.now() - arrived) / 1000);
      return;
    }
    if (el.name !== 'handshake' || !this.secret) return this.fail('not-authorized', 'Handshake expected');
    const expected = createHash('sha1').update(this.streamId + this.secret).digest('hex');
    const given = Buffer.from(el.getText().trim().toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      return this.fail('not-authorized', 'Wrong secret');
    }
    this.authenticated = true;
    this.write('<handshake/>');
    this.onUp(this);
  }

  /** The component closed its stream (RFC 6120 §4.4): close ours, no error. */
  private endGracefully(): void {
    if (this.closed) return;
    this.flush();
    this.write('</stream:stream>');
    this.socket.end();
    this.gone();
  }

  private fail(condition: StreamErrorCondition, text?: string): void {
    if (this.closed) return;
    this.flush();
    this.write(streamErrorXml(condition, text) + '</stream:stream>');
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.gone();
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.watchdog.stop();
    this.parser.stop();
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.destroy();
    // What the component never got or never answered goes to the domain's next live instance
    // (rendezvous hashing picks it once this link is detached) or is bounced: no sender hangs.
    const stranded = new Set<Element>([...this.queue, ...this.unanswered.values()]);
    this.queue = [];
    this.unanswered.clear();
    if (!this.authenticated) return;
    this.onDown(this);
    if (stranded.size) this.opts.logger.warn({ component: this.domain, rerouted: stranded.size }, 'component link closed with stanzas queued or unanswered; re-routing them');
    for (const stanza of stranded) this.opts.router.rerouteToComponent(stanza);
  }
}

export interface ComponentPort {
  address(): AddressInfo;
  close(): Promise<void>;
}

export async function startComponentPort(opts: ComponentPortOptions): Promise<ComponentPort> {
  const log = opts.logger.child({ module: 'component-port' });
  const live = new Set<ComponentConnection>();
  const registry = opts.router.components;
  const server: Server = createServer((socket) => {
    const connection = new ComponentConnection(socket, opts, (c) => {
      live.add(c);
      registry.attach(c);
      log.info({ component: c.domain }, 'component attached');
    }, (c) => {
      live.delete(c);
      registry.detach(c);
      log.info({ component: c.domain }, 'component detached');
    });
    void connection;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port, host: opts.host }, () => resolve());
  });
  // Runtime removal and re-keying: a link whose record is gone or whose secret changed is closed.
  const recheck = setInterval(async () => {
    for (const c of live) {
      try {
        const record = await opts.store.get(c.domain);
        if (!record) c.close('not-authorized', 'The component was removed');
        else if (record.secret !== c.currentSecret) c.close('not-authorized', 'The component was re-keyed');
      } catch (err) {
        log.warn({ err }, 'component recheck failed');
      }
    }
  }, opts.recheckMs ?? 2000);
  recheck.unref();
  const stopReporting = reportComponentQueues(() => [...live].map((c) => ({ domain: c.domain, queued: c.queued })));
  return {
    address: () => server.address() as AddressInfo,
    close: async () => {
      clearInterval(recheck);
      stopReporting();
      for (const c of live) c.close('system-shutdown');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
