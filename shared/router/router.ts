// The core router: decides where every stanza goes (RFC 6121 §8) — a local session, a
// component, offline storage or a server-domain handler. Embedded in every gateway.
import type { LastLogoutWriter } from './features/last-logout-writer.js';
import { Element } from 'ltx';
import type { Logger } from '../log.js';
import { parseJid, type Jid } from '../jid.js';
import type { Stores } from '../storage/types.js';
import { mayAnswerWithError, stanzaErrorReply, type StanzaErrorCondition } from '../xml/errors.js';
import { ComponentRegistry, type ComponentLink } from './component-registry.js';
import { LocalSessionDirectory, type SessionDirectory } from './session-directory.js';
import type { RoutedSession } from './session.js';
import { ServerIqHandlers } from './server-iq.js';
import { LocalDelivery } from './local-delivery.js';
import { PresenceBroadcast, SUBSCRIPTION_TYPES } from './presence-broadcast.js';
import { RosterDelegation } from './roster-delegation.js';
import { PepDelegation } from './pep-delegation.js';
import { VcardAvatarHashes } from './features/vcard-avatar-hashes.js';
import { ComponentLinkPicker } from './component-shard.js';
import { OfflineDelivery } from './offline-delivery.js';
import { deliverMulticast } from './multicast-delivery.js';
import { installServerFeatures } from './features/index.js';
import { sendSentCarbons } from './features/carbons.js';
import { createMessageArchive, type MessageArchive } from './archive/message-archive.js';
import type { ArchiveConfig } from '../config/types.js';
import type { PushConfig } from '../config/types.js';
import { PushNotifications } from './features/push/push-notifications.js';
import { BlocklistCache } from './features/blocklist-cache.js';
import { noteUnavailablePresence } from './features/last-activity.js';
import type { ContactAddresses } from './features/contact-addresses.js';
import { boundSessions, componentLinksUp, componentQueueRefusals, countRouted, stanzaErrorsSent } from './router-metrics.js';
import type { IncidentStore } from '../abuse/incidents/incident-store.js';
import type { NonContactLimit } from './non-contact-limit.js';

export interface RouterOptions {
  domain: string;
  rosterDomain: string;
  stores: Stores;
  offlineQuota: number;
  iqTimeoutMs: number;
  logger: Logger;
  serverVersion: string;
  /** Delegated IQs waiting for a component's answer, at most. */
  maxPendingIqs?: number;
  /** A fleet's directory (shared/cluster/cluster-directory.ts); the in-memory one otherwise. */
  sessions?: SessionDirectory;
  /** This node's id in a fleet; it prefixes the ids of delegated IQs so answers find their way back. */
  nodeId?: string;
  /** Message archive settings (XEP-0313, docs/archive.md); absent: the config defaults. */
  archive?: ArchiveConfig;
  /** Push notifications (XEP-0357, docs/push.md); absent: the config defaults (on). */
  push?: PushConfig;
  /** XEP-0157 addresses shown in the server's disco#info (docs/account-features.md). */
  contactAddresses?: ContactAddresses;
  /** The PubSub component that serves PEP on users' bare JIDs (default pubsub.DOMAIN, docs/pep.md). */
  pepDomain?: string;
  /** Where XEP-0377 spam reports land (docs/abuse.md); absent: the embedded store in stores.accountData. */
  incidents?: IncidentStore;
}

/** Where stanzas for other servers' domains go (gateway/s2s/federation.ts, docs/s2s.md). */
export interface RemoteDomains {
  send(stanza: Element, to: Jid): void;
}

