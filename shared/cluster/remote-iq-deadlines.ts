// Deadlines of IQs sent to a session on another node (issue 11, a node frozen with SIGSTOP): the
// IQ is in that node's durable inbox, but a stuck node answers nothing, and until it misses three
// heartbeats nobody declares it dead. So each IQ request handed to the bus is remembered (by
// sender, id and target) until its answer comes back through this node's inbox; past the deadline
// (components.iqTimeoutSeconds) the sender gets remote-server-timeout (RFC 6120 §8.3.3.16) and a
// late answer is dropped. Bounded: beyond `maxPending` the oldest is answered at once.
import type { Element } from 'ltx';
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';

export const remoteIqTimeouts = new Counter({
  name: 'pampero_cluster_remote_iq_timeouts_total',
  help: 'IQs to a session on another node that got no answer in time (answered remote-server-timeout)',
  registers: [metricsRegistry],
});

const sources = new Set<RemoteIqDeadlines>();
new Gauge({
  name: 'pampero_cluster_remote_iqs_pending',
  help: 'IQs to sessions on other nodes waiting for their answer (bounded)',
  registers: [metricsRegistry],
  collect() {
    let n = 0;
    for (const s of sources) n += s.pending;
    this.set(n);
  },
});

const MAX_LATE = 1000;

export class RemoteIqDeadlines {
  private readonly sentAt = new Map<string, { stanza: Element; at: number }>();
  private readonly late = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxPending: number,
    private readonly timedOut: (request: Element) => void,
    private readonly now: () => number = Date.now,
  ) {
    sources.add(this);
  }

  get pending(): number {
    return this.sentAt.size;
  }

  /** An IQ request went to `fullJid` on another node. */
  sent(stanza: Element, fullJid: string): void {
    if (stanza.name !== 'iq' || (stanza.attrs.type !== 'get' && stanza.attrs.type !== 'set') || !stanza.attrs.from || !stanza.attrs.id) return;
    const key = `${stanza.attrs.from}\0${stanza.attrs.id}\0${fullJid}`;
    this.sentAt.delete(key);
    this.sentAt.set(key, { stanza, at: this.now() });
    if (this.sentAt.size > this.maxPending) this.expire(this.sentAt.keys().next().value!);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), Math.max(50, Math.min(1000, this.timeoutMs / 4)));
      this.timer.unref();
    }
  }

  /** A stanza came back from another node: false when it is a late answer to drop. */
  arrived(stanza: Element): boolean {
    if (stanza.name !== 'iq' || (stanza.attrs.type !== 'result' && stanza.attrs.type !== 'error')) return true;
    const key = `${stanza.attrs.to}\0${stanza.attrs.id}\0${stanza.attrs.from}`;
    if (this.sentAt.delete(key)) return true;
    return !this.late.delete(key);
  }

  /** One pass over the deadlines (on a timer; public for tests). */
  check(): void {
    const now = this.now();
    for (const [key, { at }] of this.sentAt) {
      if (now - at < this.timeoutMs) break; // in sending order
      this.expire(key);
    }
    if (this.sentAt.size === 0) this.stopTimer();
  }

  stop(): void {
    this.stopTimer();
    this.sentAt.clear();
    sources.delete(this);
  }

  private expire(key: string): void {
    const entry = this.sentAt.get(key);
    if (!entry) return;
    this.sentAt.delete(key);
    this.late.add(key);
    if (this.late.size > MAX_LATE) this.late.delete(this.late.values().next().value!);
    remoteIqTimeouts.inc();
    this.timedOut(entry.stanza);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
