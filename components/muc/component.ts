// The XEP-0114 link of the MUC service, as components/roster/component.ts does it: an
// @xmpp/component connection (with its reconnect) whose stanzas all go to the stanza router.
// xmpp.js's own middleware is detached (its iq-callee would answer every IQ a second time).
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import { mucSendFailures } from './metrics.js';
import { createMucStanzaRouter, type LinkSend, type MucRouterOptions } from './stanza-router.js';
import type { XmlElement } from './xml.js';

export interface MucComponentOptions extends Omit<MucRouterOptions, 'log'> {
  /** The router's XEP-0114 port, e.g. 'xmpp://127.0.0.1:5275'. */
  service: string;
  /** The component's domain, e.g. 'conference.localhost'. */
  domain: string;
  secret: string;
  /** The server's domain, e.g. 'localhost'. */
  serverDomain: string;
  logger?: Logger;
}

export interface RunningMucComponent {
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
      mucSendFailures.inc();
      log.warn({ err, stanza: stanza.name, to: stanza.attrs.to }, 'muc: stanza not sent (link down?)');
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

export async function startMucComponent(options: MucComponentOptions): Promise<RunningMucComponent> {
  const log = (options.logger ?? createLogger('info')).child({ component: options.domain });
  const { service, secret, logger: _logger, ...routerOptions } = options;
  const router = createMucStanzaRouter({ ...routerOptions, log });
  const entity = createEntity({ service, domain: options.domain, password: secret });
  detachMiddleware(entity);
  const send = linkSend(entity, log);
  let accepting = true;
  let online = false;

  entity.on('stanza', (stanza: XmlElement) => {
    if (!accepting) return;
    router.handle(stanza, send).catch((err: unknown) => log.error({ err }, 'muc: unexpected router failure'));
  });
  entity.on('error', (err: unknown) => (online ? log.warn : log.debug).call(log, { err }, 'muc: component link error'));
  entity.on('online', () => {
    online = true;
    log.info({ service }, 'muc: component attached');
  });
  entity.on('disconnect', () => {
    if (online && accepting) log.warn({ service }, 'muc: component link lost, reconnecting');
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
      if (online) await router.shutdown(send).catch((err: unknown) => log.warn({ err }, 'muc: shutdown notice failed'));
      await entity.stop().catch((err: unknown) => log.warn({ err }, 'muc: error while closing the link'));
    },
  };
}
