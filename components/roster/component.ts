// The XEP-0114 link: an @xmpp/component connection (with its reconnect) whose stanzas all go to
// the stanza router. xmpp.js's own middleware is detached: its iq-callee would answer every IQ
// get/set a second time (service-unavailable), and stanza-router.ts already is the one pipeline
// and error boundary. Sends never throw or reject: a failed write (link down) is logged.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import type { RosterStore } from '../../shared/storage/types.js';
import { rosterSendFailures } from './metrics.js';
import { createStanzaRouter, type LinkSend } from './stanza-router.js';
import type { UserQueueLimits } from './user-queue.js';
import type { XmlElement } from './xmpp-bindings.js';

export interface RosterComponentOptions {
  /** The router's XEP-0114 port, e.g. 'xmpp://127.0.0.1:5275'. */
  service: string;
  /** The component's domain, e.g. 'roster.localhost'. */
  domain: string;
  secret: string;
  /** The server's domain, e.g. 'localhost'. */
  serverDomain: string;
  rosters: RosterStore;
  /** Most items in one roster (and most unanswered inbound requests). */
  maxItems: number;
  logger?: Logger;
  /** RFC 6121 §3.1.3: with it, requests to local JIDs without an account are answered 'unsubscribed'. */
  userExists?: (bareJid: string) => Promise<boolean>;
  /** Bounds of the per-user queues (defaults in user-queue.ts). */
  queueLimits?: Partial<UserQueueLimits>;
}

export interface RunningRosterComponent {
  /** Stops taking stanzas, lets in-flight work finish (bounded wait), then closes the link. */
  stop(): Promise<void>;
}

/** The part of @xmpp/component's entity (v0.13, untyped CommonJS) used here. */
export interface ComponentEntity {
  send(stanza: XmlElement): Promise<void>;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  listeners(event: string): Array<(...args: any[]) => void>;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  reconnect: { stop(): void };
}

type ComponentFactory = (options: { service: string; domain: string; password: string }) => ComponentEntity;

const STOP_DRAIN_MS = 5000;

function createEntity(options: { service: string; domain: string; password: string }): ComponentEntity {
  const require = createRequire(import.meta.url);
  const { component } = require('@xmpp/component') as { component: ComponentFactory };
  return component(options);
}

/** A send for the handlers: resolves when written, logs (never rejects) when the link is down. */
export function linkSend(entity: Pick<ComponentEntity, 'send'>, log: Logger): LinkSend {
  return (stanza) => {
    let written: Promise<unknown>;
    try {
      written = entity.send(stanza);
    } catch (err) {
      written = Promise.reject(err);
    }
    return written.catch((err: unknown) => {
      rosterSendFailures.inc();
      log.warn({ err, stanza: stanza.name, to: stanza.attrs.to }, 'roster: stanza not sent (link down?)');
    });
  };
}

/** Removes the middleware's 'element' listener; fails at start if xmpp.js internals changed. */
function detachMiddleware(entity: ComponentEntity): void {
  const listeners = entity.listeners('element');
  if (listeners.length !== 1) {
    throw new Error(`@xmpp/component: expected exactly one 'element' listener (its middleware), found ${listeners.length}`);
  }
  entity.removeListener('element', listeners[0]);
}

export async function startRosterComponent(options: RosterComponentOptions): Promise<RunningRosterComponent> {
  const log = (options.logger ?? createLogger('info')).child({ component: options.domain });
  const router = createStanzaRouter({
    domain: options.domain,
    serverDomain: options.serverDomain,
    rosters: options.rosters,
    maxItems: options.maxItems,
    log,
    userExists: options.userExists,
    queueLimits: options.queueLimits,
  });
  const entity = createEntity({ service: options.service, domain: options.domain, password: options.secret });
  detachMiddleware(entity);
  const send = linkSend(entity, log);
  let accepting = true;

  entity.on('stanza', (stanza: XmlElement) => {
    if (!accepting) return;
    router.handle(stanza, send).catch((err: unknown) => log.error({ err }, 'roster: unexpected router failure'));
  });
  // While the router is unreachable, reconnect attempts fail every second: only the first is a warning.
  let online = false;
  entity.on('error', (err: unknown) => (online ? log.warn : log.debug).call(log, { err }, 'roster: component link error'));
  entity.on('online', () => {
    online = true;
    log.info({ service: options.service }, 'roster: component attached');
  });
  entity.on('disconnect', () => {
    if (online && accepting) log.warn({ service: options.service }, 'roster: component link lost, reconnecting');
    online = false;
  });

  try {
    await entity.start();
  } catch (err) {
    entity.reconnect.stop();
    await entity.stop().catch(() => undefined);
    throw err;
  }

  return {
    async stop() {
      accepting = false;
      entity.reconnect.stop();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_DRAIN_MS);
        timer.unref();
      });
      await Promise.race([router.idle(), deadline]);
      clearTimeout(timer);
      await entity.stop().catch((err: unknown) => log.warn({ err }, 'roster: error while closing the link'));
    },
  };
}
