// XEP-0060 §14 namespaces, and those of the XEPs PubSub builds on.
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const NS_PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors';
export const NS_DATA_FORMS = 'jabber:x:data';
export const NS_RSM = 'http://jabber.org/protocol/rsm';
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** XEP-0060 §16.4 form types. */
export const FORM_NODE_CONFIG = `${NS_PUBSUB}#node_config`;
export const FORM_PUBLISH_OPTIONS = `${NS_PUBSUB}#publish-options`;
export const FORM_SUBSCRIBE_OPTIONS = `${NS_PUBSUB}#subscribe_options`;
export const FORM_SUBSCRIBE_AUTHORIZATION = `${NS_PUBSUB}#subscribe_authorization`;
export const FORM_META_DATA = `${NS_PUBSUB}#meta-data`;