export class Router {
  readonly domain: string;
  readonly sessions: SessionDirectory;
  /** Prefix of the ids of IQs this router sends to components, naming this node in a fleet ('' alone). */
  readonly idPrefix: string;
  /** In a fleet: takes a component's answer meant for another node (cluster-node.ts); undefined alone. */
  foreignAnswer: ((link: ComponentLink, stanza: Element) => boolean) | undefined;
  readonly components = new ComponentRegistry();
  readonly serverIq = new ServerIqHandlers();
  /** IQs to a local user's bare JID that the server answers on the account's behalf (RFC 6121 §8.5.2.1.3). */
  readonly accountIq = new ServerIqHandlers();
  /** Subdomains the router answers itself (IQs only), e.g. upload.DOMAIN (gateway/upload/); listed in the server's disco#items. */
  readonly hosted = new Map<string, ServerIqHandlers>();
  /** Blocklists of online users and the XEP-0191 checks (features/blocklist-cache.ts). */
  readonly blocking: BlocklistCache;
  /** XEP-0153 photo hashes of online users, stamped into their presence (XEP-0398 §4). */
  readonly vcardAvatars: VcardAvatarHashes;
  /** XEP-0012 last logouts waiting to be written; the node's stop flushes them before the stores close. */
  readonly lastLogouts: LastLogoutWriter;
  /** Run after a resource is bound and after it is gone (features keep per-user state with them). */
  readonly sessionHooks = { bound: [] as Array<(s: RoutedSession) => void>, ended: [] as Array<(s: RoutedSession) => void> };
  readonly local: LocalDelivery;
  readonly presence: PresenceBroadcast;
  readonly delegation: RosterDelegation;
  readonly pep: PepDelegation;
  private readonly linkPicker: ComponentLinkPicker;
  readonly offline: OfflineDelivery;
  /** Messages to non-contacts per user (non-contact-limit.ts, docs/abuse.md); undefined: abuse control off. */
  nonContacts: NonContactLimit | undefined;
  /** Federation (s2s.enabled): stanzas for domains that are not ours nor our subdomains; undefined: they bounce remote-server-not-found. */
  federation: RemoteDomains | undefined;
  /** User archives (XEP-0313); undefined when disabled. */
  readonly archive: MessageArchive | undefined;
  /** XEP-0357 push notifications; undefined when disabled (push.enabled false). */
  readonly push: PushNotifications | undefined;
  readonly log: Logger;

  constructor(readonly options: RouterOptions) {
    this.sessions = options.sessions ?? new LocalSessionDirectory();
    this.idPrefix = options.nodeId ? `n${options.nodeId}~` : '';
    this.domain = options.domain;
    this.log = options.logger.child({ module: 'router' });
    this.offline = new OfflineDelivery(this, options.stores.offline, options.offlineQuota);
    this.local = new LocalDelivery(this, options.stores.accounts);
    this.delegation = new RosterDelegation(this, options.rosterDomain, options.iqTimeoutMs, options.maxPendingIqs ?? 10_000);
    this.presence = new PresenceBroadcast(this, options.rosterDomain);
    this.pep = new PepDelegation(this, options.pepDomain ?? `pubsub.${options.domain}`, options.iqTimeoutMs, options.maxPendingIqs ?? 10_000);
    this.linkPicker = new ComponentLinkPicker(this.components);
    this.blocking = new BlocklistCache(this, options.stores.accountData);
    this.vcardAvatars = new VcardAvatarHashes(this, options.stores.accountData);
    this.archive = createMessageArchive(options.stores, options.archive, this.sessions, this.log);
    this.push = options.push?.enabled === false ? undefined : new PushNotifications(this, options.push);
    this.lastLogouts = installServerFeatures(this).lastLogouts;
    this.components.onChange((domain, up) => componentLinksUp.set({ domain }, up ? 1 : 0));
  }

  /** Binds a resource; a session already bound to the same full JID is replaced (RFC 6120 §7.7.2.2). */
  bindSession(session: RoutedSession): void {
    const replaced = this.sessions.get(session.jid.full);
    if (replaced && !replaced.remote) this.unbindSession(replaced); // a remote one is unbound by its own node
    this.sessions.bind(session);
    boundSessions.set(this.sessions.size);
    for (const hook of this.sessionHooks.bound) hook(session);
    // Ended once the new session is bound and its bind result written (the caller does that in
    // this turn), so what the old one never delivered (XEP-0198 queue) reaches the new one.
    if (replaced) queueMicrotask(() => replaced.terminate('conflict', 'Replaced by a new connection for the same resource'));
  }

