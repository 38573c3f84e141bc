// XEP-0357 push notifications, the server side: when a push-worthy message is stored offline for
// a user, every registration of the account is notified; when one reaches a session that enabled
// push and is away — inactive by XEP-0352 or hibernated awaiting XEP-0198 resumption (the gateway
// tells us, gateway/client-session.ts) — that session's registration is. Notifications are
// coalesced per registration (push-coalescer.ts); an app server that answers with an error has
// its registration disabled (§7.1), except for temporary ('wait') errors.
import { randomBytes } from 'node:crypto';
import type { Element } from 'ltx';
import { Counter } from 'prom-client';
import type { PushConfig } from '../../../config/types.js';
import { DEFAULT_CONFIG } from '../../../config/defaults.js';
import { parseJid } from '../../../jid.js';
import { metricsRegistry } from '../../../metrics/http-endpoints.js';
import type { Router } from '../../router.js';
import type { RoutedSession } from '../../session.js';
import { parseStoredElement } from '../stored-xml.js';
import { NotificationCoalescer } from './push-coalescer.js';
import { PushRegistrationStore, registrationKey, type PushRegistration } from './push-registrations.js';
import { notificationIq, pushWorthyMessage, summaryOf, type PushSummary } from './push-summary.js';

export const pushNotifications = new Counter({
  name: 'pampero_push_notifications_total',
  help: 'Push-worthy messages for registered app servers (XEP-0357), by outcome: published, coalesced (into a later one), dropped (too many app servers busy)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const pushPublishResults = new Counter({
  name: 'pampero_push_publish_results_total',
  help: 'Answers of app servers to published notifications, by result: ok, retry (a wait error), disabled (an error: the registration is gone), timeout',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

interface Target {
  owner: string;
  registration: PushRegistration;
}

interface InFlight extends Target {
  key: string;
  timer: NodeJS.Timeout;
}

export class PushNotifications {
  readonly registrations: PushRegistrationStore;
  /** The registration each session enabled (Prosody's push_identifier); a session notifies only its own. */
  private readonly enabledBySession = new Map<RoutedSession, PushRegistration>();
  /** Publishes waiting for the app server's answer, by IQ id (one per registration at most). */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly coalescer: NotificationCoalescer<Target>;

  constructor(private readonly router: Router, readonly config: PushConfig = DEFAULT_CONFIG.push) {
    this.registrations = new PushRegistrationStore(router.options.stores.accountData, config.maxRegistrationsPerAccount);
    this.coalescer = new NotificationCoalescer<Target>(
      { minIntervalMs: config.minIntervalSeconds * 1000, maxTracked: config.maxTracked },
      (key, target, summary) => this.publish(key, target, summary),
    );
    router.sessionHooks.ended.push((session) => this.enabledBySession.delete(session));
  }

  /** The session sent <enable/> (or re-enabled): its registration is notified while it is away. */
  sessionEnabled(session: RoutedSession, registration: PushRegistration): void {
    this.enabledBySession.set(session, registration);
  }

  /** The gateway delivered a stanza to a session that is inactive (XEP-0352) or hibernated (XEP-0198). */
  deliveredWhileAway(session: RoutedSession, stanza: Element): void {
    const registration = this.enabledBySession.get(session);
    if (!registration) return;
    const message = pushWorthyMessage(stanza);
    if (message) this.notify(session.jid.bare, registration, message);
  }

  /** The session's connection dropped and it waits for resumption: what it did not acknowledge may be unseen. */
  sessionHibernated(session: RoutedSession, unacknowledged: readonly Element[]): void {
    for (const stanza of unacknowledged) this.deliveredWhileAway(session, stanza);
  }

  /** A message went to offline storage (XEP-0160): every registration of the account hears of it. */
  storedOffline(owner: string, stanza: Element): void {
    const message = pushWorthyMessage(stanza);
    if (!message) return;
    void this.registrations.list(owner).then(
      (registrations) => {
        for (const registration of registrations) this.notify(owner, registration, message);
      },
      (err: unknown) => this.router.log.error({ err, owner }, 'reading push registrations failed'),
    );
  }

  /** An IQ result or error to a user's bare JID: true when it answers one of our publishes. */
  answered(stanza: Element): boolean {
    const pending = this.inFlight.get(stanza.attrs.id ?? '');
    if (!pending || stanza.attrs.to !== pending.owner || parseJid(stanza.attrs.from ?? '')?.full !== pending.registration.jid) return false;
    clearTimeout(pending.timer);
    this.inFlight.delete(stanza.attrs.id);
    if (stanza.attrs.type !== 'error') {
      pushPublishResults.inc({ result: 'ok' });
      this.coalescer.settled(pending.key);
    } else if (stanza.getChild('error')?.attrs.type === 'wait') {
      pushPublishResults.inc({ result: 'retry' }); // §7.1: a temporary error keeps the registration
      this.coalescer.settled(pending.key);
    } else {
      pushPublishResults.inc({ result: 'disabled' });
      this.disableAfterError(pending);
    }
    return true;
  }

  /** Registrations that were disabled or dropped: nothing more is published to them. */
  forget(owner: string, removed: readonly PushRegistration[]): void {
    for (const registration of removed) {
      this.coalescer.forget(registrationKey(owner, registration.jid, registration.node));
      for (const session of this.router.sessions.resourcesOf(owner)) {
        const enabled = this.enabledBySession.get(session);
        if (enabled && enabled.jid === registration.jid && enabled.node === registration.node) this.enabledBySession.delete(session);
      }
    }
  }

  private notify(owner: string, registration: PushRegistration, message: Element): void {
    const key = registrationKey(owner, registration.jid, registration.node);
    const outcome = this.coalescer.add(key, { owner, registration }, summaryOf(message, this.config.includeSender, this.config.includeBody));
    pushNotifications.inc({ outcome });
  }

  private publish(key: string, target: Target, summary: PushSummary): void {
    const { owner, registration } = target;
    const to = parseJid(registration.jid);
    if (!to) return this.coalescer.forget(key);
    const id = `push-${randomBytes(12).toString('base64url')}`;
    const publishOptions = registration.publishOptions ? parseStoredElement(registration.publishOptions) : undefined;
    const iq = notificationIq(id, owner, { jid: registration.jid, node: registration.node, publishOptions }, summary);
    const timer = setTimeout(() => {
      if (this.inFlight.get(id)?.timer !== timer) return;
      this.inFlight.delete(id);
      pushPublishResults.inc({ result: 'timeout' });
      this.coalescer.settled(key);
    }, this.router.options.iqTimeoutMs);
    timer.unref();
    this.inFlight.set(id, { key, owner, registration, timer });
    this.router.route(iq, to);
  }

  private disableAfterError(pending: InFlight): void {
    const { owner, registration } = pending;
    this.forget(owner, [registration]);
    this.router.log.info({ owner, app: registration.jid, node: registration.node }, 'push registration disabled after an error from the app server');
    void this.registrations.disable(owner, registration.jid, registration.node).catch((err: unknown) => {
      this.router.log.error({ err, owner }, 'disabling a push registration failed');
    });
  }
}
