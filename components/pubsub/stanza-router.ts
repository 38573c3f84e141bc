// Every stanza the component receives goes through `handle`: IQs are routed by a name like
// `iq/set/pubsub/publish` (type, namespace, first child) to one handler, run in the node's serial
// lane (node-queue.ts), inside one error boundary: a PubsubError becomes its error reply, any
// other failure internal-server-error, a full queue resource-constraint. Stanzas leave through
// the `send` given with each stanza, so the whole component is testable without a socket.
import { pino, type Logger } from 'pino';
import { parseJid } from '../../shared/jid.js';
import { handleDiscoInfo, handleDiscoItems } from './disco.js';
import { handleItems } from './items-retrieve.js';
import { pubsubHandlerErrors, pubsubQueued, pubsubRequests, pubsubShed } from './metrics.js';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PUBSUB, NS_PUBSUB_OWNER } from './namespaces.js';
import { DEFAULT_NODE_LIMITS } from './node-config-form.js';
import { handleConfigureGet, handleConfigureSet, handleDefaultGet } from './node-configure.js';
import { handleCreate } from './node-create.js';
import { handleDelete } from './node-delete.js';
import { DEFAULT_NODE_QUEUE_LIMITS, type NodeQueueLimits } from './node-queue.js';
import { createNamedKeyedQueue, QueueFullError } from '../../shared/component/keyed-queue.js';
import { handleOwnAffiliationsGet, handleOwnerAffiliationsGet, handleOwnerAffiliationsSet } from './owner-affiliations.js';
import { handleOwnerSubscriptionsGet, handleOwnerSubscriptionsSet, handleOwnSubscriptionsGet } from './owner-subscriptions.js';
import { handlePublish } from './publish.js';
import { defaultIds, type HandlerContext, type PubsubRequest, type PubsubServiceConfig } from './pubsub-context.js';
import { errorReply, PubsubError } from './pubsub-errors.js';
import { handlePurge } from './purge.js';
import { handleRetract } from './retract.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe.js';
import { handleAuthorizationAnswer, isAuthorizationAnswer } from './subscription-authorization.js';
import { handleDefaultOptionsGet, handleOptionsGet, handleOptionsSet } from './subscription-options.js';
import { readForm } from './data-forms.js';
import { childElements, xml, type XmlElement } from './xmpp-bindings.js';
import { DEFAULT_PEP_PRESENCE_LIMITS, PepPresence, type PepPresenceLimits } from './pep-presence.js';
import { convertBookmarks } from './bookmarks-conversion.js';
import { checkPepOperation, PEP_NODE_DEFAULTS, pepRecipients, pepSend, sendLastItemsOnLogin, unwrapDelegation } from './pep-service.js';

/** Hands a stanza to the link; the promise settles once written (or failed, logged). */
export type LinkSend = (stanza: XmlElement) => Promise<unknown>;

/** (context, request, the routed element, its parent <pubsub>/<query>) → result payload. */
type IqHandler = (ctx: HandlerContext, req: PubsubRequest, el: XmlElement, parent: XmlElement) => Promise<XmlElement | undefined>;

type IqType = 'get' | 'set';
type Payload = 'pubsub' | 'owner' | 'disco';
export type RouteName = `iq/${IqType}/${Payload}/${string}`;

const PAYLOAD_NS: Record<Payload, string[]> = { pubsub: [NS_PUBSUB], owner: [NS_PUBSUB_OWNER], disco: [NS_DISCO_INFO, NS_DISCO_ITEMS] };

const ROUTES: Record<RouteName, IqHandler> = {
  'iq/set/pubsub/create': handleCreate,
  'iq/set/pubsub/publish': handlePublish,
  'iq/set/pubsub/retract': handleRetract,
  'iq/set/pubsub/subscribe': handleSubscribe,
  'iq/set/pubsub/unsubscribe': handleUnsubscribe,
  'iq/get/pubsub/options': handleOptionsGet,
  'iq/set/pubsub/options': handleOptionsSet,
  'iq/get/pubsub/default': handleDefaultOptionsGet,
  'iq/get/pubsub/items': handleItems,
  'iq/get/pubsub/subscriptions': handleOwnSubscriptionsGet,
  'iq/get/pubsub/affiliations': handleOwnAffiliationsGet,
  'iq/get/owner/configure': handleConfigureGet,
  'iq/set/owner/configure': handleConfigureSet,
  'iq/get/owner/default': (ctx) => handleDefaultGet(ctx),
  'iq/set/owner/delete': handleDelete,
  'iq/set/owner/purge': handlePurge,
  'iq/get/owner/subscriptions': handleOwnerSubscriptionsGet,
  'iq/set/owner/subscriptions': handleOwnerSubscriptionsSet,
  'iq/get/owner/affiliations': handleOwnerAffiliationsGet,
  'iq/set/owner/affiliations': handleOwnerAffiliationsSet,
  'iq/get/disco/query': (ctx, req, el) => (el.attrs.xmlns === NS_DISCO_INFO ? handleDiscoInfo(ctx, req, el) : handleDiscoItems(ctx, req, el)),
};

