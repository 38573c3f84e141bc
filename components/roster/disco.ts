// Service discovery on the component's own domain (XEP-0030 §3.1). The identity is
// category 'component', type 'presence' ("a presence server", XEP-0030 registry): this component
// holds rosters and subscriptions and fans presence out to contacts. The XEP-0355 §5 node
// `urn:xmpp:delegation:2::jabber:iq:roster` lists the features of the delegated namespace.
import { NS_DELEGATION } from './privilege.js';
import { NS_ROSTER } from './roster-items.js';
import { errorReply, iqResult } from './stanza-replies.js';
import { xml, type XmlElement } from '../../shared/component/xmpp-bindings.js';

export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';

const DELEGATED_ROSTER_NODE = `${NS_DELEGATION}::${NS_ROSTER}`;

const SERVICE_FEATURES = [NS_DISCO_INFO, NS_ROSTER, NS_DELEGATION];
const DELEGATED_FEATURES = [NS_ROSTER];

export function isDiscoInfoQuery(iq: XmlElement): boolean {
  return iq.name === 'iq' && iq.attrs.type === 'get' && iq.getChild('query', NS_DISCO_INFO) !== undefined;
}

/** Answers a disco#info get addressed to `domain` (the caller checked isDiscoInfoQuery and `to`). */
export function answerDiscoInfo(iq: XmlElement): XmlElement {
  const node = iq.getChild('query', NS_DISCO_INFO)?.attrs.node;
  if (node === undefined) {
    return iqResult(
      iq,
      xml(
        'query',
        { xmlns: NS_DISCO_INFO },
        xml('identity', { category: 'component', type: 'presence', name: 'Pampero roster' }),
        SERVICE_FEATURES.map((v) => xml('feature', { var: v })),
      ),
    );
  }
  if (node === DELEGATED_ROSTER_NODE) {
    return iqResult(iq, xml('query', { xmlns: NS_DISCO_INFO, node }, DELEGATED_FEATURES.map((v) => xml('feature', { var: v }))));
  }
  return errorReply(iq, { type: 'cancel', condition: 'item-not-found' });
}