  /** The session is gone: contacts and directed-presence recipients learn it is unavailable. */
  unbindSession(session: RoutedSession): void {
    if (!this.sessions.unbind(session)) return;
    boundSessions.set(this.sessions.size);
    this.delegation.sessionEnded(session);
    this.presence.sessionEnded(session);
    for (const hook of this.sessionHooks.ended) hook(session);
  }

  /** A stanza from a client; the gateway has stamped `from` with the session's full JID. */
  fromClient(session: RoutedSession, stanza: Element): void {
    const to = this.parseTo(stanza, session);
    if (to === null) return;
    if (to && this.blocking.refusesOutbound(session, stanza, to)) return; // XEP-0191 §3.3
    switch (stanza.name) {
      case 'message':
        if (to && this.nonContacts?.holds(session, stanza, to)) return; // routed later (routeMessage), or refused
        this.routeMessage(session, stanza, to);
        return;
      case 'presence':
        if (!to && stanza.attrs.type === 'unavailable') noteUnavailablePresence(session, stanza); // XEP-0012
        this.presence.fromClient(session, stanza, to);
        return;
      case 'iq':
        this.iqFromClient(session, stanza, to);
        return;
    }
  }

  /** A client's message past every check: to its recipient, to the sender's other resources (XEP-0280), to the archive. */
  routeMessage(session: RoutedSession, stanza: Element, to: Jid | undefined): void {
    this.route(stanza, to ?? parseJid(session.jid.bare)!);
    sendSentCarbons(this, session, stanza);
    this.archive?.sent(session, stanza, to);
  }

  /** A stanza from a component link; its `from` must belong to the component's domain. */
  fromComponent(link: ComponentLink, stanza: Element): void {
    const from = parseJid(stanza.attrs.from ?? '');
    if (!from || from.domain !== link.domain) {
      this.log.warn({ component: link.domain, from: stanza.attrs.from }, 'dropping stanza with a foreign from');
      return;
    }
    this.linkPicker.noteFromComponent(link, stanza);
    if (stanza.attrs.to === this.domain && this.foreignAnswer?.(link, stanza)) return;
    if (stanza.attrs.to === this.domain && (this.delegation.fromComponent(link, stanza) || this.pep.fromComponent(link, stanza))) return;
    if (stanza.attrs.to === this.domain && deliverMulticast(this, stanza)) return; // XEP-0033 from a component
    const to = this.parseTo(stanza, undefined);
    if (!to) return;
    // A component subscribing to (or answering) a local user: the roster component keeps the state.
    if (stanza.name === 'presence' && SUBSCRIPTION_TYPES.has(stanza.attrs.type) && to.domain === this.domain && to.local) {
      this.delegation.forwardSubscription(stanza, from.full, to.bare);
      return;
    }
    this.route(stanza, to);
  }

  /** Sends a stanza towards `to`: a local user, the server itself, or a component. */
  route(stanza: Element, to: Jid): void {
    if (to.domain === this.domain) {
      countRouted(stanza.name, to.local ? 'local' : 'server');
      if (to.local) this.local.deliver(stanza, to);
      else this.toServer(stanza, to);
      return;
    }
    const hosted = !to.local ? this.hosted.get(to.domain) : undefined;
    if (hosted) {
      countRouted(stanza.name, 'server');
      return this.toServer(stanza, to, hosted);
    }
    const link = this.linkPicker.pick(stanza, to);
    if (!link && this.federation && !to.domain.endsWith(`.${this.domain}`)) {
      countRouted(stanza.name, 'remote');
      this.federation.send(stanza, to);
      return;
    }
    if (!link) {
      countRouted(stanza.name, 'bounced');
      this.bounce(stanza, to.domain.endsWith(`.${this.domain}`) ? 'service-unavailable' : 'remote-server-not-found');
      return;
    }
    countRouted(stanza.name, 'component');
    if (link.send(stanza) === 'full') {
      componentQueueRefusals.inc({ domain: link.domain });
      this.bounce(stanza, 'resource-constraint', 'The component is not keeping up');
    }
  }

