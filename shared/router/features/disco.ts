// Service discovery for the server and its accounts (XEP-0030).
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import { StanzaError } from '../server-iq.js';
import type { Router } from '../router.js';
import { CAPS_NODE, capsVersion } from './caps.js';
import { serverCaps2, serverDiscoInfo } from './caps2.js';
import { PEP_FEATURES } from '../pep-delegation.js';

export function installDisco(router: Router): void {
  const { serverIq } = router;
  serverIq.features.add(NS.discoInfo).add(NS.discoItems);
  serverIq.identities.push({ category: 'server', type: 'im', name: 'Pampero' });

  serverIq.handle(`iq/get/${NS.discoInfo}`, ({ stanza, payload }) => {
    const node: string | undefined = payload.attrs.node;
    const query = new Element('query', node ? { xmlns: NS.discoInfo, node } : { xmlns: NS.discoInfo });
    const to: string = stanza.attrs.to ?? '';
    if (to.includes('@')) {
      // An account (XEP-0030 §3.1): what the server does on its behalf.
      query.c('identity', { category: 'account', type: 'registered' });
      if (router.pep.available) {
        // XEP-0163 §6.1: the account is a virtual pubsub service (served by the PubSub component).
        query.c('identity', { category: 'pubsub', type: 'pep' });
        for (const feature of PEP_FEATURES) query.c('feature', { var: feature });
      }
      query.c('feature', { var: NS.discoInfo });
      for (const feature of [...serverIq.accountFeatures].sort()) query.c('feature', { var: feature });
      return query;
    }
    // XEP-0115 §6.2 and XEP-0390 §4.3: the caps nodes answer the same as no node.
    if (node && node !== `${CAPS_NODE}#${capsVersion(router)}` && !serverCaps2(router).nodes.includes(node)) throw new StanzaError('item-not-found');
    for (const child of serverDiscoInfo(router).getChildElements()) query.cnode(child);
    return query;
  });

  // The server's items are the attached components (so clients find MUC, PubSub, …).
  serverIq.handle(`iq/get/${NS.discoItems}`, ({ stanza, payload }) => {
    const query = new Element('query', { xmlns: NS.discoItems });
    if (payload.attrs.node || String(stanza.attrs.to ?? '').includes('@')) return query;
    for (const domain of router.components.domains()) query.c('item', { jid: domain });
    for (const domain of router.hosted.keys()) query.c('item', { jid: domain });
    return query;
  });
}
