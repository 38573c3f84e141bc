// Namespaces of XEP-0045 and its neighbours.
export const NS_MUC = 'http://jabber.org/protocol/muc';
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
export const NS_MUC_ADMIN = 'http://jabber.org/protocol/muc#admin';
export const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
export const NS_DATA = 'jabber:x:data';
export const NS_DELAY = 'urn:xmpp:delay';
export const NS_OCCUPANT_ID = 'urn:xmpp:occupant-id:0';
export const NS_CONFERENCE = 'jabber:x:conference';