export interface StanzaRouterOptions extends Partial<Omit<PubsubServiceConfig, 'domain' | 'serverDomain' | 'store'>> {
  domain: string;
  serverDomain: string;
  store: PubsubServiceConfig['store'];
  queueLimits?: Partial<NodeQueueLimits>;
  /** Bounds of PEP's presence and caps tables (docs/pep.md). */
  pepLimits?: Partial<PepPresenceLimits>;
}

export interface StanzaRouter {
  /** Handles one incoming stanza; never rejects. Resolves once its work (and its sends) are done. */
  handle(stanza: XmlElement, send: LinkSend): Promise<void>;
  idle(): Promise<void>;
}

const INTERNAL_ERROR = () => new PubsubError('cancel', 'internal-server-error');
const BUSY = () => new PubsubError('wait', 'resource-constraint');

function payloadOf(iq: XmlElement): { kind: Payload; parent: XmlElement; el: XmlElement } | undefined {
  for (const child of childElements(iq)) {
    const ns = child.attrs.xmlns ?? '';
    const kind = (Object.keys(PAYLOAD_NS) as Payload[]).find((k) => PAYLOAD_NS[k].includes(ns));
    if (!kind) continue;
    if (kind === 'disco') return { kind, parent: child, el: child };
    const first = childElements(child)[0];
    return first ? { kind, parent: child, el: first } : undefined;
  }
  return undefined;
}

