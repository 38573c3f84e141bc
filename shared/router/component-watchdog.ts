// The deadlines of one XEP-0114 link (issue 11, a component that stops reading its socket):
//  - a client's IQ the component has not answered within `iqTimeoutMs` is answered
//    remote-server-timeout by the router (RFC 6120 §8.3.3.16), and the late answer is dropped;
//  - the link is declared stalled, and cut, when for `stallMs` it could not write (stanzas
//    queued or the socket's buffer full, no 'drain'), or when it owes an IQ answer and has not
//    sent a single byte for `stallMs`. Cutting it re-routes what it held to the domain's other
//    instances or bounces it (component-port.ts), so senders fail fast instead of waiting on a
//    component that will never read; the component reattaches by itself once it reads again.
import { Counter } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';

export const componentIqTimeouts = new Counter({
  name: 'pampero_component_iq_timeouts_total',
  help: "Clients' IQs a component did not answer in time (answered remote-server-timeout), by domain",
  labelNames: ['domain'] as const,
  registers: [metricsRegistry],
});

export const componentStalls = new Counter({
  name: 'pampero_component_stalls_total',
  help: 'Component links cut because the component stopped reading or answering, by domain',
  labelNames: ['domain'] as const,
  registers: [metricsRegistry],
});

export interface LinkWatchdogOptions {
  /** 0: IQs have no deadline. */
  iqTimeoutMs: number;
  /** 0: a link is never declared stalled. */
  stallMs: number;
  domain(): string;
  /** Whether stanzas wait for the socket (queued, or its buffer above the high-water mark). */
  waitingToWrite(): boolean;
  /** The IQ under `key` is past its deadline: answer it. */
  timedOut(key: string): void;
  /** The link is stalled: cut it. */
  stalled(why: string): void;
  now?: () => number;
}

/** Late answers remembered (to drop them) at most. */
const MAX_TIMED_OUT = 1000;

export class LinkWatchdog {
  private readonly sentAt = new Map<string, number>();
  private readonly timedOutKeys = new Set<string>();
  private lastHeard: number;
  /** When the oldest IQ sent since the component last said anything went out. */
  private owedSince: number | undefined;
  private blockedSince: number | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: LinkWatchdogOptions) {
    this.now = opts.now ?? Date.now;
    this.lastHeard = this.now();
    const shortest = Math.min(...[opts.iqTimeoutMs, opts.stallMs].filter((ms) => ms > 0));
    if (Number.isFinite(shortest)) {
      this.timer = setInterval(() => this.check(), Math.min(1000, Math.max(50, shortest / 4)));
      this.timer.unref();
    }
  }

  /** An IQ (request) went to the component. */
  sent(key: string): void {
    const now = this.now();
    this.sentAt.delete(key);
    this.sentAt.set(key, now);
    this.owedSince ??= now;
  }

  /** The IQ under `key` was answered or forgotten. */
  forget(key: string): void {
    this.sentAt.delete(key);
  }

  /** True (once) when `key` is an answer arriving after its IQ timed out. */
  lateAnswer(key: string): boolean {
    return this.timedOutKeys.delete(key);
  }

  /** Bytes arrived from the component: it is alive. */
  heard(): void {
    this.lastHeard = this.now();
    this.owedSince = undefined;
  }

  /** The socket took what was waiting. */
  drained(): void {
    this.blockedSince = undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sentAt.clear();
  }

  /** One pass over the deadlines (on a timer; public for tests). */
  check(): void {
    const now = this.now();
    const { iqTimeoutMs, stallMs } = this.opts;
    if (iqTimeoutMs > 0) {
      for (const [key, at] of this.sentAt) {
        if (now - at < iqTimeoutMs) break; // in sending order: the rest are younger
        this.sentAt.delete(key);
        this.timedOutKeys.add(key);
        if (this.timedOutKeys.size > MAX_TIMED_OUT) this.timedOutKeys.delete(this.timedOutKeys.values().next().value!);
        componentIqTimeouts.inc({ domain: this.opts.domain() });
        this.opts.timedOut(key);
      }
    }
    if (stallMs <= 0) return;
    if (!this.opts.waitingToWrite()) this.blockedSince = undefined;
    else this.blockedSince ??= now;
    let why: string | undefined;
    if (this.blockedSince !== undefined && now - this.blockedSince >= stallMs) why = `nothing written for ${Math.round(stallMs / 1000)} s`;
    else if (this.owedSince !== undefined && now - this.owedSince >= stallMs && now - this.lastHeard >= stallMs) why = `no answer and no byte for ${Math.round(stallMs / 1000)} s`;
    if (!why) return;
    componentStalls.inc({ domain: this.opts.domain() });
    this.stop();
    this.opts.stalled(why);
  }
}
