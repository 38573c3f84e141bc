// The server-domain features every router has.
import type { Router } from '../router.js';
import { NS } from '../../xml/namespaces.js';
import { installDisco } from './disco.js';
import { installPing } from './ping.js';
import { installVersion } from './version.js';
import { installTime } from './time.js';
import { installCarbons } from './carbons.js';
import { installMam } from './mam.js';
import { installBlocking } from './blocking.js';
import { installVcard } from './vcard.js';
import { installPrivateStorage } from './private-storage.js';
import { installAvatarConversion } from './avatar-conversion.js';
import { installBookmarksCompat } from './bookmarks-compat.js';
import { installLastActivity } from './last-activity.js';
import { installContactAddresses } from './contact-addresses.js';
import { installIncidentReports } from '../../abuse/incidents/incident-reports.js';
import { installPush } from './push.js';
import { installCaps2 } from './caps2.js';
import { installAccountRegistration } from './account-registration.js';
import type { LastLogoutWriter } from './last-logout-writer.js';

/** Returns what the node's stop must finish: the last logouts not written yet. */
export function installServerFeatures(router: Router): { lastLogouts: LastLogoutWriter } {
  installDisco(router);
  installPing(router);
  installVersion(router);
  installTime(router);
  installCarbons(router);
  installMam(router); // XEP-0313, only when the router has an archive
  installBlocking(router);
  installVcard(router, installAvatarConversion(router)); // XEP-0054, XEP-0398
  installPrivateStorage(router, installBookmarksCompat(router)); // XEP-0049, XEP-0402 #compat, XEP-0411
  const lastLogouts = installLastActivity(router); // XEP-0012
  installContactAddresses(router);
  installIncidentReports(router); // XEP-0268 reports into the incident store (docs/abuse.md)
  installPush(router); // XEP-0357, only when router.push (push.enabled)
  installCaps2(router); // XEP-0390
  installAccountRegistration(router); // XEP-0077 for signed-in users (password change, removal)
  router.serverIq.features.add(NS.offline); // XEP-0160, done by OfflineDelivery
  router.serverIq.features.add(NS.address); // XEP-0033 multicast for components (multicast-delivery.ts)
  return { lastLogouts };
}
