// The server-domain features every router has.
import type { Router } from '../router.js';
import { NS } from '../../xml/namespaces.js';
import { installDisco } from './disco.js';
import { installPing } from './ping.js';
import { installVersion } from './version.js';
import { installTime } from './time.js';
import { installCarbons } from './carbons.js';

export function installServerFeatures(router: Router): void {
  installDisco(router);
  installPing(router);
  installVersion(router);
  installTime(router);
  installCarbons(router);
  router.serverIq.features.add(NS.offline); // XEP-0160, done by OfflineDelivery
}
