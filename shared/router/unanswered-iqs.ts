// The IQ requests one component link handed to its component and that are not answered yet, by
// sender and id — the same bookkeeping for the XEP-0114 socket (component-port.ts) and the
// all-in-one's in-process links (in-process-components.ts):
//  - a client's IQ left unanswered past components.iqTimeoutSeconds gets remote-server-timeout
//    (RFC 6120 §8.3.3.16) and the component's late answer is dropped (the deadlines themselves,
//    and stall detection, are component-watchdog.ts);
//  - when the link closes, what the component never got or never answered goes to the domain's
//    next live instance or is bounced, instead of leaving its sender waiting.
// Bounded: beyond `max` requests the oldest is forgotten.
import type { Element } from 'ltx';
import type { Logger } from '../log.js';
import type { Router } from './router.js';
import { LinkWatchdog, type LinkWatchdogOptions } from './component-watchdog.js';

export interface UnansweredIqsOptions {
  router: Pick<Router, 'bounce' | 'rerouteToComponent'>;
  logger: Logger;
  /** Requests remembered at most (components.maxQueuedStanzas). */
  max: number;
  /** The link's deadlines; an IQ past its deadline is answered here. */
  deadlines: Omit<LinkWatchdogOptions, 'timedOut'>;
}

const isRequest = (stanza: Element) => stanza.name === 'iq' && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set');
const isAnswer = (stanza: Element) => stanza.name === 'iq' && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error');

export class UnansweredIqs {
  private readonly requests = new Map<string, Element>();
  /** The link tells it what it hears (`heard`) and when its socket drains (`drained`). */
  readonly watchdog: LinkWatchdog;

  constructor(private readonly opts: UnansweredIqsOptions) {
    this.watchdog = new LinkWatchdog({ ...opts.deadlines, timedOut: (key) => this.timedOut(key) });
  }

  /** A stanza went to the component: an IQ request is remembered until answered. */
  sent(stanza: Element): void {
    if (!isRequest(stanza)) return;
    const key = `${stanza.attrs.from}\0${stanza.attrs.id}`;
    this.requests.delete(key);
    this.requests.set(key, stanza);
    if (this.requests.size > this.opts.max) {
      const oldest = this.requests.keys().next().value!;
      this.requests.delete(oldest);
      this.watchdog.forget(oldest);
    }
    // Clients' IQs get a deadline; the router's own (delegated roster/PEP IQs) have theirs already.
    if (stanza.attrs.from?.includes('@')) this.watchdog.sent(key);
  }

  /** A stanza came from the component: false when it is a late answer (already answered remote-server-timeout), to drop. */
  arrived(stanza: Element): boolean {
    if (!isAnswer(stanza)) return true;
    const key = `${stanza.attrs.to}\0${stanza.attrs.id}`;
    if (!this.requests.delete(key) && this.watchdog.lateAnswer(key)) return false;
    this.watchdog.forget(key);
    return true;
  }

  /**
   * The link closed: the deadlines stop, and what the component was never given (`queued`) or
   * never answered is handed back, each stanza once. Re-route it with `reroute` once the link is
   * detached.
   */
  end(queued: Element[]): Set<Element> {
    this.watchdog.stop();
    const stranded = new Set<Element>([...queued, ...this.requests.values()]);
    this.requests.clear();
    return stranded;
  }

  /** What the closed link stranded goes to the domain's next live instance (rendezvous hashing picks it once the link is detached) or is bounced. */
  reroute(stranded: Set<Element>): void {
    if (stranded.size) this.opts.logger.warn({ component: this.opts.deadlines.domain(), rerouted: stranded.size }, 'component link closed with stanzas queued or unanswered; re-routing them');
    for (const stanza of stranded) this.opts.router.rerouteToComponent(stanza);
  }

  private timedOut(key: string): void {
    const stanza = this.requests.get(key);
    if (!stanza) return;
    this.requests.delete(key);
    this.opts.router.bounce(stanza, 'remote-server-timeout', 'The component did not answer in time');
  }
}
