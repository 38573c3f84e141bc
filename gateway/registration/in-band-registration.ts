// XEP-0077 in-band registration before authentication (docs/registration.md), one per gateway,
// shared by its sessions. The mode (registration.mode) decides: off → service-unavailable and no
// stream feature; admin-only → not-allowed; open → username and password; captcha → a XEP-0158
// form with an image and/or a question generated here. Each CAPTCHA handed out (captcha mode,
// one per submission) or each submitted form (open mode) counts against the abuse rule
// registrations-per-ip. Password change and removal by a signed-in user are the
// router's (shared/router/features/account-registration.ts).
import { Element } from 'ltx';
import { Counter } from 'prom-client';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { deriveCredentials } from '../../shared/auth/scram.js';
import { parseJid } from '../../shared/jid.js';
import type { Logger } from '../../shared/log.js';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import type { AbuseGuard, Refusal } from '../../shared/abuse/abuse-guard.js';
import { AbuseEvents } from '../../shared/abuse/abuse-metrics.js';
import { normalizeAddress } from '../../shared/abuse/client-address.js';
import { defaultPolicy } from '../../shared/abuse/policy.js';
import type { RegistrationConfig } from '../../shared/config/types.js';
import type { AccountStore } from '../../shared/storage/types.js';
import { StanzaError } from '../../shared/router/server-iq.js';
import { errorElement } from '../../shared/xml/errors.js';
import { NS } from '../../shared/xml/namespaces.js';
import { answers, ChallengeStore } from './challenge-store.js';
import { bobData, captchaRegistrationQuery, openRegistrationQuery, parseSubmission } from './registration-form.js';