  /** A stanza from a remote server, its `from` validated by dialback and its `to` ours (gateway/s2s/s2s-inbound.ts). */
  fromRemoteServer(stanza: Element, from: Jid, to: Jid): void {
    // A remote contact subscribing to (or answering, or probing) a local user: the roster component
    // keeps the state (RFC 6121 §3) and answers probes only for contacts with a subscription (§4.3.2).
    const type = stanza.attrs.type;
    if (stanza.name === 'presence' && (SUBSCRIPTION_TYPES.has(type) || type === 'probe') && to.domain === this.domain && to.local) {
      this.delegation.forwardSubscription(stanza, from.full, to.bare);
      return;
    }
    this.route(stanza, to);
  }

  /** A stanza a component link took but lost (the link closed): to another instance, or bounced. */
  rerouteToComponent(stanza: Element): void {
    const to = parseJid(stanza.attrs.to ?? '');
    if (to) this.route(stanza, to);
  }

  /** Answers a stanza with an error, unless it is an error itself (RFC 6120 §8.3.1). */
  bounce(stanza: Element, condition: StanzaErrorCondition, text?: string): void {
    if (!mayAnswerWithError(stanza) || !stanza.attrs.from) return;
    // Presence errors are noise, except for a MUC join (XEP-0045 §7.2: the joiner waits for an answer).
    if (stanza.name === 'presence' && stanza.attrs.type !== 'subscribe' && !stanza.getChild('x', 'http://jabber.org/protocol/muc')) return;
    stanzaErrorsSent.inc({ condition });
    const reply = stanzaErrorReply(stanza, condition, text);
    const to = parseJid(reply.attrs.to ?? '');
    if (to) this.route(reply, to);
  }

  private iqFromClient(session: RoutedSession, stanza: Element, to: Jid | undefined): void {
    const { type, id } = stanza.attrs;
    const payload = stanza.getChildElements();
    if (!id || !['get', 'set', 'result', 'error'].includes(type) || ((type === 'get' || type === 'set') && payload.length !== 1)) {
      if (type !== 'result' && type !== 'error') session.deliver(stanzaErrorReply(stanza, 'bad-request'));
      return;
    }
    // RFC 6120 §10.3.3: no `to` (or the user's own bare JID) means the server answers for the account.
    if (!to || to.full === session.jid.bare) {
      if (type === 'result' || type === 'error') return; // answers to roster pushes and the like
      if (this.delegation.handlesFromClient(session, stanza, payload[0]!)) return;
      if (this.pep.handlesFromClient(session, stanza, payload[0]!, to)) return;
      this.answerServerIq(stanza, payload[0]!, session.jid, to ? to.bare : undefined);
      return;
    }
    if (payload.length === 1 && this.pep.handlesFromClient(session, stanza, payload[0]!, to)) return; // another user's PEP
    this.route(stanza, to);
  }

  private toServer(stanza: Element, to: Jid, handlers = this.serverIq): void {
    if (stanza.name !== 'iq') return; // messages and presence to the server itself are dropped
    const { type } = stanza.attrs;
    if (type !== 'get' && type !== 'set') return;
    const payload = stanza.getChildElements();
    const from = parseJid(stanza.attrs.from ?? '');
    if (payload.length !== 1 || !from) return this.bounce(stanza, 'bad-request');
    this.answerServerIq(stanza, payload[0]!, from, to.full, handlers);
  }

  private answerServerIq(stanza: Element, payload: Element, from: Jid, answerFrom: string | undefined, handlers = this.serverIq): void {
    const handler = handlers.find(stanza.attrs.type, payload.attrs.xmlns);
    if (!handler) return this.bounce(stanza, 'service-unavailable');
    void handlers.answer(handler, { stanza, payload, from }, answerFrom ?? this.domain).then((reply) => {
      if (!answerFrom) delete reply.attrs.from;
      this.route(reply, from);
    });
  }

  /** Parses `to`; undefined when absent, null when malformed (then the sender got jid-malformed). */
  private parseTo(stanza: Element, session: RoutedSession | undefined): Jid | undefined | null {
    const raw = stanza.attrs.to;
    if (raw === undefined) return undefined;
    const to = parseJid(raw);
    if (to) return to;
    if (session && mayAnswerWithError(stanza)) {
      const reply = stanzaErrorReply(stanza, 'jid-malformed');
      delete reply.attrs.from;
      session.deliver(reply);
    }
    return null;
  }
}
