// Errors a handler throws (XEP-0060 §7.1.3 and the "Error Cases" of each use case): a defined
// stanza condition (RFC 6120 §8.3.3), optionally a pubsub#errors condition, and for
// <unsupported/> the feature name. The error boundary in stanza-router.ts turns them into replies.
import { NS_PUBSUB_ERRORS, NS_STANZAS } from './namespaces.js';
import { xml, type XmlElement } from './xmpp-bindings.js';
import type { StanzaErrorCondition, StanzaErrorType } from '../../shared/xml/errors.js';
export type { StanzaErrorType } from '../../shared/xml/errors.js';
/** RFC 6120 §8.3.3 conditions (shared/xml/errors.ts). */
export type StanzaCondition = StanzaErrorCondition;


/** XEP-0060 §14.2 application-specific conditions used here. */
export type PubsubCondition =
  | 'closed-node'
  | 'invalid-jid'
  | 'invalid-options'
  | 'invalid-payload'
  | 'invalid-subid'
  | 'item-forbidden'
  | 'item-required'
  | 'jid-required'
  | 'nodeid-required'
  | 'not-in-roster-group'
  | 'not-subscribed'
  | 'payload-required'
  | 'payload-too-big'
  | 'pending-subscription'
  | 'precondition-not-met'
  | 'presence-subscription-required'
  | 'subid-required'
  | 'unsupported'
  | 'unsupported-access-model';

export class PubsubError extends Error {
  constructor(
    readonly type: StanzaErrorType,
    readonly condition: StanzaCondition,
    readonly pubsubCondition?: PubsubCondition,
    /** For <unsupported feature='…'/> (XEP-0060 §10 feature names). */
    readonly feature?: string,
  ) {
    super(`${condition}${pubsubCondition ? `/${pubsubCondition}` : ''}${feature ? ` (${feature})` : ''}`);
    this.name = 'PubsubError';
  }

  element(): XmlElement {
    return xml(
      'error',
      { type: this.type },
      xml(this.condition, { xmlns: NS_STANZAS }),
      this.pubsubCondition ? xml(this.pubsubCondition, { xmlns: NS_PUBSUB_ERRORS, feature: this.feature }) : null,
    );
  }
}

// The conditions every use case shares.
export const nodeNotFound = () => new PubsubError('cancel', 'item-not-found');
export const nodeIdRequired = () => new PubsubError('modify', 'bad-request', 'nodeid-required');
export const forbidden = () => new PubsubError('auth', 'forbidden');
export const unsupported = (feature: string) => new PubsubError('cancel', 'feature-not-implemented', 'unsupported', feature);

/** An error reply to any stanza (RFC 6120 §8.3.1). */
export function errorReply(request: XmlElement, error: PubsubError): XmlElement {
  const { id, from, to } = request.attrs;
  return xml(request.name, { type: 'error', id, from: to, to: from }, error.element());
}
