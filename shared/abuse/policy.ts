// The abuse-control policy (docs/abuse.md): named rules, each a budget of points per duration for
// one kind of key, plus allow-lists. A policy is data: stored (policy-store.ts), changed at run
// time with `pampero limits set` or the admin API, and read by every gateway within 2 s.
import { BlockList, isIP } from 'node:net';

/** What a rule counts by: a client address, its /24 (IPv4) or /64 (IPv6), an account, one session. */
export type KeyKind = 'ip' | 'ip-prefix' | 'account' | 'session';

/** refuse: the action is refused at once; delay: the excess waits a little (bounded), then is refused. */
export type RuleAction = 'refuse' | 'delay';

export const RULE_NAMES = [
  'connections-per-ip',
  'connections-per-prefix',
  'concurrent-connections-per-ip',
  'logins-per-ip',
  'failed-logins-per-ip',
  'failed-logins-per-account',
  'stanzas-per-session',
  'registrations-per-ip',
  'bytes-per-session',
  'messages-to-non-contacts',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

export interface LimitRule {
  key: KeyKind;
  /** Budget per duration (for concurrent-connections-per-ip: connections open at once). */
  points: number;
  durationSeconds: number;
  /** Seconds a key that went over its budget stays refused; 0: until the duration ends. */
  blockSeconds: number;
  action: RuleAction;
  /** Off: the rule is not checked at all. */
  enabled: boolean;
  /**
   * Growing lockout (backoff, failed-login rules): each lockout of a key lasts twice the one
   * before, up to this many seconds; absent or ≤ blockSeconds: every lockout lasts blockSeconds.
   */
  maxBlockSeconds?: number;
  /** Seconds without a lockout after which a key's next lockout is back to blockSeconds. */
  backoffResetSeconds?: number;
}

export interface AbusePolicy {
  rules: Record<RuleName, LimitRule>;
  /** CIDR ranges (or single addresses) no rule applies to: monitoring, trusted relays. */
  allowIps: string[];
  /** Bare JIDs (service accounts) the account and session rules do not apply to. */
  allowAccounts: string[];
  /** Address ranges refused outright until a time (admin action; wins over allowIps). */
  bans: IpBan[];
}

export interface IpBan {
  /** CIDR range or single address. */
  range: string;
  /** ISO 8601 end of the ban. */
  until: string;
  reason: string;
}

const rule = (key: KeyKind, points: number, durationSeconds: number, blockSeconds = 0, action: RuleAction = 'refuse'): LimitRule =>
  ({ key, points, durationSeconds, blockSeconds, action, enabled: true });

/** Lockouts double up to a day, and start again at blockSeconds after a day without one. */
const LOCKOUT_BACKOFF = { maxBlockSeconds: 86_400, backoffResetSeconds: 86_400 };

/** Generous defaults: a normal user or a NAT of users never meets them; a flood does. */
export function defaultPolicy(): AbusePolicy {
  return {
    rules: {
      'connections-per-ip': rule('ip', 60, 60, 60),
      'connections-per-prefix': rule('ip-prefix', 600, 60, 60),
      'concurrent-connections-per-ip': rule('ip', 200, 0),
      'logins-per-ip': rule('ip', 60, 60, 60),
      'failed-logins-per-ip': { ...rule('ip', 20, 600, 300), ...LOCKOUT_BACKOFF },
      'failed-logins-per-account': { ...rule('account', 5, 600, 300), ...LOCKOUT_BACKOFF },
      'stanzas-per-session': rule('session', 100, 1, 0, 'delay'),
      // XEP-0077 registration attempts (docs/registration.md): each CAPTCHA handed out, or each form submitted in open mode.
      'registrations-per-ip': rule('ip', 10, 3600, 0),
      // Bytes a client session sends (TCP/TLS reads paused while over, byte-shaper.ts): 256 KiB/s.
      'bytes-per-session': rule('session', 262_144, 1, 0, 'delay'),
      // Messages with a body to JIDs not in the sender's roster with a subscription (non-contact-limit.ts).
      'messages-to-non-contacts': rule('account', 60, 60, 60),
    },
    allowIps: [],
    allowAccounts: [],
    bans: [],
  };
}

export class PolicyError extends Error {}

/** Checks a policy from outside (CLI, admin API, store) and fills in what it leaves out. */
export function parsePolicy(value: unknown): AbusePolicy {
  const base = defaultPolicy();
  if (value === undefined || value === null) return base;
  if (typeof value !== 'object') throw new PolicyError('a policy is an object');
  const input = value as Partial<Record<keyof AbusePolicy, unknown>>;
  const rules = (input.rules ?? {}) as Record<string, unknown>;
  for (const [name, patch] of Object.entries(rules)) {
    if (!(RULE_NAMES as readonly string[]).includes(name)) throw new PolicyError(`unknown rule ${name} (rules: ${RULE_NAMES.join(', ')})`);
    base.rules[name as RuleName] = mergeRule(name, base.rules[name as RuleName], patch);
  }
  if (input.allowIps !== undefined) base.allowIps = stringList('allowIps', input.allowIps, checkRange);
  if (input.allowAccounts !== undefined) base.allowAccounts = stringList('allowAccounts', input.allowAccounts, (s) => s.toLowerCase());
  if (input.bans !== undefined) base.bans = parseBans(input.bans);
  return base;
}

function parseBans(value: unknown): IpBan[] {
  if (!Array.isArray(value)) throw new PolicyError('bans: a list');
  return value.map((ban: unknown) => {
    const b = (ban ?? {}) as Record<string, unknown>;
    if (typeof b.range !== 'string' || typeof b.until !== 'string' || Number.isNaN(Date.parse(b.until))) throw new PolicyError('bans: each needs a range and an ISO until');
    return { range: checkRange(b.range.trim()), until: new Date(b.until).toISOString(), reason: typeof b.reason === 'string' ? b.reason : '' };
  });
}

export function mergeRule(name: string, current: LimitRule, patch: unknown): LimitRule {
  if (typeof patch !== 'object' || patch === null) throw new PolicyError(`rule ${name}: an object`);
  const p = patch as Record<string, unknown>;
  const next = { ...current };
  for (const field of ['points', 'durationSeconds', 'blockSeconds', 'maxBlockSeconds', 'backoffResetSeconds'] as const) {
    if (p[field] === undefined) continue;
    const n = Number(p[field]);
    if (!Number.isFinite(n) || n < 0) throw new PolicyError(`rule ${name}: ${field} must be a number ≥ 0`);
    next[field] = n;
  }
  if (p.action !== undefined) {
    if (p.action !== 'refuse' && p.action !== 'delay') throw new PolicyError(`rule ${name}: action is refuse or delay`);
    next.action = p.action;
  }
  if (p.enabled !== undefined) next.enabled = p.enabled === true || p.enabled === 'true';
  if (next.points < 1) throw new PolicyError(`rule ${name}: points must be at least 1`);
  return next;
}

function stringList(field: string, value: unknown, check: (s: string) => string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new PolicyError(`${field}: a list of strings`);
  return value.map((v: string) => check(v.trim()));
}

function checkRange(range: string): string {
  const [address, bits] = range.split('/');
  const family = isIP(address ?? '');
  const max = family === 4 ? 32 : 128;
  if (!family || (bits !== undefined && !(Number(bits) >= 0 && Number(bits) <= max && /^\d+$/.test(bits)))) {
    throw new PolicyError(`allowIps: ${range} is not an address or CIDR range`);
  }
  return range;
}

/** The allow-list of a policy as a node:net BlockList (checks IPv4, IPv6 and IPv4-mapped IPv6). */
export function allowListOf(policy: AbusePolicy): BlockList {
  return rangeList(policy.allowIps);
}

export function rangeList(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, bits] = range.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}
