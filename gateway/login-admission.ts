// The login bulkhead (issue 11, a login storm): password checks — the account lookup and, for
// PLAIN, PBKDF2 on the thread pool — run at most `maxInProgress` at once per node; the next
// `maxWaiting` wait their turn in order; a login beyond that, or one that waited `maxWaitMs`, is
// shed at once with <failure><temporary-auth-failure/> (RFC 6120 §6.5.13), before any storage
// read or hashing. So a storm costs each excess login one parse and one small write, and the
// sessions already bound keep the event loop, the thread pool and the storage to themselves.
import { availableParallelism } from 'node:os';
import { Counter, Gauge } from 'prom-client';
import { configureBackgroundHashing } from '../shared/auth/background-pbkdf2.js';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';

export interface LoginAdmissionLimits {
  maxInProgress: number;
  maxWaiting: number;
  maxWaitMs: number;
}

export type ShedReason = 'queue-full' | 'waited-too-long';

const shed = new Counter({
  name: 'pampero_c2s_logins_shed_total',
  help: 'Logins refused with temporary-auth-failure before their password was checked (the login bulkhead was full), by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

interface Waiter {
  since: number;
  admit: (admitted: boolean) => void;
}

export class LoginAdmission {
  inProgress = 0;
  private readonly waiting: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private limits: LoginAdmissionLimits, private readonly now: () => number = Date.now) {}

  configure(limits: LoginAdmissionLimits): void {
    this.limits = limits;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Runs `work` in a slot, or returns `refused()` at once when there is none to wait for. */
  async run<T>(work: () => Promise<T>, refused: (reason: ShedReason) => T): Promise<T> {
    const outcome = await this.enter();
    if (outcome !== true) {
      if (this === loginAdmission) shed.inc({ reason: outcome });
      return refused(outcome);
    }
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private enter(): true | ShedReason | Promise<true | ShedReason> {
    if (this.inProgress < this.limits.maxInProgress && this.waiting.length === 0) {
      this.inProgress++;
      return true;
    }
    if (this.waiting.length >= this.limits.maxWaiting) return 'queue-full';
    return new Promise((resolve) => {
      this.waiting.push({ since: this.now(), admit: (admitted) => resolve(admitted ? true : 'waited-too-long') });
      this.timer ??= setInterval(() => this.expire(), Math.max(50, Math.min(1000, this.limits.maxWaitMs / 4)));
      this.timer.unref?.();
    });
  }

  private leave(): void {
    this.inProgress--;
    this.expire();
    while (this.inProgress < this.limits.maxInProgress && this.waiting.length > 0) {
      this.inProgress++;
      this.waiting.shift()!.admit(true);
    }
    if (this.waiting.length === 0) this.stopTimer();
  }

  /** Sheds the waiters that waited too long (oldest first). */
  private expire(): void {
    const now = this.now();
    while (this.waiting.length > 0 && now - this.waiting[0]!.since >= this.limits.maxWaitMs) this.waiting.shift()!.admit(false);
    if (this.waiting.length === 0) this.stopTimer();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The node's login bulkhead; `startNode` sizes it from c2s.maxLoginsInProgress / maxLoginsWaiting. */
export const loginAdmission = new LoginAdmission({ maxInProgress: 16, maxWaiting: 64, maxWaitMs: 10_000 });

/**
 * Inside it, the CPU part: PBKDF2 of a PLAIN password runs on threads of lower priority than the
 * event loop (shared/auth/background-pbkdf2.ts); at most `c2s.maxPasswordHashes` at once (0: the
 * CPUs less one, at least one), so a storm of PLAIN logins leaves a core to the sessions, and on a
 * single core takes only what they leave. Its waiters are bounded by the logins in progress.
 */
export const passwordHashing = new LoginAdmission({ maxInProgress: hashSlots(0), maxWaiting: Number.MAX_SAFE_INTEGER, maxWaitMs: Number.MAX_SAFE_INTEGER });
configureBackgroundHashing(hashSlots(0));

export function hashSlots(configured: number): number {
  return configured > 0 ? configured : Math.max(1, availableParallelism() - 1);
}

/** Sizes both from the config (cli/roles.ts). */
export function configureLogins(c2s: { maxLoginsInProgress: number; maxLoginsWaiting: number; maxPasswordHashes: number; authTimeoutSeconds: number }): void {
  loginAdmission.configure({ maxInProgress: c2s.maxLoginsInProgress, maxWaiting: c2s.maxLoginsWaiting, maxWaitMs: (c2s.authTimeoutSeconds * 1000) / 3 });
  passwordHashing.configure({ maxInProgress: hashSlots(c2s.maxPasswordHashes), maxWaiting: Number.MAX_SAFE_INTEGER, maxWaitMs: Number.MAX_SAFE_INTEGER });
  configureBackgroundHashing(hashSlots(c2s.maxPasswordHashes));
}

new Gauge({
  name: 'pampero_c2s_logins_in_progress',
  help: 'Logins checking a password now (bounded by c2s.maxLoginsInProgress)',
  registers: [metricsRegistry],
  collect() {
    this.set(loginAdmission.inProgress);
  },
});

new Gauge({
  name: 'pampero_c2s_logins_waiting',
  help: 'Logins waiting for a password-check slot (bounded by c2s.maxLoginsWaiting)',
  registers: [metricsRegistry],
  collect() {
    this.set(loginAdmission.waitingCount);
  },
});

new Gauge({
  name: 'pampero_c2s_password_hashes_in_progress',
  help: 'PBKDF2 derivations of PLAIN passwords running now (bounded by c2s.maxPasswordHashes)',
  registers: [metricsRegistry],
  collect() {
    this.set(passwordHashing.inProgress);
  },
});
