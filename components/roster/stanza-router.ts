// Every stanza the component receives goes through `handle`: routed by kind to its handler, run in
// the sender's serial lane (user-queue.ts), inside one error boundary (an IQ whose handler throws
// is answered internal-server-error). Stanzas go out through the `send` given with each stanza, so
// the whole component is testable without a socket.
import { pino, type Logger } from 'pino';
import { parseJid } from '../../shared/jid.js';
import { answerDiscoInfo, isDiscoInfoQuery } from './disco.js';
import { rosterHandlerErrors, rosterQueued, rosterShed, rosterStanzas, type StanzaKind } from './metrics.js';
import { handleBroadcastPresence, isBroadcastCopy } from './presence-fanout.js';
import { IqAnswer } from './iq-answer.js';
import { NS_DELEGATION, NS_PRIVILEGE, unwrapDelegated, unwrapPrivileged, wrapPrivileged } from './privilege.js';
import { isLocalUser, type HandlerContext, type RosterServiceConfig } from './roster-context.js';
import { NS_ROSTER } from './roster-items.js';
import { handleRosterQuery } from './roster-query.js';
import { errorElement, errorReply, mayAnswerWithError, type StanzaErrorSpec } from './stanza-replies.js';
import { handleInboundSubscription, handleOutboundSubscription } from './subscription-presence.js';
import { isSubscriptionType } from './subscription-states.js';
import { handleInboundProbe, isInboundProbe } from './inbound-probe.js';
import { DEFAULT_USER_QUEUE_LIMITS, type UserQueueLimits } from './user-queue.js';
import { createNamedKeyedQueue, QueueFullError } from '../../shared/component/keyed-queue.js';
import { xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';
import { storageErrorCondition } from '../../shared/storage/storage-bulkhead.js';

/** Hands a stanza to the link; a returned promise settles once it is written (or failed, logged). */
export type LinkSend = (stanza: XmlElement) => void | Promise<unknown>;

export interface StanzaRouterOptions extends Omit<RosterServiceConfig, 'log'> {
  log?: Logger;
  queueLimits?: Partial<UserQueueLimits>;
}

export interface StanzaRouter {
  /** Handles one incoming stanza; never rejects. Resolves once its work (and its sends) are done. */
  handle(stanza: XmlElement, send: LinkSend): Promise<void>;
  /** Resolves once no task is queued or running. */
  idle(): Promise<void>;
}

const INTERNAL_ERROR: StanzaErrorSpec = { type: 'cancel', condition: 'internal-server-error' };
const SERVICE_UNAVAILABLE: StanzaErrorSpec = { type: 'cancel', condition: 'service-unavailable' };
const BUSY: StanzaErrorSpec = { type: 'wait', condition: 'resource-constraint', text: 'Too many roster requests in progress' };

export function createStanzaRouter(options: StanzaRouterOptions): StanzaRouter {
  const log = options.log ?? pino({ level: 'silent' });
  const config: RosterServiceConfig = { ...options, log };
  const queue = createNamedKeyedQueue('user', 'maxPerUser', DEFAULT_USER_QUEUE_LIMITS, options.queueLimits);

  /** Runs `work` in `user`'s lane; its stanzas are flushed before the lane moves on (bounded output). */
  async function inLane(user: string, send: LinkSend, work: (ctx: HandlerContext) => Promise<void>): Promise<void> {
    const task = queue.run(user, async () => {
      const writes: Promise<unknown>[] = [];
      const ctx: HandlerContext = {
        ...config,
        send: (stanza) => {
          const written = send(stanza);
          if (written) writes.push(written);
        },
      };
      try {
        await work(ctx);
      } finally {
        await Promise.allSettled(writes);
      }
    });
    rosterQueued.inc();
    try {
      await task;
    } finally {
      rosterQueued.dec();
    }
  }

  function count(kind: StanzaKind) {
    rosterStanzas.inc({ kind });
  }

  async function routeIq(iq: XmlElement, send: LinkSend, answer: IqAnswer): Promise<void> {
    if (iq.getChild('delegation', NS_DELEGATION)) {
      await routeDelegated(iq, send, answer);
      return;
    }
    if (isDiscoInfoQuery(iq) && iq.attrs.to === config.domain) {
      count('disco');
      answer.respond(answerDiscoInfo(iq));
      return;
    }
    count('unhandled');
    answer.error(SERVICE_UNAVAILABLE);
  }

  /** docs/roster-delegation.md §1: a client's roster IQ, forwarded by the server. */
  async function routeDelegated(outer: XmlElement, send: LinkSend, answer: IqAnswer): Promise<void> {
    const inner = unwrapDelegated(outer);
    if (outer.attrs.from !== config.serverDomain || outer.attrs.type !== 'set') {
      answer.error({ type: 'auth', condition: 'forbidden', text: 'Only the server delegates to this component' });
      return;
    }
    if (!inner || (inner.attrs.type !== 'get' && inner.attrs.type !== 'set')) {
      answer.error({ type: 'modify', condition: 'bad-request', text: 'No forwarded IQ get or set' });
      return;
    }
    answer.delegate(inner);
    if (!inner.getChild('query', NS_ROSTER)) {
      answer.error(SERVICE_UNAVAILABLE);
      return;
    }
    count(inner.attrs.type === 'get' ? 'roster-get' : 'roster-set');
    const user = parseJid(inner.attrs.from ?? '')?.bare ?? inner.attrs.from ?? '';
    await inLane(user, send, (ctx) => handleRosterQuery(ctx, inner, (reply) => answer.respond(reply)));
  }

  /** docs/roster-delegation.md §3 (and §4): subscription presence handed over by the server. */
  async function routeMessage(message: XmlElement, send: LinkSend): Promise<void> {
    if (!message.getChild('privilege', NS_PRIVILEGE)) {
      count('unhandled');
      if (mayAnswerWithError(message)) send(errorReply(message, SERVICE_UNAVAILABLE));
      return;
    }
    const inner = unwrapPrivileged(message);
    // A remote contact's probe (docs/s2s.md): answered only for a contact with a subscription.
    if (message.attrs.from === config.serverDomain && isInboundProbe(inner) && isLocalUser(config, parseJid(inner.attrs.to ?? ''))) {
      count('subscription');
      const user = parseJid(inner.attrs.to ?? '')!.bare;
      await inLane(user, send, (ctx) => handleInboundProbe(ctx, inner));
      return;
    }
    if (message.attrs.from !== config.serverDomain || inner?.name !== 'presence' || !isSubscriptionType(inner.attrs.type)) {
      log.warn({ from: message.attrs.from, inner: inner?.name, type: inner?.attrs.type }, 'roster: privileged stanza ignored');
      return;
    }
    count('subscription');
    const from = parseJid(inner.attrs.from ?? '');
    const to = parseJid(inner.attrs.to ?? '');
    const lane = isLocalUser(config, from) ? from.bare : isLocalUser(config, to) ? to.bare : undefined;
    if (!lane) {
      log.warn({ from: inner.attrs.from, to: inner.attrs.to }, 'roster: subscription presence concerns no local user');
      return;
    }
    try {
      await inLane(lane, send, (ctx) => (lane === from?.bare ? handleOutboundSubscription(ctx, inner) : handleInboundSubscription(ctx, inner)));
    } catch (err) {
      // Subscription state is not ephemeral: a shed request is refused visibly, not dropped.
      if (err instanceof QueueFullError) send(refusal(inner, BUSY));
      throw err;
    }
  }

  /** A presence error to the sender of a subscription presence, from its addressee. */
  function refusal(presence: XmlElement, spec: StanzaErrorSpec): XmlElement {
    const error = xml('presence', { type: 'error', from: presence.attrs.to, to: presence.attrs.from }, errorElement(spec));
    return wrapPrivileged(error, { from: config.domain, to: config.serverDomain });
  }

  async function routePresence(presence: XmlElement, send: LinkSend): Promise<void> {
    if (isBroadcastCopy(config, presence)) {
      count('presence');
      const user = parseJid(presence.attrs.from ?? '')!.bare;
      await inLane(user, send, (ctx) => handleBroadcastPresence(ctx, presence));
      return;
    }
    count('unhandled');
    if (presence.attrs.type !== 'unavailable' && mayAnswerWithError(presence)) send(errorReply(presence, SERVICE_UNAVAILABLE));
  }

  async function handle(stanza: XmlElement, send: LinkSend): Promise<void> {
    const answer = new IqAnswer(stanza, send);
    try {
      if (stanza.name === 'iq') {
        if (mayAnswerWithError(stanza)) await routeIq(stanza, send, answer); // results and errors: nothing asked of us
      } else if (stanza.name === 'message') {
        await routeMessage(stanza, send);
      } else if (stanza.name === 'presence') {
        await routePresence(stanza, send);
      }
    } catch (err) {
      if (err instanceof QueueFullError) {
        // Shed: IQs get resource-constraint (wait); presence is dropped (it is ephemeral).
        rosterShed.inc({ kind: stanza.name });
        log.warn({ scope: err.scope, from: stanza.attrs.from, stanza: stanza.name }, 'roster: queue full, stanza shed');
        if (!answer.answered && stanza.name === 'iq') answer.error(BUSY);
        return;
      }
      rosterHandlerErrors.inc();
      // Storage slow or busy (its bulkhead refused): a wait-type error, never a hang (docs/isolation.md).
      const storage = storageErrorCondition(err);
      if (storage) log.warn({ err: String(err), from: stanza.attrs.from, stanza: stanza.name }, 'roster: storage unavailable');
      else log.error({ err, from: stanza.attrs.from, stanza: stanza.name, type: stanza.attrs.type }, 'roster: handler failed');
      const spec: StanzaErrorSpec = storage ? { type: 'wait', condition: storage, text: 'Roster storage is not answering in time' } : INTERNAL_ERROR;
      if (!answer.answered && stanza.name === 'iq' && mayAnswerWithError(stanza)) answer.error(spec);
    }
  }

  return { handle, idle: () => queue.idle() };
}
