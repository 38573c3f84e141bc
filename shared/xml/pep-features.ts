// What an account advertises while PEP (XEP-0163 §6.1) is served by the PubSub component: used by
// the router for the account owner's disco#info and by the component for contacts' (§6.2).
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';

export const PEP_IDENTITY = { category: 'pubsub', type: 'pep' } as const;

export const PEP_FEATURES: readonly string[] = [
  NS_PUBSUB,
  'urn:xmpp:bookmarks-conversion:0', // XEP-0411, components/pubsub/bookmarks-conversion.ts
  ...['access-presence', 'access-whitelist', 'auto-create', 'auto-subscribe', 'filtered-notifications', 'last-published',
    'persistent-items', 'publish', 'publish-options', 'retrieve-items', 'subscribe'].map((f) => `${NS_PUBSUB}#${f}`),
];
