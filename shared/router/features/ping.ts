// XMPP Ping (XEP-0199 §4.2): the server answers pings addressed to it.
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

export function installPing(router: Router): void {
  router.serverIq.features.add(NS.ping);
  router.serverIq.handle(`iq/get/${NS.ping}`, () => undefined);
}