export function createStanzaRouter(options: StanzaRouterOptions): StanzaRouter {
  const log: Logger = options.log ?? pino({ level: 'silent' });
  const config: PubsubServiceConfig = { limits: DEFAULT_NODE_LIMITS, autoCreate: true, ...defaultIds, ...options, log };
  const queue = createNamedKeyedQueue('node', 'maxPerNode', DEFAULT_NODE_QUEUE_LIMITS, options.queueLimits);
  const presence = new PepPresence(config.domain, log, { ...DEFAULT_PEP_PRESENCE_LIMITS, ...options.pepLimits });
  config.pepRecipients ??= (ctx, service, node) => pepRecipients(ctx, presence, service, node);

  /** Runs `work` in the node's lane; its stanzas (reply, then notifications) are written before the lane moves on. */
  async function inLane(node: string, send: LinkSend, work: (ctx: HandlerContext, later: Array<() => Promise<void>>) => Promise<void>, overrides: Partial<PubsubServiceConfig> = {}): Promise<void> {
    pubsubQueued.inc();
    try {
      await queue.run(node, async () => {
        const writes: Promise<unknown>[] = [];
        const later: Array<() => Promise<void>> = [];
        const ctx: HandlerContext = {
          ...config,
          ...overrides,
          send: (stanza) => {
            const written = send(stanza);
            writes.push(written);
            return written;
          },
          afterReply: (task) => void later.push(task),
        };
        try {
          await work(ctx, later);
        } finally {
          await Promise.allSettled(writes);
        }
      });
    } finally {
      pubsubQueued.dec();
    }
  }

  /** `service`: the component's domain, or a user's bare JID for PEP (the IQ came delegated). */
  async function handleIq(iq: XmlElement, send: LinkSend, service = config.domain): Promise<void> {
    const type = iq.attrs.type;
    if (type !== 'get' && type !== 'set') {
      presence.onIqAnswer(iq); // answers to our caps queries; nothing else is asked of us
      return;
    }
    const reply = (stanza: XmlElement) => send(stanza);
    const from = parseJid(iq.attrs.from ?? '');
    const payload = payloadOf(iq);
    const route = payload ? (`iq/${type}/${payload.kind}/${payload.el.name}` as RouteName) : undefined;
    const handler = route ? ROUTES[route] : undefined;
    if (!from || iq.attrs.to !== service || !payload || !handler) {
      const known = iq.attrs.to === service && payload && payload.kind !== 'disco';
      await reply(errorReply(iq, known ? new PubsubError('cancel', 'feature-not-implemented') : new PubsubError('cancel', 'service-unavailable')));
      return;
    }
    const pep = service !== config.domain;
    if (pep) {
      try {
        checkPepOperation(route!, service, from.bare);
      } catch (err) {
        await reply(errorReply(iq, err as PubsubError));
        return;
      }
    }
    pubsubRequests.inc({ op: route! });
    const req: PubsubRequest = { iq, from, service };
    const lane = pep ? `${service}\0${payload.el.attrs.node ?? ''}` : (payload.el.attrs.node ?? '');
    let answered = false;
    try {
      await inLane(lane, send, async (ctx, later) => {
        try {
          const result = await handler(ctx, req, payload.el, payload.parent);
          answered = true;
          await ctx.send(xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to, to: iq.attrs.from }, result ?? null));
        } catch (err) {
          if (!(err instanceof PubsubError)) throw err;
          answered = true;
          await ctx.send(errorReply(iq, err));
          return;
        }
        for (const task of later) {
          await task().catch((err: unknown) => log.error({ err, route }, 'pubsub: work after reply failed'));
        }
      }, pep ? { nodeDefaults: PEP_NODE_DEFAULTS, onItemsChanged: convertBookmarks } : {});
    } catch (err) {
      if (answered) return;
      if (err instanceof QueueFullError) {
        pubsubShed.inc();
        log.warn({ scope: err.scope, from: iq.attrs.from }, 'pubsub: queue full, request shed');
        await reply(errorReply(iq, BUSY()));
        return;
      }
      pubsubHandlerErrors.inc();
      log.error({ err, route, from: iq.attrs.from }, 'pubsub: handler failed');
      await reply(errorReply(iq, INTERNAL_ERROR()));
    }
  }

  async function handleMessage(message: XmlElement, send: LinkSend): Promise<void> {
    if (message.attrs.type === 'error' || !isAuthorizationAnswer(message)) return; // nothing else is asked of the service by message
    const node = readForm(message)?.fields.get('pubsub#node')?.[0] ?? '';
    pubsubRequests.inc({ op: 'message/subscribe_authorization' });
    try {
      await inLane(node, send, (ctx) => handleAuthorizationAnswer(ctx, message));
    } catch (err) {
      log.warn({ err, from: message.attrs.from }, 'pubsub: authorization answer not handled');
    }
  }

  /** XEP-0355: a PEP request delegated by the server; the service is the inner `to` (the owner's bare JID). */
  async function handleDelegated(outer: XmlElement, send: LinkSend): Promise<void> {
    const inner = outer.attrs.from === config.serverDomain && outer.attrs.type === 'set' ? unwrapDelegation(outer) : undefined;
    const owner = parseJid(inner?.attrs.to ?? '');
    if (!inner || !owner || !owner.local || owner.resource || owner.domain !== config.serverDomain) {
      await send(errorReply(outer, new PubsubError(inner ? 'modify' : 'auth', inner ? 'bad-request' : 'forbidden')));
      return;
    }
    await handleIq(inner, pepSend(send, config.domain, config.serverDomain, outer, inner), owner.bare);
  }

  /** The router's copy of a local user's presence (docs/pep.md): caps, and last items on login. */
  async function handlePresence(stanza: XmlElement, send: LinkSend): Promise<void> {
    const update = presence.onPresence(stanza, send);
    if (!update || !update.available || !update.initial || !update.primary) return;
    // Not awaited: it may wait for the answer to the caps query this presence just caused.
    inLane(`login\0${update.jid}`, pepSend(send, config.domain, config.serverDomain), (ctx) => sendLastItemsOnLogin(ctx, presence, update.jid)).catch((err: unknown) =>
      log.warn({ err, jid: update.jid }, 'pep: last items on login not sent'),
    );
  }

  return {
    async handle(stanza, send) {
      try {
        if (stanza.name === 'iq' && stanza.getChild('delegation', 'urn:xmpp:delegation:2')) await handleDelegated(stanza, send);
        else if (stanza.name === 'iq') await handleIq(stanza, send);
        else if (stanza.name === 'message') await handleMessage(stanza, send);
        else if (stanza.name === 'presence') await handlePresence(stanza, send);
      } catch (err) {
        log.error({ err }, 'pubsub: unexpected failure');
      }
    },
    idle: () => queue.idle(),
  };
}
