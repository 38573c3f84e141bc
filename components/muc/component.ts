// The MUC service's options and its start: the stanza router on a shared XEP-0114 link
// (shared/component/component-link.ts).
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import { mucSendFailures } from './metrics.js';
import { createMucStanzaRouter, type MucRouterOptions } from './stanza-router.js';
import { startComponentLink } from '../../shared/component/component-link.js';

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

export async function startMucComponent(options: MucComponentOptions): Promise<RunningMucComponent> {
  const log = (options.logger ?? createLogger('info')).child({ component: options.domain });
  const { service, secret, logger: _logger, ...routerOptions } = options;
  const router = createMucStanzaRouter({ ...routerOptions, log });
  return startComponentLink({
    service,
    domain: options.domain,
    secret,
    log,
    label: 'muc',
    pipeline: router,
    sendFailures: mucSendFailures,
    // Occupants are told the room is going away (status 332) while the link is still up.
    beforeClose: (send) => router.shutdown(send),
  });
}
