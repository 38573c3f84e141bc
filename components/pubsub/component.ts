// The PubSub service's options and its start: the stanza router on a shared XEP-0114 link
// (shared/component/component-link.ts).
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import type { PubsubStore, Roster } from '../../shared/storage/types.js';
import { pubsubSendFailures } from './metrics.js';
import { DEFAULT_NODE_LIMITS, type NodeLimits } from './node-config-form.js';
import type { NodeQueueLimits } from './node-queue.js';
import { createStanzaRouter } from './stanza-router.js';
import { startComponentLink } from '../../shared/component/component-link.js';
import type { PerUserLimit, UserRateLimits } from '../../shared/abuse/user-rate-limit.js';
import { publishLimit } from './publish-limit.js';

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
  /** Items one user may publish per minute (config pubsub.publishesPerMinute, publish-limit.ts). */
  publishLimits?: Partial<UserRateLimits>;
  /** Counts publishes instead of a bucket in this instance's memory (a fleet: in Redis, docs/abuse.md). */
  publishLimiter?: PerUserLimit;
  /** Notifications through the server's XEP-0033 multicast (config pubsub.multicast; default false). */
  multicast?: boolean;
}

export interface RunningPubsubComponent {
  /** Stops taking stanzas, lets in-flight work finish (bounded wait), then closes the link. */
  stop(): Promise<void>;
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
    publishLimit: options.publishLimiter ?? publishLimit(options.publishLimits, log),
    multicast: options.multicast ?? false,
  });
  return startComponentLink({
    service: options.service,
    domain: options.domain,
    secret: options.secret,
    log,
    label: 'pubsub',
    pipeline: router,
    sendFailures: pubsubSendFailures,
  });
}
