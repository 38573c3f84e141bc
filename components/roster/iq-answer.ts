// Answers one IQ exactly once: plainly when it was addressed to the component, or, once marked
// delegated, as the client's answer inside the XEP-0355 envelope (docs/roster-delegation.md §1).
// The error boundary in stanza-router.ts uses it to answer what a failed handler left unanswered.
import { parseJid } from '../../shared/jid.js';
import { wrapDelegationResult } from './privilege.js';
import { errorElement, errorReply, type StanzaErrorSpec } from './stanza-replies.js';
import { xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';

export class IqAnswer {
  private inner: XmlElement | undefined;
  private done = false;

  constructor(
    private readonly request: XmlElement,
    private readonly send: (stanza: XmlElement) => unknown,
  ) {}

  get answered(): boolean {
    return this.done;
  }

  /** From now on the answers are for the client whose IQ `inner` the request forwards. */
  delegate(inner: XmlElement): void {
    this.inner = inner;
  }

  /** The answer itself: sent as is, or wrapped when delegated. */
  respond(reply: XmlElement): void {
    if (this.done) return;
    this.done = true;
    this.send(this.inner ? wrapDelegationResult(this.request, reply) : reply);
  }

  error(spec: StanzaErrorSpec): void {
    const inner = this.inner;
    if (!inner) {
      this.respond(errorReply(this.request, spec));
      return;
    }
    // The client's error comes from its own bare JID (or what it addressed), to its resource.
    const from = parseJid(inner.attrs.from ?? '')?.bare ?? inner.attrs.to;
    this.respond(xml('iq', { type: 'error', id: inner.attrs.id, from, to: inner.attrs.from }, errorElement(spec)));
  }
}
