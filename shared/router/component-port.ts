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
import { routingFromComponent } from './router-metrics.js';
import { watchLiveComponentLinks } from './live-component-links.js';
import { UnansweredIqs } from './unanswered-iqs.js';

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
  /** IQ requests not answered yet, their deadlines and stall detection (unanswered-iqs.ts). */
  private readonly unanswered: UnansweredIqs;
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
    this.unanswered = new UnansweredIqs({
      router: opts.router,
      logger: opts.logger,
      max: opts.maxQueuedStanzas,
      deadlines: {
        iqTimeoutMs: opts.iqTimeoutMs ?? 0,
        stallMs: opts.stallMs ?? 0,
        domain: () => this.domain,
        waitingToWrite: () => this.queue.length > 0 || this.socket.writableNeedDrain,
        stalled: (why) => {
          this.opts.logger.warn({ component: this.domain, why }, 'component link stalled; closing it');
          this.fail('connection-timeout', `The component stopped reading: ${why}`);
          this.socket.destroy(); // it does not read: no point waiting for our stream error to go out
        },
      },
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.unanswered.watchdog.heard();
      this.parser.write(this.decoder.write(chunk));
    });
    socket.on('drain', () => {
      this.unanswered.watchdog.drained();
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
    this.unanswered.sent(stanza);
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
      if (!this.unanswered.arrived(el)) return; // a late answer: already answered remote-server-timeout
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
    // What the component never got or never answered is re-routed once this link is detached: no sender hangs.
    const stranded = this.unanswered.end(this.queue);
    this.queue = [];
    this.parser.stop();
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.destroy();
    if (!this.authenticated) return;
    this.onDown(this);
    this.unanswered.reroute(stranded);
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
  // Runtime removal and re-keying; the queue gauge.
  const stopWatching = watchLiveComponentLinks(live, { store: opts.store, logger: log, recheckMs: opts.recheckMs });
  return {
    address: () => server.address() as AddressInfo,
    close: async () => {
      stopWatching();
      for (const c of live) c.close('system-shutdown');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