/** `limited`: over registrations-per-ip, or no room for another challenge. */
export type RegistrationOutcome = 'created' | 'conflict' | 'wrong-captcha' | 'invalid' | 'limited';
const registrations = new Counter({
  name: 'pampero_registrations_total',
  help: 'XEP-0077 registration attempts before authentication, by outcome',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/** Longest password accepted (bytes of UTF-8); SCRAM keys are derived from it once. */
const MAX_PASSWORD_BYTES = 1024;

export interface InBandRegistrationOptions {
  config: RegistrationConfig;
  domain: string;
  accounts: AccountStore;
  logger: Logger;
  /** Abuse control (docs/abuse.md); absent: a local limiter with the default registrations-per-ip rule. */
  abuse?: AbuseGuard;
}

export class InBandRegistration {
  private readonly challenges: ChallengeStore | undefined;
  private readonly fallback: { limiter: RateLimiterMemory; events: AbuseEvents } | undefined;

  constructor(private readonly options: InBandRegistrationOptions) {
    const { config } = options;
    if (config.mode === 'captcha') {
      this.challenges = new ChallengeStore({ kinds: config.captcha, ttlMs: config.challengeSeconds * 1000, max: config.maxChallenges });
    }
    if (!options.abuse) {
      const rule = defaultPolicy().rules['registrations-per-ip'];
      const limiter = new RateLimiterMemory({ keyPrefix: 'pampero:registration', points: rule.points, duration: rule.durationSeconds, blockDuration: rule.blockSeconds });
      this.fallback = { limiter, events: new AbuseEvents(options.logger.child({ module: 'abuse' })) };
    }
  }

  /** XEP-0077 §8: the `register` stream feature is offered (open and captcha modes). */
  get offered(): boolean {
    return this.options.config.mode === 'open' || this.options.config.mode === 'captcha';
  }

  /** Whether a pre-authentication element is this module's: an IQ of jabber:iq:register, or a XEP-0231 data request. */
  static handles(el: Element): boolean {
    if (el.name !== 'iq' || (el.attrs.type !== 'get' && el.attrs.type !== 'set')) return false;
    const payload = el.getChildElements();
    return payload.length === 1 && (payload[0]!.attrs.xmlns === NS.register || (payload[0]!.attrs.xmlns === NS.bob && el.attrs.type === 'get'));
  }

  /** The payload of the result; throws StanzaError to refuse. `address`: the client's, for limits and challenges. */
  async answer(iq: Element, address: string): Promise<Element | undefined> {
    const payload = iq.getChildElements()[0]!;
    const { mode } = this.options.config;
    if (mode === 'off') throw new StanzaError('service-unavailable'); // XEP-0077 §3.1
    if (mode === 'admin-only') throw new StanzaError('not-allowed', 'Accounts are created by the administrators');
    if (payload.attrs.xmlns === NS.bob) return this.image(payload, address);
    if (iq.attrs.type === 'get') return this.form(iq, address);
    return this.register(payload, address);
  }

  private async form(iq: Element, address: string): Promise<Element> {
    if (!this.challenges) return openRegistrationQuery();
    // A challenge answers one submission and costs a few ms to draw: the rule counts challenges.
    await this.admitOrRefuse(address);
    const challenge = this.challenges.issue(normalizeAddress(address));
    if (!challenge) return this.refuse('limited', new StanzaError('resource-constraint', 'Too many registrations under way; try again later'));
    return captchaRegistrationQuery(challenge, this.options.domain, iq.attrs.id);
  }

  // XEP-0231 §3: a client that did not take the inline data asks for it by content id.
  private image(data: Element, address: string): Element {
    const ocr = this.challenges?.image(data.attrs.cid ?? '', normalizeAddress(address));
    if (!ocr) throw new StanzaError('item-not-found');
    return bobData(ocr.cid, ocr.png);
  }

  private async register(query: Element, address: string): Promise<undefined> {
    const submission = parseSubmission(query);
    // XEP-0077 §3.2: removing an account needs the account, that is a signed-in stream.
    if (submission.kind === 'remove') throw new StanzaError('not-authorized', 'Sign in to remove your account');
    if (!this.challenges) await this.admitOrRefuse(address);
    else {
      const challenge = this.challenges.take(submission.fields.get('challenge') ?? '', normalizeAddress(address));
      if (!challenge) return this.refuse('wrong-captcha', new StanzaError('not-acceptable', 'The CAPTCHA is unknown, expired or already answered; ask for a new form'));
      const passed = (['ocr', 'qa'] as const).some((field) => answers(challenge, field, submission.fields.get(field)));
      if (!passed) return this.refuse('wrong-captcha', new StanzaError('not-acceptable', 'The CAPTCHA answer is wrong; ask for a new form'));
    }
    const { username, password } = submission;
    // XEP-0077 §3.1: a missing field is not-acceptable; the username must make a valid local part.
    const jid = username ? parseJid(`${username}@${this.options.domain}`) : undefined;
    if (!jid || jid.resource || jid.domain !== this.options.domain || jid.local !== username!.normalize('NFC').toLowerCase()) {
      return this.refuse('invalid', new StanzaError('not-acceptable', 'A valid username is required'));
    }
    if (!password || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return this.refuse('invalid', new StanzaError('not-acceptable', `A password of 1 to ${MAX_PASSWORD_BYTES} bytes is required`));
    if (!(await this.options.accounts.create(jid.bare, await deriveCredentials(password)))) {
      return this.refuse('conflict', new StanzaError('conflict', 'The username is taken'));
    }
    registrations.inc({ outcome: 'created' });
    this.options.logger.info({ event: 'registration', jid: jid.bare, address: normalizeAddress(address) }, 'account registered in-band');
    return undefined;
  }

  private refuse(outcome: RegistrationOutcome, error: StanzaError): never {
    registrations.inc({ outcome });
    throw error;
  }

  /** Counts one attempt against registrations-per-ip; over it: policy-violation with when to retry. */
  private async admitOrRefuse(address: string): Promise<void> {
    const refusal = await this.admit(address);
    if (refusal) this.refuse('limited', new StanzaError('policy-violation', refusal.rule === 'ip-ban' ? 'Your address is banned' : `Too many registrations from your address; try again in ${refusal.retryAfterSeconds} s`));
  }

  private async admit(address: string): Promise<Refusal | undefined> {
    if (this.options.abuse) return this.options.abuse.admitRegistration(address);
    const ip = normalizeAddress(address);
    try {
      await this.fallback!.limiter.consume(ip);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return undefined;
      this.fallback!.events.refused('registrations-per-ip', ip);
      return { rule: 'registrations-per-ip', retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
  }
}

/**
 * The reply to a pre-authentication registration IQ (no addresses: the stream has no JID yet).
 * Without a registration module (a session built without one) registration is off.
 */
export async function preAuthRegistrationReply(registration: InBandRegistration | undefined, iq: Element, address: string | undefined): Promise<Element> {
  const attrs: Record<string, string> = { type: 'result' };
  if (iq.attrs.id !== undefined) attrs.id = iq.attrs.id;
  try {
    if (!registration) throw new StanzaError('service-unavailable');
    const payload = await registration.answer(iq, address ?? 'unknown');
    const reply = new Element('iq', attrs);
    if (payload) reply.cnode(payload);
    return reply;
  } catch (err) {
    const reply = new Element('iq', { ...attrs, type: 'error' });
    reply.cnode(err instanceof StanzaError ? errorElement(err.condition, undefined, err.message === err.condition ? undefined : err.message) : errorElement('internal-server-error'));
    return reply;
  }
}
