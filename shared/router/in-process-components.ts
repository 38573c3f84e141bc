// The all-in-one's in-process component links (`components.bundledLink: in-process`, the default):
// the bundled roster, MUC and PubSub components attach to this process's router without a
// loopback XEP-0114 socket. What stays as on the socket (component-port.ts): the secret is checked
// against the ComponentStore when the component attaches, stanzas from the component go through
// Router.fromComponent (its `from` must be on the component's domain), the queue toward the
// component is bounded by components.maxQueuedStanzas ('full' → resource-constraint), a client's
// IQ left unanswered for components.iqTimeoutSeconds gets remote-server-timeout, and the IQs it
// has not answered are re-routed or bounced when the link closes. What goes: serialising and
// parsing each stanza twice and the socket syscalls. Each side gets its own deep copy of a stanza
// (attributes as strings, null/undefined dropped, as a serialise/parse round trip would give), so
// neither side can change what the other holds.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Element } from 'ltx';
import type { Logger } from '../log.js';
import type { ComponentStore } from '../storage/types.js';
import type { ComponentEntity } from '../component/component-link.js';
import { registerInProcessService } from '../component/in-process-service.js';
import type { XmlElement } from '../component/xmpp-bindings.js';
import type { ComponentLink, SendOutcome } from './component-registry.js';
import type { Router } from './router.js';
import { routingFromComponent } from './router-metrics.js';
import { watchLiveComponentLinks } from './live-component-links.js';
import { UnansweredIqs } from './unanswered-iqs.js';

export interface InProcessComponentsOptions {
  router: Router;
  store: ComponentStore;
  /** Stanzas waiting for one component before more are refused (as on the socket). */
  maxQueuedStanzas: number;
  /** How often attached components are checked against the store (removed or re-keyed). */
  recheckMs?: number;
  /** A client's IQ the component has not answered in this long gets remote-server-timeout (0: no deadline), as on the socket. */
  iqTimeoutMs?: number;
  logger: Logger;
}

interface Node {
  name: string;
  attrs: Record<string, unknown>;
  children: unknown[];
}

/** A deep copy built with `make` (ltx for the router, @xmpp/xml for the component). */
export function copyElement<E extends Node>(source: Node, make: (name: string, attrs: Record<string, string>) => E): E {
  const attrs: Record<string, string> = {};
  for (const key in source.attrs) {
    const value = source.attrs[key];
    if (value !== undefined && value !== null) attrs[key] = String(value);
  }
  const copy = make(source.name, attrs);
  for (const child of source.children) {
    if (typeof child === 'object' && child !== null) {
      const element = copyElement(child as Node, make);
      (element as unknown as { parent: unknown }).parent = copy;
      copy.children.push(element);
    } else if (child !== undefined && child !== null && child !== '') {
      copy.children.push(String(child));
    }
  }
  return copy;
}

const toRouter = (name: string, attrs: Record<string, string>) => new Element(name, attrs);
// @xmpp/xml's elements are ltx's: the constructor skips xml()'s per-attribute pass (Object.entries, toString).
const toComponent = (name: string, attrs: Record<string, string>) => new Element(name, attrs) as unknown as XmlElement;

/** The router's end of one in-process link. */
class InProcessLink implements ComponentLink {
  readonly id = randomBytes(8).toString('hex');
  private closed = false;
  private toComponentQueue: Element[] = [];
  private fromComponentQueue: Array<{ stanza: Element; written: () => void }> = [];
  private toComponentScheduled = false;
  private fromComponentScheduled = false;
  /** IQ requests not answered yet and their deadlines, as on the socket (unanswered-iqs.ts); no stall detection: there is no socket to block. */
  private readonly unanswered: UnansweredIqs;

  constructor(
    readonly domain: string,
    readonly currentSecret: string,
    private readonly opts: InProcessComponentsOptions,
    private readonly entity: InProcessEntity,
    private readonly onGone: (link: InProcessLink) => void,
  ) {
    this.unanswered = new UnansweredIqs({
      router: opts.router,
      logger: opts.logger,
      max: opts.maxQueuedStanzas,
      deadlines: { iqTimeoutMs: opts.iqTimeoutMs ?? 0, stallMs: 0, domain: () => this.domain, waitingToWrite: () => false, stalled: () => undefined },
    });
  }

  get queued(): number {
    return this.toComponentQueue.length;
  }

  send(stanza: Element): SendOutcome {
    if (this.closed) return 'closed';
    if (this.toComponentQueue.length >= this.opts.maxQueuedStanzas) return 'full';
    this.toComponentQueue.push(stanza);
    this.unanswered.sent(stanza);
    if (!this.toComponentScheduled) {
      this.toComponentScheduled = true;
      setImmediate(() => this.flushToComponent());
    }
    return 'queued';
  }

  /**
   * The component's send: copied now (as the socket entity serialises at send), handed to the
   * router in a microtask, never re-entrantly; resolves once the router took it (rejects when the
   * link is closed). Not a turn later: a socket write resolves in the same turn too, so a room's
   * lane goes on with its next message and the copies of all messages of one turn reach each
   * client in one socket write (docs/muc.md, "Fan-out cost"). Bounded: a component that sends
   * maxQueuedStanzas at once has them handed over at once.
   */
  fromComponent(stanza: XmlElement): Promise<void> {
    if (this.closed) return Promise.reject(new Error('in-process component link closed'));
    const copy = copyElement(stanza as unknown as Node, toRouter);
    return new Promise<void>((written) => {
      this.fromComponentQueue.push({ stanza: copy, written });
      if (this.fromComponentQueue.length >= this.opts.maxQueuedStanzas) this.flushFromComponent();
      else if (!this.fromComponentScheduled) {
        this.fromComponentScheduled = true;
        queueMicrotask(() => this.flushFromComponent());
      }
    });
  }

