// Push Notifications (XEP-0357 v0.4): a client enables (or disables) publishing to its app
// server's push node; the account advertises urn:xmpp:push:0 (§4.1). The notifications
// themselves are push/push-notifications.ts; docs/push.md.
import type { Element } from 'ltx';
import { parseJid } from '../../jid.js';
import type { Router } from '../router.js';
import { StanzaError, type ServerIqRequest } from '../server-iq.js';
import { PUSH, publishOptionsOf } from './push/push-summary.js';
import type { PushRegistration } from './push/push-registrations.js';

export { PUSH };
/** Longest node name accepted. */
export const MAX_NODE_CHARS = 1024;
/** Largest publish-options form accepted, serialised (it is sent with every notification). */
export const MAX_PUBLISH_OPTIONS_BYTES = 4096;

export function installPush(router: Router): void {
  const push = router.push;
  if (!push) return; // push.enabled false: no feature, no handler (disco tells the truth)
  router.serverIq.accountFeatures.add(PUSH);

  router.serverIq.handle(`iq/set/${PUSH}`, async ({ from, stanza, payload }: ServerIqRequest) => {
    // §5, §6: sent to the user's own bare JID (or no 'to'), by the user.
    const to: string | undefined = stanza.attrs.to;
    if (!from.local || from.domain !== router.domain || (to !== undefined && to !== from.bare)) throw new StanzaError('forbidden');
    const app = parseJid(payload.attrs.jid ?? '');
    if (!app) throw new StanzaError('bad-request', "A 'jid' attribute with the push service's JID is required");
    const owner = from.bare;
    if (payload.name === 'disable') {
      const node: string | undefined = payload.attrs.node || undefined;
      push.forget(owner, await push.registrations.disable(owner, app.full, node));
      return undefined;
    }
    if (payload.name !== 'enable') throw new StanzaError('bad-request');
    const registration = registrationOf(payload, app.full);
    push.forget(owner, await push.registrations.enable(owner, registration));
    const session = router.sessions.get(from.full);
    if (session) push.sessionEnabled(session, registration);
    return undefined;
  });
}

function registrationOf(enable: Element, jid: string): PushRegistration {
  const node: string | undefined = enable.attrs.node;
  if (!node) throw new StanzaError('bad-request', "A 'node' attribute is required");
  if (node.length > MAX_NODE_CHARS) throw new StanzaError('not-acceptable', `Node names are limited to ${MAX_NODE_CHARS} characters`);
  let form: Element | undefined;
  try {
    form = publishOptionsOf(enable);
  } catch {
    throw new StanzaError('bad-request', 'The data form must have the FORM_TYPE http://jabber.org/protocol/pubsub#publish-options');
  }
  const registration: PushRegistration = { jid, node, enabledAt: Date.now() };
  if (form) {
    const xml = form.toString();
    if (Buffer.byteLength(xml) > MAX_PUBLISH_OPTIONS_BYTES) throw new StanzaError('not-acceptable', `Publish options are limited to ${MAX_PUBLISH_OPTIONS_BYTES} bytes`);
    registration.publishOptions = xml;
  }
  return registration;
}
