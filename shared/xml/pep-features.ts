// What an account advertises while PEP (XEP-0163 §6.1) is served by the PubSub component: used by
// the router for the account owner's disco#info and by the component for contacts' (§6.2). The
// conversions between PEP and the router's vCard / private XML (docs/pep.md §8) need both, so
// their features are here too.
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';

export const PEP_IDENTITY = { category: 'pubsub', type: 'pep' } as const;

export const PEP_FEATURES: readonly string[] = [
  NS_PUBSUB,
  'urn:xmpp:bookmarks-conversion:0', // XEP-0411: shared/router/features/bookmarks-compat.ts + components/pubsub/bookmarks-conversion.ts
  'urn:xmpp:bookmarks:1#compat', // XEP-0402 §5.3 with XEP-0049 private XML: shared/router/features/bookmarks-compat.ts
  'urn:xmpp:bookmarks:1#compat-pep', // XEP-0402 §5.3 with XEP-0048 over PEP: components/pubsub/bookmarks-conversion.ts
  'urn:xmpp:pep-vcard-conversion:0', // XEP-0398: shared/router/features/avatar-conversion.ts
  ...['access-presence', 'access-whitelist', 'auto-create', 'auto-subscribe', 'filtered-notifications', 'last-published',
    'persistent-items', 'publish', 'publish-options', 'retrieve-items', 'subscribe'].map((f) => `${NS_PUBSUB}#${f}`),
];
