// The typed @xmpp/xml bindings shared by all components (shared/component/xmpp-bindings.ts),
// re-exported so the PubSub files import them from one place.

export { childElements, cloneElement, isElement, xml, type XmlAttrs, type XmlChild, type XmlElement, type XmlNode } from '../../shared/component/xmpp-bindings.js';
