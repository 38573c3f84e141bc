// The steady chat every fault is measured against (issue 11): two real @xmpp/client users, A and
// B, each sending numbered messages to the other at a fixed rate (taking turns) with XEP-0198 on. Each body
// carries its send time, so B's receipt gives the one-way latency (both ends run in this
// process, one clock). Latencies are kept per phase ("baseline", "fault", "recovery"…), by the
// phase the message was sent in. A message counts as acknowledged when the server's <a h/>
// covered it; `settle()` then tells which acknowledged messages never arrived (lost).
import { ChatUser } from '../tool/client/chat-user.js';

export interface ChatAccount {
  username: string;
  password: string;
  /** c2s port this user logs in to (plain TCP; loopback may skip TLS, c2s.allowPlainFromLoopback). */
  port: number;
}

export interface SteadyChatOptions {
  domain: string;
  a: ChatAccount;
  b: ChatAccount;
  /** Messages per second each way. Default 20. */
  ratePerSecond?: number;
}

export interface PhaseStats {
  phase: string;
  sent: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Messages of this phase that came back as errors, by condition. */
  errors: Record<string, number>;
  /**
   * Every received message as [ms from the phase's start to its send, latency ms], in order of
   * receipt: where in the phase the slow ones were (the report's JSON keeps them).
   */
  samples: [number, number][];
  /** When the phase started (Unix ms): lines its samples up with other traces (GC, perf). */
  startedAtUnixMs: number;
}

export interface ChatSettlement {
  sent: number;
  acked: number;
  /** Acknowledged by the server but never received by the peer. */
  lost: string[];
  /** Sent but never acknowledged (the client gave up or the stream died before <a/>). */
  notAcked: number;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface Phase {
  name: string;
  /** performance.now() when the phase began. */
  startedAt: number;
  sent: number;
  latencies: number[];
  /** Send time (performance.now()) of each latency, in the same order. */
  sentAt: number[];
  errors: Record<string, number>;
}

export class SteadyChat {
  private readonly a: ChatUser;
  private readonly b: ChatUser;
  /** Bodies whose latency was taken (a resend after a reconnection is not counted twice). */
  private readonly measured = new Set<string>();
  private readonly phases = new Map<string, Phase>();
  private current!: Phase;
  private timer: NodeJS.Timeout | undefined;
  private n = 0;
  private sentTotal = 0;

  private constructor(private readonly opts: SteadyChatOptions) {
    const user = (account: ChatAccount) => new ChatUser({ ...account, domain: opts.domain, resource: 'steady', onMessage: (stanza) => this.received(stanza) });
    this.a = user(opts.a);
    this.b = user(opts.b);
    this.phase('baseline');
  }

  /** Logs A and B in and starts sending (phase "baseline"). */
  static async start(opts: SteadyChatOptions): Promise<SteadyChat> {
    const chat = new SteadyChat(opts);
    await chat.a.start();
    await chat.b.start();
    // A and B take turns, half an interval apart: sent together, both messages met the same
    // stall, and the p99 of N messages was the (N/200)th worst of N/2 moments, not of N.
    const interval = 1000 / (opts.ratePerSecond ?? 20) / 2;
    chat.timer = setInterval(() => chat.tick(), interval);
    return chat;
  }

  /** Messages sent from now on count in phase `name`. */
  phase(name: string): void {
    let phase = this.phases.get(name);
    if (!phase) this.phases.set(name, (phase = { name, startedAt: performance.now(), sent: 0, latencies: [], sentAt: [], errors: {} }));
    this.current = phase;
  }

  stats(name: string): PhaseStats {
    const phase = this.phases.get(name);
    if (!phase) throw new Error(`no phase ${name}`);
    const sorted = [...phase.latencies].sort((x, y) => x - y);
    return {
      phase: name, sent: phase.sent, received: sorted.length,
      p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0, errors: { ...phase.errors },
      samples: phase.latencies.map((ms, i) => [round(phase.sentAt[i]! - phase.startedAt), round(ms)]),
      startedAtUnixMs: Math.round(performance.timeOrigin + phase.startedAt),
    };
  }

  /** Events (errors, disconnections) the two clients saw, for a test's output. */
  events(): string[] {
    return [...this.a.events.map((e) => `A: ${e}`), ...this.b.events.map((e) => `B: ${e}`)];
  }

  private tick(): void {
    this.n++;
    const [from, to] = this.n % 2 === 1 ? [this.a, this.b] : [this.b, this.a];
    from.send(to.jid, `${this.current.name}|${from.opts.username}>${to.opts.username}#${this.n}@${performance.now().toFixed(3)}`);
    this.current.sent++;
    this.sentTotal++;
  }

  private received(stanza: any): void {
    const body: string | undefined = stanza.getChildText('body') ?? undefined;
    if (!body || !body.includes('|')) return;
    const phase = this.phases.get(body.slice(0, body.indexOf('|')));
    if (stanza.attrs.type === 'error') {
      const error = stanza.getChild('error');
      const condition = error?.children.find((c: any) => typeof c !== 'string' && c.name !== 'text')?.name ?? 'unknown';
      if (phase) phase.errors[condition] = (phase.errors[condition] ?? 0) + 1;
      return;
    }
    if (this.measured.has(body)) return; // a resend after a reconnection
    this.measured.add(body);
    const sentAt = Number(body.slice(body.lastIndexOf('@') + 1));
    phase?.latencies.push(performance.now() - sentAt);
    phase?.sentAt.push(sentAt);
  }

  /**
   * Stops sending; waits (at most `timeoutMs`) until everything is acknowledged and every
   * acknowledged message received, then logs both users out.
   */
  async settle(timeoutMs = 15_000): Promise<ChatSettlement> {
    clearInterval(this.timer);
    const missing = () => {
      const lost: string[] = [];
      for (const [from, to] of [[this.a, this.b], [this.b, this.a]] as const) for (const body of from.acked) if (!to.received.has(body)) lost.push(body);
      return lost;
    };
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (this.a.pending + this.b.pending > 0 || missing().length > 0)) {
      this.a.requestAck();
      this.b.requestAck();
      await new Promise((r) => setTimeout(r, 100));
    }
    const outcome = { sent: this.sentTotal, acked: this.a.acked.size + this.b.acked.size, lost: missing(), notAcked: this.a.pending + this.b.pending };
    await this.a.stop();
    await this.b.stop();
    return outcome;
  }
}
