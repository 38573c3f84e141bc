// Contact Addresses for XMPP Services (XEP-0157 v1.1): the abuse, admin, support, … addresses
// configured under `contactAddresses` (docs/account-features.md), as a serverinfo data form
// (XEP-0128) in the server's disco#info — only when at least one address is configured.
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

export const SERVERINFO = NS.serverInfo;
const DATA_FORMS = NS.dataForms;
export const CONTACT_KINDS = ['abuse', 'admin', 'feedback', 'sales', 'security', 'status', 'support'] as const;
export type ContactAddresses = Partial<Record<(typeof CONTACT_KINDS)[number], readonly string[]>>;

export function installContactAddresses(router: Router): void {
  const form = serverInfoForm(router.options.contactAddresses ?? {});
  if (form) router.serverIq.forms.push(form);
}

export function serverInfoForm(addresses: ContactAddresses): Element | undefined {
  const kinds = CONTACT_KINDS.filter((kind) => (addresses[kind]?.length ?? 0) > 0);
  if (kinds.length === 0) return undefined;
  const x = new Element('x', { xmlns: DATA_FORMS, type: 'result' });
  x.c('field', { var: 'FORM_TYPE', type: 'hidden' }).c('value').t(SERVERINFO);
  for (const kind of kinds) {
    const field = x.c('field', { var: `${kind}-addresses`, type: 'list-multi' });
    for (const address of addresses[kind]!) field.c('value').t(address);
  }
  return x;
}
