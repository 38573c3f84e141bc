// The roster service's options and its start: the stanza router on a shared XEP-0114 link
// (shared/component/component-link.ts).
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import type { RosterStore } from '../../shared/storage/types.js';
import { rosterSendFailures } from './metrics.js';
import { createStanzaRouter } from './stanza-router.js';
import { startComponentLink } from '../../shared/component/component-link.js';
import type { UserQueueLimits } from './user-queue.js';

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
  return startComponentLink({
    service: options.service,
    domain: options.domain,
    secret: options.secret,
    log,
    label: 'roster',
    pipeline: router,
    sendFailures: rosterSendFailures,
  });
}
