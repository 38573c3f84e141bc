// The typed @xmpp/xml bindings and generic stanza helpers are shared with the roster component
// (they are component-neutral and marked there to move to shared/xml/); re-exported here so that
// move touches one line.
export { childElements, cloneElement, isElement, xml, type XmlAttrs, type XmlChild, type XmlElement, type XmlNode } from '../roster/xmpp-bindings.js';
