// Clients' IQs the router delegated to a component in a XEP-0355 envelope (the roster:
// roster-delegation.ts; PEP: pep-delegation.ts), waiting under the envelope's id for the
// component's answer. Past the deadline (components.iqTimeoutSeconds) the client gets
// remote-server-timeout (RFC 6120 §8.3.3.16); when the link's queue is full it gets
// resource-constraint; an answer for a session that has ended since goes nowhere. Bounded: callers
// refuse a new IQ while the table is `full`.
import type { Element } from 'ltx';
import type { ComponentLink } from './component-registry.js';
import type { SessionDirectory } from './session-directory.js';
import type { RoutedSession } from './session.js';
import { delegatedIqTimeouts } from './router-metrics.js';

/** The client's IQ and the session that sent it (plus what the delegation needs to answer). */
export interface DelegatedIq {
  session: RoutedSession;
  request: Element;
}

export type DelegationFailure = 'remote-server-timeout' | 'resource-constraint';

export interface PendingIqTableOptions<E extends DelegatedIq> {
  sessions: Pick<SessionDirectory, 'get'>;
  /** Begins every envelope id (unique among the router's own ids). */
  idPrefix: string;
  timeoutMs: number;
  maxPending: number;
  /** Answers the client's IQ with the error (its session is still bound). */
  failed(entry: E, condition: DelegationFailure): void;
}

export class PendingIqTable<E extends DelegatedIq> {
  private readonly pending = new Map<string, { entry: E; timer: NodeJS.Timeout }>();
  private nextId = 0;

  constructor(private readonly opts: PendingIqTableOptions<E>) {}

  /** No room for another IQ: the caller answers resource-constraint. */
  get full(): boolean {
    return this.pending.size >= this.opts.maxPending;
  }

  /** Whether `id` is the envelope id of an IQ still waiting. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Sends the envelope built for a new id over `link`, and waits for its answer until the deadline. */
  send(link: ComponentLink, entry: E, envelope: (id: string) => Element): void {
    const id = `${this.opts.idPrefix}${++this.nextId}`;
    const outer = envelope(id);
    const timer = setTimeout(() => {
      delegatedIqTimeouts.inc();
      this.fail(id, 'remote-server-timeout');
    }, this.opts.timeoutMs);
    timer.unref();
    this.pending.set(id, { entry, timer });
    if (link.send(outer) === 'full') this.fail(id, 'resource-constraint');
  }

  /** The answer under `id` arrived: the waiting IQ, unless unknown or its session ended since. */
  take(id: string): E | undefined {
    const waiting = this.pending.get(id);
    if (!waiting) return undefined;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    const { entry } = waiting;
    if (this.opts.sessions.get(entry.session.jid.full) !== entry.session) return undefined;
    return entry;
  }

  private fail(id: string, condition: DelegationFailure): void {
    const entry = this.take(id);
    if (entry) this.opts.failed(entry, condition);
  }
}
