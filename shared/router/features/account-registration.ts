// XEP-0077 for a signed-in user (docs/registration.md): asking shows the account as registered
// (§3.1), a username and password change the password (§3.3), <remove/> deletes the account with
// its data and ends its sessions (§3.2). Registering before authentication is the gateway's
// (gateway/registration/), governed by registration.mode; these work in every mode.
import { Element } from 'ltx';
import { deriveCredentials } from '../../auth/scram.js';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';
import { StanzaError, type ServerIqRequest } from '../server-iq.js';

const MAX_PASSWORD_BYTES = 1024;

export function installAccountRegistration(router: Router): void {
  const { stores } = router.options;
  router.serverIq.features.add(NS.register);

  /** Only for the user's own account, addressed to the server (or their own bare JID). */
  const owner = ({ from, stanza }: ServerIqRequest): string => {
    const to: string | undefined = stanza.attrs.to;
    if (!from.local || from.domain !== router.domain || (to !== undefined && to !== router.domain && to !== from.bare)) throw new StanzaError('forbidden');
    return from.bare;
  };

  router.serverIq.handle(`iq/get/${NS.register}`, (request) => {
    owner(request);
    const query = new Element('query', { xmlns: NS.register });
    query.c('registered');
    query.c('username').t(request.from.local);
    return query;
  });

  router.serverIq.handle(`iq/set/${NS.register}`, async (request) => {
    const jid = owner(request);
    const { payload } = request;
    if (payload.getChild('remove')) {
      // §3.2: <remove/> alone; the reply goes first, then every session ends with not-authorized.
      if (payload.getChildElements().length !== 1) throw new StanzaError('bad-request', '<remove/> must be the only child');
      if (!(await stores.accounts.delete(jid))) throw new StanzaError('item-not-found');
      await stores.rosters.delete(jid);
      await stores.offline.clear(jid);
      await stores.accountData.deleteAll(jid);
      await stores.archive?.clear(jid);
      setImmediate(() => {
        for (const session of [...router.sessions.resourcesOf(jid)]) session.terminate('not-authorized', 'The account was removed');
        router.lastLogouts.forget(jid); // those sessions' last logout goes with the account (XEP-0012)
      });
      return undefined;
    }
    const fields = submittedFields(payload);
    const password = fields.get('password');
    // §3.3: the username is the user's own, and a password is given.
    if (fields.get('username')?.toLowerCase() !== request.from.local) throw new StanzaError('bad-request', 'The username must be your own');
    if (!password || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw new StanzaError('bad-request', `A password of 1 to ${MAX_PASSWORD_BYTES} bytes is required`);
    if (!(await stores.accounts.setCredentials(jid, await deriveCredentials(password)))) throw new StanzaError('item-not-found');
    return undefined;
  });
}

/** The legacy fields, or those of a submitted data form (§4, FORM_TYPE jabber:iq:register:changepassword). */
function submittedFields(query: Element): Map<string, string> {
  const fields = new Map<string, string>();
  const form = query.getChildren('x').find((x) => x.attrs.xmlns === NS.dataForms && x.attrs.type === 'submit');
  if (form) {
    for (const field of form.getChildren('field')) if (field.attrs.var) fields.set(field.attrs.var, field.getChildText('value') ?? '');
    return fields;
  }
  for (const child of query.getChildElements()) fields.set(child.name, child.getText());
  return fields;
}
