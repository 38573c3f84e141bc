// The XEP-0114 link: an @xmpp/component connection (with its reconnect) whose stanzas all go to
// the stanza router. As in the roster component, xmpp.js's own middleware is detached (its
// iq-callee would answer every IQ a second time); stanza-router.ts is the one pipeline and error
// boundary. Sends never reject: a failed write (link down) is counted and logged.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import type { PubsubStore, Roster } from '../../shared/storage/types.js';
import { pubsubSendFailures } from './metrics.js';
import { DEFAULT_NODE_LIMITS, type NodeLimits } from './node-config-form.js';
import type { NodeQueueLimits } from './node-queue.js';
import { createStanzaRouter, type LinkSend } from './stanza-router.js';
import type { XmlElement } from './xmpp-bindings.js';

export interface PubsubComponentOptions {
  /** The router's XEP-0114 port, e.g. 'xmpp://127.0.0.1:5275'. */
  service: string;
  /** The component's domain, e.g. 'pubsub.localhost'. */
  domain: string;
  secret: string;
  /** The server's domain, e.g. 'localhost'. */
  serverDomain: string;
  store: PubsubStore;
  logger?: Logger;
  /** Users' rosters, for the presence and roster access models (denied without it). */
  rosterOf?: (owner: string) => Promise<Roster>;
  /** Bounds on nodes (max_items, payload size). */
  limits?: Partial<NodeLimits>;
  queueLimits?: Partial<NodeQueueLimits>;
  /** XEP-0060 §7.1.4 auto-create on publish (default true). */
  autoCreate?: boolean;
}

export interface RunningPubsubComponent {
  /** Stops taking stanzas, lets in-flight work finish (bounded wait), then closes the link. */
  stop(): Promise<void>;
}

interface ComponentEntity {
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

function linkSend(entity: ComponentEntity, log: Logger): LinkSend {
  return (stanza) => {
    let written: Promise<unknown>;
    try {
      written = entity.send(stanza);
    } catch (err) {
      written = Promise.reject(err);
    }
    return written.catch((err: unknown) => {
      pubsubSendFailures.inc();
      log.warn({ err, stanza: stanza.name, to: stanza.attrs.to }, 'pubsub: stanza not sent (link down?)');
    });
  };
}

function detachMiddleware(entity: ComponentEntity): void {
  const listeners = entity.listeners('element');
  if (listeners.length !== 1) {
    throw new Error(`@xmpp/component: expected exactly one 'element' listener (its middleware), found ${listeners.length}`);
  }
  entity.removeListener('element', listeners[0]!);
}

export async function startPubsubComponent(options: PubsubComponentOptions): Promise<RunningPubsubComponent> {
  const log = (options.logger ?? createLogger('info')).child({ component: options.domain });
  const router = createStanzaRouter({
    domain: options.domain,
    serverDomain: options.serverDomain,
    store: options.store,
    log,
    rosterOf: options.rosterOf,
    limits: { ...DEFAULT_NODE_LIMITS, ...options.limits },
    queueLimits: options.queueLimits,
    autoCreate: options.autoCreate ?? true,
  });
  const entity = createEntity({ service: options.service, domain: options.domain, password: options.secret });
  detachMiddleware(entity);
  const send = linkSend(entity, log);
  let accepting = true;

  entity.on('stanza', (stanza: XmlElement) => {
    if (accepting) void router.handle(stanza, send);
  });
  let online = false;
  entity.on('error', (err: unknown) => (online ? log.warn : log.debug).call(log, { err }, 'pubsub: component link error'));
  entity.on('online', () => {
    online = true;
    log.info({ service: options.service }, 'pubsub: component attached');
  });
  entity.on('disconnect', () => {
    if (online && accepting) log.warn({ service: options.service }, 'pubsub: component link lost, reconnecting');
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
      await entity.stop().catch((err: unknown) => log.warn({ err }, 'pubsub: error while closing the link'));
    },
  };
}
