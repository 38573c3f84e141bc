// Traffic shaping of one client session (rule `stanzas-per-session`): within budget a stanza goes
// straight on; the excess of a `delay` rule waits its turn (order kept, bounded by the budget's
// debt), beyond that it is refused with a `policy-violation` stanza error (RFC 6120 §8.3.3.12).
import type { Element } from 'ltx';
import { mayAnswerWithError, stanzaErrorReply } from '../xml/errors.js';
import type { AbuseGuard } from './abuse-guard.js';
import { PASS, REFUSE, StanzaBudget } from './stanza-budget.js';

export interface ShapedSession {
  /** Hands a (released) stanza on to the router. */
  route(stanza: Element): void;
  /** Sends an error reply to the client. */
  reply(stanza: Element): void;
  isClosed(): boolean;
}

export class StanzaShaper {
  private readonly budget: StanzaBudget;
  private held: Array<{ stanza: Element; at: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(guard: AbuseGuard, key: string, private readonly session: ShapedSession) {
    this.budget = new StanzaBudget(guard, key);
  }

  /** True: route the stanza now. False: it was held or refused here. */
  admit(stanza: Element): boolean {
    const wait = this.budget.take();
    if (wait === PASS && this.held.length === 0) return true;
    if (wait === REFUSE) {
      if (mayAnswerWithError(stanza)) this.session.reply(stanzaErrorReply(stanza, 'policy-violation', 'Too many stanzas: slow down'));
      return false;
    }
    this.held.push({ stanza, at: performance.now() + wait });
    this.schedule();
    return false;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
  }

  private schedule(): void {
    if (this.timer || this.held.length === 0) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, this.held[0]!.at - performance.now()));
    this.timer.unref();
  }

  private release(): void {
    this.timer = undefined;
    if (this.session.isClosed()) return this.stop();
    const now = performance.now();
    let due = 0;
    while (due < this.held.length && this.held[due]!.at <= now + 1) due++;
    for (const { stanza } of this.held.splice(0, due)) this.session.route(stanza);
    this.schedule();
  }
}
