// Local credit for a rate rule (docs/abuse.md, "Local credit"): the rule's rate-limiter-flexible
// limiter stays the source of truth, but instead of one consume (a promise, and a Redis round trip
// in a fleet) per action, a key that runs out of credit reserves a chunk of points with one
// `consume(key, n)` and spends the rest of the chunk here, synchronously, until the limiter's
// window ends (msBeforeNext). The chunk is at most a tenth of the rule's points and never more
// than the limiter's last answer said remains, so on one node a key is refused exactly when a
// consume per action would refuse it; in a fleet (another gateway took points meanwhile) a chunk
// that overshoots grants only what the limiter's count shows was left. A key never gets more than
// its budget; each holder (a gateway process) keeps at most one chunk's unspent credit per key,
// which the key's other gateways cannot use (it may be refused there that much earlier).
import { RateLimiterRes } from 'rate-limiter-flexible';

/** What the credit asks of the limiter (a rate-limiter-flexible limiter). */
export interface CreditLimiter {
  readonly points: number;
  /** Resolves within budget; rejects with a RateLimiterRes over budget, with an Error when the store failed. */
  consume(key: string, points: number): Promise<RateLimiterRes>;
}

interface Credit {
  /** Points reserved from the limiter and not spent yet. */
  left: number;
  /** What the limiter said remains beyond the reserved points, at its last answer. */
  remaining: number;
  /** Epoch ms at which the limiter's window (or block) ends at the latest: the credit is void then. */
  until: number;
}

/** A chunk is this share of the rule's points (at least 1). */
const CHUNK_SHARE = 10;

export class LocalCredit {
  private readonly credits = new Map<string, Credit>();
  /** Keys whose chunk is being reserved: later actions of the key wait for it (order kept, one chunk at a time). */
  private readonly reserving = new Map<string, Promise<void>>();
  /** Grows on drop(): a reservation in flight across it keeps no credit. */
  private generation = 0;

  constructor(private readonly maxKeys = 100_000, private readonly now: () => number = Date.now) {}

  /** Keys with a credit (or a remembered last answer). */
  get size(): number {
    return this.credits.size;
  }

  /** Spends one point of the key's credit, synchronously: false when it has none (then `take`). */
  spend(key: string): boolean {
    const credit = this.credits.get(key);
    if (!credit || credit.left === 0) return false;
    if (credit.until <= this.now()) {
      this.credits.delete(key);
      return false;
    }
    credit.left--;
    return true;
  }

  /**
   * One point for an action of `key` that found no credit: resolves undefined when admitted, or
   * the limiter's msBeforeNext when refused; rejects when the limiter's store failed.
   */
  take(limiter: CreditLimiter, key: string): Promise<number | undefined> {
    const pending = this.reserving.get(key);
    if (pending) return this.afterReservation(pending, limiter, key);
    // Not async: the caller gets the reservation itself, so it is answered before any action that
    // waits for the reservation (those come later in the same key's order).
    const reservation = this.reserve(limiter, key);
    const settled = reservation.then(
      () => undefined,
      () => undefined,
    );
    this.reserving.set(key, settled);
    void settled.then(() => {
      if (this.reserving.get(key) === settled) this.reserving.delete(key);
    });
    return reservation;
  }

  /** An action that came while its key's chunk was being reserved: the chunk's credit, else its own reservation. */
  private async afterReservation(pending: Promise<void>, limiter: CreditLimiter, key: string): Promise<number | undefined> {
    await pending;
    return this.spend(key) ? undefined : this.take(limiter, key);
  }

  /** Forgets every credit (the rule changed: its limiter, or its meaning, may be new). */
  drop(): void {
    this.credits.clear();
    this.generation++;
  }

  /** One consume for a chunk: this action takes a point, the rest becomes the key's credit. */
  private async reserve(limiter: CreditLimiter, key: string): Promise<number | undefined> {
    const generation = this.generation;
    const started = this.now();
    const known = this.credits.get(key);
    const remaining = known && known.until > started ? known.remaining : 1; // nothing known: a plain consume
    const points = Math.max(1, Math.min(Math.floor(limiter.points / CHUNK_SHARE), remaining));
    let answer: RateLimiterRes;
    let granted = points;
    try {
      answer = await limiter.consume(key, points);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      answer = error;
      // The count only grows within a window (and a block keeps it), so what it held before this
      // consume is what others had taken: the points left before it are this holder's.
      granted = Math.min(points, Math.max(0, limiter.points - (answer.consumedPoints - points)));
    }
    if (generation === this.generation) {
      // The window (or block) ends msBeforeNext after the store answered, which was after `started`.
      const until = answer.msBeforeNext >= 0 ? started + answer.msBeforeNext : Number.POSITIVE_INFINITY;
      this.keep(key, { left: Math.max(0, granted - 1), remaining: answer.remainingPoints, until });
    }
    return granted > 0 ? undefined : Math.max(0, answer.msBeforeNext);
  }

  private keep(key: string, credit: Credit): void {
    this.credits.delete(key); // re-inserted last: the oldest entry goes first when the map is full
    if (this.credits.size >= this.maxKeys) this.credits.delete(this.credits.keys().next().value!);
    this.credits.set(key, credit);
  }
}