  close(condition: 'not-authorized' | 'system-shutdown' | 'conflict', text?: string): void {
    if (this.closed) return;
    this.opts.logger.info({ component: this.domain, condition, text }, 'in-process component link closed');
    this.gone();
    this.entity.closedByRouter(condition);
  }

  private flushToComponent(): void {
    this.toComponentScheduled = false;
    if (this.closed) return;
    const batch = this.toComponentQueue;
    this.toComponentQueue = [];
    for (const stanza of batch) this.entity.deliver(copyElement(stanza as unknown as Node, toComponent));
  }

  /** The component closes its end: what it sent before closing still reaches the router (as bytes written before its stream end would). */
  closeFromComponent(): void {
    this.flushFromComponent();
    this.gone();
  }

  private flushFromComponent(): void {
    this.fromComponentScheduled = false;
    const batch = this.fromComponentQueue;
    this.fromComponentQueue = [];
    for (const { stanza: el, written } of batch) {
      written();
      if (this.closed) continue;
      if (!this.unanswered.arrived(el)) continue; // a late answer: already answered remote-server-timeout
      if (el.name !== 'message' && el.name !== 'presence' && el.name !== 'iq') continue;
      const arrived = performance.now();
      this.opts.router.fromComponent(this, el);
      routingFromComponent.observe((performance.now() - arrived) / 1000);
    }
  }

  /** Detaches; what the component never got or never answered is re-routed (as on the socket). */
  gone(): void {
    if (this.closed) return;
    this.closed = true;
    const stranded = this.unanswered.end(this.toComponentQueue);
    this.toComponentQueue = [];
    this.opts.router.components.detach(this);
    this.onGone(this);
    this.unanswered.reroute(stranded);
  }
}

/** The component's end: the part of @xmpp/component's entity that component-link.ts uses. */
class InProcessEntity extends EventEmitter implements ComponentEntity<XmlElement> {
  private link: InProcessLink | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Like @xmpp/reconnect: after the router closed the link, attach again every second until stopped. */
  readonly reconnect = {
    stop: () => {
      this.stopped = true;
      clearTimeout(this.retry);
    },
  };

  constructor(private readonly hub: { attach(entity: InProcessEntity, domain: string, secret: string): Promise<InProcessLink> }, private readonly domain: string, private readonly password: string) {
    super();
  }

  async start(): Promise<void> {
    this.link = await this.hub.attach(this, this.domain, this.password);
    this.emit('online');
  }

  async stop(): Promise<void> {
    this.reconnect.stop();
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    link.closeFromComponent();
    this.emit('offline');
  }

  send(stanza: XmlElement): Promise<void> {
    if (!this.link) return Promise.reject(new Error('in-process component link is not attached'));
    return this.link.fromComponent(stanza);
  }

  override listeners(event: string): Array<(...args: any[]) => void> {
    return super.listeners(event) as Array<(...args: any[]) => void>;
  }

  deliver(stanza: XmlElement): void {
    this.emit('stanza', stanza);
  }

  /** The router closed the link (component removed or re-keyed, shutdown): like a stream error. */
  closedByRouter(condition: string): void {
    this.link = undefined;
    this.reportError(new Error(`in-process component link closed by the router: ${condition}`));
    this.emit('disconnect', { clean: false });
    this.scheduleRetry();
  }

  /** As the socket entity does; never throws when nobody listens. */
  private reportError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.start().catch((err: unknown) => {
        this.reportError(err);
        this.scheduleRetry();
      });
    }, 1000);
    this.retry.unref();
  }
}

export interface InProcessComponents {
  /** The service URL the bundled components are given (`inprocess://…`). */
  service: string;
  close(): void;
}

/** Registers this router as an in-process service for components of this process. */
export function startInProcessComponents(opts: InProcessComponentsOptions): InProcessComponents {
  const live = new Set<InProcessLink>();
  let closed = false;
  const hub = {
    async attach(entity: InProcessEntity, domain: string, secret: string): Promise<InProcessLink> {
      domain = domain.toLowerCase();
      const record = await opts.store.get(domain);
      if (closed) throw new Error('the router is shutting down');
      if (!record) throw new Error(`No component is configured for '${domain}'`);
      if (record.secret !== secret) throw new Error('not-authorized: wrong secret');
      const link = new InProcessLink(domain, secret, opts, entity, (l) => live.delete(l));
      live.add(link);
      opts.router.components.attach(link);
      opts.logger.info({ component: domain }, 'component attached (in-process)');
      return link;
    },
  };
  const { service, unregister } = registerInProcessService(({ domain, password }) => new InProcessEntity(hub, domain, password));
  // Runtime removal and re-keying, as on the socket; the queue gauge.
  const stopWatching = watchLiveComponentLinks(live, opts);
  return {
    service,
    close() {
      closed = true;
      stopWatching();
      unregister();
      for (const link of [...live]) link.close('system-shutdown');
    },
  };
}
