// Where the policy lives: with the accounts' data (LMDB on one node, ScyllaDB when the storage is
// shared) or in the fleet's Redis. Every node polls a version once a second (LivePolicy), so a
// change made by `pampero limits set` or the admin API applies everywhere within 2 s, no restart.
import type { Redis } from 'ioredis';
import type { AccountDataStore } from '../storage/types.js';
import type { Logger } from '../log.js';
import { defaultPolicy, parsePolicy, type AbusePolicy } from './policy.js';

export interface StoredPolicy {
  policy: AbusePolicy;
  /** Grows with every change; 0 for the defaults (nothing stored). */
  version: number;
}

export interface PolicyStore {
  load(): Promise<StoredPolicy>;
  /** Replaces the policy; resolves to the new version. */
  save(policy: AbusePolicy): Promise<number>;
  /** Back to the defaults (a new version, so every node notices). */
  reset(): Promise<number>;
}

interface Record_ {
  version: number;
  policy: unknown;
}

function decode(text: string | null | undefined): StoredPolicy {
  if (!text) return { policy: defaultPolicy(), version: 0 };
  const record = JSON.parse(text) as Record_;
  return { policy: parsePolicy(record.policy), version: record.version };
}

/** One value of the account-data store, under the service domain (docs/abuse.md). */
export function accountDataPolicyStore(data: AccountDataStore, domain: string): PolicyStore {
  const KEY = 'pampero:abuse-policy';
  const write = async (policy: AbusePolicy | undefined) => {
    const { version } = decode(await data.get(domain, KEY));
    const next = version + 1;
    await data.put(domain, KEY, JSON.stringify({ version: next, policy: policy ?? null }));
    return next;
  };
  return {
    load: async () => decode(await data.get(domain, KEY)),
    save: (policy) => write(policy),
    reset: () => write(undefined),
  };
}

/** The fleet's policy: one Redis key; the version comes from INCR on a second key. */
export function redisPolicyStore(redis: Redis): PolicyStore {
  const KEY = 'pampero:abuse:policy';
  const VERSION = 'pampero:abuse:policy-version';
  const write = async (policy: AbusePolicy | undefined) => {
    const version = await redis.incr(VERSION);
    await redis.set(KEY, JSON.stringify({ version, policy: policy ?? null }));
    return version;
  };
  return {
    load: async () => decode(await redis.get(KEY)),
    save: (policy) => write(policy),
    reset: () => write(undefined),
  };
}

/** The policy a node applies now, reloaded when the stored version changes (polled every second). */
export class LivePolicy {
  current: AbusePolicy = defaultPolicy();
  version = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(policy: AbusePolicy) => void> = [];

  constructor(private readonly store: PolicyStore, private readonly logger: Logger, private readonly pollMs = 1000) {}

  onChange(listener: (policy: AbusePolicy) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      const stored = await this.store.load();
      if (stored.version === this.version) return;
      this.version = stored.version;
      this.current = stored.policy;
      for (const listener of this.listeners) listener(stored.policy);
    } catch (err) {
      // Unreachable store or a bad record: keep applying the last good policy.
      this.logger.warn({ err: (err as Error).message }, 'abuse policy not reloaded');
    }
  }
}
