// What the gateway asks abuse control (docs/abuse.md): may this connection open, may this client
// try to log in, count a failed login, may this account log in now. Rate rules are
// rate-limiter-flexible limiters: in memory on one node, in Redis with an in-memory insurance
// limiter in a fleet (the same budget whichever gateway a client hits; the node's own budget while
// Redis is unreachable). Limiters are rebuilt whenever the live policy changes.
import type { BlockList } from 'node:net';
import type { Redis } from 'ioredis';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log.js';
import { AbuseEvents } from './abuse-metrics.js';
import { addressPrefix, normalizeAddress } from './client-address.js';
import { allowListOf, rangeList, RULE_NAMES, type AbusePolicy, type LimitRule, type RuleName } from './policy.js';
import type { LivePolicy } from './policy-store.js';
import type { IncidentStore } from './incidents/incident-store.js';
import { LocalCredit } from './local-credit.js';
import { LockoutBackoff } from './lockout-backoff.js';
import { rateLimiterFor } from './rate-limiter-factory.js';
import { LocalOpenConnections, type OpenConnections } from './open-connections.js';

export interface Refusal {
  /** The rule, or `ip-ban` for a banned range (admin action). */
  rule: RuleName | 'ip-ban';
  /** Seconds until the client may try again (rounded up, at least 1). */
  retryAfterSeconds: number;
}

/** The rules counted with rate-limiter-flexible (the others are counted locally). */
const LOCAL_RULES: ReadonlySet<RuleName> = new Set(['concurrent-connections-per-ip', 'stanzas-per-session', 'bytes-per-session']);
const RATE_RULES = RULE_NAMES.filter((name) => !LOCAL_RULES.has(name));
/** Rules whose lockouts grow for repeat offenders (lockout-backoff.ts). */
/** Addresses whose allow-list answer is remembered, at most (then forgotten all at once). */
const MAX_CACHED_ADDRESSES = 10_000;
const BACKOFF_RULES: ReadonlySet<RuleName> = new Set(['failed-logins-per-ip', 'failed-logins-per-account']);

export class AbuseGuard {
  /** The policy applied now (stanza budgets read their rule from here on every refill). */
  policy: AbusePolicy;
  private allowed: BlockList;
  /** isAllowedAddress's answers by address as given, until the policy changes. */
  private readonly allowedCache = new Map<string, boolean>();
  private allowedAccounts: Set<string>;
  private limiters = new Map<RuleName, RateLimiterAbstract>();
  private bans: Array<{ list: BlockList; until: number }> = [];
  /** Rules taken from a local credit (local-credit.ts): a chunk of points per consume, spent without I/O. */
  private readonly credits = new Map<RuleName, LocalCredit>([['messages-to-non-contacts', new LocalCredit()]]);
  private readonly backoff = new LockoutBackoff((keyPrefix, points, duration) => this.limiterWith({ keyPrefix, points, duration, blockDuration: 0 }));
  readonly events: AbuseEvents;

  /**
   * `connections`: where connections open at once are counted (open-connections.ts): this node's
   * memory by default, the fleet's Redis in a fleet.
   */
  constructor(
    private readonly live: LivePolicy,
    private readonly redis: Redis | undefined,
    logger: Logger,
    incidents?: IncidentStore,
    private readonly connections: OpenConnections = new LocalOpenConnections(),
  ) {
    this.events = new AbuseEvents(logger.child({ module: 'abuse' }), incidents);
    this.policy = live.current;
    this.allowed = allowListOf(this.policy);
    this.allowedAccounts = new Set(this.policy.allowAccounts);
    this.rebuild(live.current);
    live.onChange((policy) => this.rebuild(policy));
  }

  stop(): Promise<void> {
    this.live.stop();
    return this.connections.stop();
  }

  private rebuild(policy: AbusePolicy): void {
    this.policy = policy;
    this.allowed = allowListOf(policy);
    this.allowedCache.clear();
    this.allowedAccounts = new Set(policy.allowAccounts);
    this.bans = policy.bans.map((ban) => ({ list: rangeList([ban.range]), until: Date.parse(ban.until) }));
    // Only the limiters of changed rules are new: the counts (and lockouts) of the others live on.
    const limiters = new Map<RuleName, RateLimiterAbstract>();
    for (const name of RATE_RULES) {
      const rule = policy.rules[name];
      const current = this.limiters.get(name);
      const same = current && current.points === rule.points && current.duration === rule.durationSeconds && current.blockDuration === rule.blockSeconds;
      limiters.set(name, same ? current : this.limiterFor(name, rule));
      if (!same || !rule.enabled) this.credits.get(name)?.drop(); // a changed rule: credits taken under the old one go
    }
    this.limiters = limiters;
  }

  private limiterFor(name: RuleName, rule: LimitRule): RateLimiterAbstract {
    return this.limiterWith({ keyPrefix: `pampero:abuse:${name}`, points: rule.points, duration: rule.durationSeconds, blockDuration: rule.blockSeconds });
  }

  private limiterWith(options: { keyPrefix: string; points: number; duration: number; blockDuration: number }): RateLimiterAbstract {
    return rateLimiterFor(options, this.redis);
  }

  isAllowedAddress(address: string): boolean {
    // Asked for every connection and login: a BlockList check builds a SocketAddress each time,
    // which under a connection flood from one address showed in the profile; remembered per address.
    let allowed = this.allowedCache.get(address);
    if (allowed === undefined) {
      const normal = normalizeAddress(address);
      allowed = this.allowed.check(normal, normal.includes(':') ? 'ipv6' : 'ipv4');
      if (this.allowedCache.size >= MAX_CACHED_ADDRESSES) this.allowedCache.clear();
      this.allowedCache.set(address, allowed);
    }
    return allowed;
  }

