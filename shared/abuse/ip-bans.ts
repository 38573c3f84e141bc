// Banning an address range for a time (admin action, docs/abuse.md): a ban is part of the policy,
// so it reaches every gateway within 2 s like any policy change, and expired bans are dropped
// whenever the policy is written.
import { parsePolicy, type AbusePolicy, type IpBan } from './policy.js';
import type { PolicyStore } from './policy-store.js';

function withoutExpired(policy: AbusePolicy, now: number): IpBan[] {
  return policy.bans.filter((ban) => Date.parse(ban.until) > now);
}

/** Adds (or extends/replaces) the ban of `range`; resolves to the ban and the policy version. */
export async function banRange(store: PolicyStore, range: string, seconds: number, reason: string, now = Date.now()): Promise<{ ban: IpBan; version: number }> {
  const { policy } = await store.load();
  const ban = { range, until: new Date(now + seconds * 1000).toISOString(), reason };
  const next = parsePolicy({ ...policy, bans: [...withoutExpired(policy, now).filter((b) => b.range !== range), ban] }); // checks the range
  return { ban: next.bans[next.bans.length - 1]!, version: await store.save(next) };
}

/** Lifts the ban of exactly `range`; resolves to undefined when there was none. */
export async function unbanRange(store: PolicyStore, range: string, now = Date.now()): Promise<number | undefined> {
  const { policy } = await store.load();
  const active = withoutExpired(policy, now);
  if (!active.some((b) => b.range === range)) return undefined;
  return store.save({ ...policy, bans: active.filter((b) => b.range !== range) });
}

export async function activeBans(store: PolicyStore, now = Date.now()): Promise<IpBan[]> {
  return withoutExpired((await store.load()).policy, now);
}
