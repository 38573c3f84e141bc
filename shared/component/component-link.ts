// The XEP-0114 link every Pampero component uses: an @xmpp/component connection (with its
// reconnect) whose stanzas all go to the component's own stanza pipeline. xmpp.js's middleware is
// detached: its iq-callee would answer every IQ get/set a second time (service-unavailable), and
// each component's pipeline already is the one error boundary. Sends never throw or reject: a
// failed write (link down) is counted and logged.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { inProcessEntity, isInProcessService } from './in-process-service.js';
import { waitAtMost } from '../runtime/wait-at-most.js';

/** What the link needs to know of a stanza (each component has its own typed view of @xmpp/xml). */
export interface LinkStanza {
  name: string;
  attrs: Record<string, any>;
}

export type LinkSend<E extends LinkStanza> = (stanza: E) => Promise<unknown>;

export interface StanzaPipeline<E extends LinkStanza> {
  handle(stanza: E, send: LinkSend<E>): Promise<unknown>;
  /** Resolves once no work is queued or running. */
  idle(): Promise<void>;
}

/** The part of @xmpp/component's entity (v0.13, untyped CommonJS) used here. */
export interface ComponentEntity<E extends LinkStanza = LinkStanza> {
  send(stanza: E): Promise<void>;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  listeners(event: string): Array<(...args: any[]) => void>;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  reconnect: { stop(): void };
}

export interface ComponentLinkOptions<E extends LinkStanza> {
  service: string;
  domain: string;
  secret: string;
  log: Logger;
  /** Prefix of log messages, e.g. 'muc'. */
  label: string;
  pipeline: StanzaPipeline<E>;
  sendFailures: { inc(): void };
  /** Runs after in-flight work drained and before the link closes, while it is still up. */
  beforeClose?: (send: LinkSend<E>) => Promise<unknown>;
}

const STOP_DRAIN_MS = 5000;

type ComponentFactory = (options: { service: string; domain: string; password: string }) => ComponentEntity<any>;

function createEntity<E extends LinkStanza>(options: { service: string; domain: string; password: string }): ComponentEntity<E> {
  // The all-in-one's bundled components: a link to the router of this process (in-process-service.ts).
  if (isInProcessService(options.service)) return inProcessEntity(options.service, options);
  const require = createRequire(import.meta.url);
  const { component } = require('@xmpp/component') as { component: ComponentFactory };
  return component(options);
}

/** A send for the handlers: resolves when written, counts and logs (never rejects) when the link is down. */
export function linkSend<E extends LinkStanza>(entity: Pick<ComponentEntity<E>, 'send'>, log: Logger, label: string, failures: { inc(): void }): LinkSend<E> {
  return (stanza) => {
    let written: Promise<unknown>;
    try {
      written = entity.send(stanza);
    } catch (err) {
      written = Promise.reject(err);
    }
    return written.catch((err: unknown) => {
      failures.inc();
      log.warn({ err, stanza: stanza.name, to: stanza.attrs.to }, `${label}: stanza not sent (link down?)`);
    });
  };
}

/** Removes the middleware's 'element' listener; fails at start if xmpp.js internals changed. */
function detachMiddleware(entity: ComponentEntity<any>): void {
  const listeners = entity.listeners('element');
  if (listeners.length !== 1) {
    throw new Error(`@xmpp/component: expected exactly one 'element' listener (its middleware), found ${listeners.length}`);
  }
  entity.removeListener('element', listeners[0]!);
}

/** `xmpp://a:5275, xmpp://b:5275` → both; one URL → itself. */
export function routerServices(service: string): string[] {
  const list = service.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length ? list : [service];
}

/** Connects, attaches the pipeline and resolves once attached (rejects if the first attempt fails). */
export async function startComponentLink<E extends LinkStanza>(options: ComponentLinkOptions<E>): Promise<{ stop(): Promise<void> }> {
  const { log, label, pipeline } = options;
  // `service` may name several routers (comma-separated): the link attaches to the first and,
  // when its router goes away (drained, crashed), reattaches to the next one.
  const services = routerServices(options.service);
  let current = 0;
  let service = services[0]!;
  const entity = createEntity<E>({ service, domain: options.domain, password: options.secret });
  const rotate = () => {
    if (services.length < 2) return;
    current = (current + 1) % services.length;
    service = services[current]!;
    (entity as unknown as { options: { service: string } }).options.service = service; // @xmpp/reconnect reads it at each attempt
  };
  if (!isInProcessService(service)) detachMiddleware(entity); // an in-process entity has no middleware
  const send = linkSend(entity, log, label, options.sendFailures);
  let accepting = true;
  let online = false;

  entity.on('stanza', (stanza: E) => {
    if (!accepting) return;
    pipeline.handle(stanza, send).catch((err: unknown) => log.error({ err }, `${label}: unexpected pipeline failure`));
  });
  // While the router is unreachable, reconnect attempts fail every second: only the first is a warning.
  entity.on('error', (err: unknown) => (online ? log.warn : log.debug).call(log, { err }, `${label}: component link error`));
  entity.on('online', () => {
    online = true;
    log.info({ service }, `${label}: component attached`);
  });
  entity.on('disconnect', () => {
    if (online && accepting) log.warn({ service }, `${label}: component link lost, reconnecting${services.length > 1 ? ' to the next router' : ''}`);
    online = false;
    rotate();
  });

  try {
    await entity.start(); // the first router must answer at start; later, any of them
  } catch (err) {
    entity.reconnect.stop();
    await entity.stop().catch(() => undefined);
    throw err;
  }

  return {
    async stop() {
      accepting = false;
      entity.reconnect.stop();
      await waitAtMost(pipeline.idle(), STOP_DRAIN_MS);
      if (online && options.beforeClose) await options.beforeClose(send).catch((err: unknown) => log.warn({ err }, `${label}: closing notice failed`));
      await entity.stop().catch((err: unknown) => log.warn({ err }, `${label}: error while closing the link`));
    },
  };
}