  isAllowedAccount(bareJid: string): boolean {
    return this.allowedAccounts.has(bareJid);
  }

  /** A banned range (admin action, docs/abuse.md): refused until the ban ends, allow-listed or not. */
  banned(address: string): Refusal | undefined {
    if (this.bans.length === 0) return undefined;
    const normal = normalizeAddress(address);
    const type = normal.includes(':') ? 'ipv6' : 'ipv4';
    const now = Date.now();
    for (const ban of this.bans) {
      if (ban.until > now && ban.list.check(normal, type)) {
        this.events.refused('ip-ban', normal);
        return { rule: 'ip-ban', retryAfterSeconds: Math.ceil((ban.until - now) / 1000) };
      }
    }
    return undefined;
  }

  /** A new connection: bans, connections per address and per prefix, and connections open at once. */
  async admitConnection(address: string): Promise<Refusal | undefined> {
    const ban = this.banned(address);
    if (ban) return ban;
    if (this.isAllowedAddress(address)) return undefined;
    const ip = normalizeAddress(address);
    // Counted even while the rule is off, so that turning it on applies to connections open already.
    const concurrent = this.policy.rules['concurrent-connections-per-ip'];
    if (!(await this.connections.open(ip, concurrent.enabled ? concurrent.points : Number.MAX_SAFE_INTEGER))) return this.refuse('concurrent-connections-per-ip', ip, 1);
    const refusal = (await this.consume('connections-per-ip', ip)) ?? (await this.consume('connections-per-prefix', addressPrefix(ip)));
    if (refusal) this.connections.close(ip);
    return refusal;
  }

  /** An admitted connection closed. */
  connectionClosed(address: string): void {
    this.connections.close(normalizeAddress(address));
  }

  /** Before a SASL exchange starts: logins per address, and an address locked out by failures. */
  async admitLogin(address: string): Promise<Refusal | undefined> {
    const ban = this.banned(address);
    if (ban) return ban;
    if (this.isAllowedAddress(address)) return undefined;
    const ip = normalizeAddress(address);
    return (await this.blocked('failed-logins-per-ip', ip)) ?? (await this.consume('logins-per-ip', ip));
  }

  /** An account locked out by failed logins (checked before its success counts). */
  async accountLocked(bareJid: string): Promise<Refusal | undefined> {
    if (this.isAllowedAccount(bareJid)) return undefined;
    return this.blocked('failed-logins-per-account', bareJid);
  }

  /** A failed login: counts against the address and the account (when one was named). */
  async loginFailed(address: string | undefined, bareJid: string | undefined): Promise<void> {
    if (address && !this.isAllowedAddress(address)) await this.consume('failed-logins-per-ip', normalizeAddress(address));
    if (bareJid && !this.isAllowedAccount(bareJid)) await this.consume('failed-logins-per-account', bareJid);
  }

  /** A XEP-0077 registration attempt (docs/registration.md): bans, then registrations per address. */
  async admitRegistration(address: string): Promise<Refusal | undefined> {
    const ban = this.banned(address);
    if (ban) return ban;
    if (this.isAllowedAddress(address)) return undefined;
    return this.consume('registrations-per-ip', normalizeAddress(address));
  }

  /**
   * A message of `bareJid` to someone not in their roster (shared/router/non-contact-limit.ts):
   * answered at once when no I/O is needed (allow-listed, rule off, or a point of local credit
   * spent), else a promise (a chunk reserved from the limiter).
   */
  messageToNonContact(bareJid: string): Refusal | undefined | Promise<Refusal | undefined> {
    if (this.isAllowedAccount(bareJid)) return undefined;
    return this.consumeFromCredit('messages-to-non-contacts', bareJid);
  }

  private consumeFromCredit(rule: RuleName, key: string): Refusal | undefined | Promise<Refusal | undefined> {
    if (!this.policy.rules[rule].enabled) return undefined;
    const credit = this.credits.get(rule)!;
    if (credit.spend(key)) return undefined;
    return credit.take(this.limiters.get(rule)!, key).then(
      (ms) => (ms === undefined ? undefined : this.refuse(rule, key, ms)),
      () => undefined, // the store failed: let the client through
    );
  }

  private async consume(rule: RuleName, key: string): Promise<Refusal | undefined> {
    if (!this.policy.rules[rule].enabled) return undefined;
    try {
      await this.limiters.get(rule)!.consume(key);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return undefined; // the store failed: let the client through
      const settings = this.policy.rules[rule];
      let ms = rejection.msBeforeNext;
      // The consume that went over the budget started a lockout: a repeat offender's lasts longer.
      if (BACKOFF_RULES.has(rule) && settings.blockSeconds > 0 && rejection.consumedPoints === settings.points + 1) {
        ms = await this.backoff.lockoutBegan(rule, settings, this.limiters.get(rule)!, key, ms);
      }
      return this.refuse(rule, key, ms);
    }
  }

  /** The key has gone over the rule's budget and is still blocked (nothing is consumed). */
  private async blocked(rule: RuleName, key: string): Promise<Refusal | undefined> {
    const settings = this.policy.rules[rule];
    if (!settings.enabled) return undefined;
    const state = await this.limiters.get(rule)!.get(key).catch(() => null);
    if (!state || state.consumedPoints <= settings.points) return undefined;
    return this.refuse(rule, key, state.msBeforeNext);
  }

  refuse(rule: RuleName, key: string, msBeforeNext: number): Refusal {
    this.events.refused(rule, key);
    return { rule, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) };
  }
}
