// Entity capabilities for the server (XEP-0115 §5.1): a hash of its disco#info, sent in stream
// features so clients can cache what the server supports.
import { createHash } from 'node:crypto';
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

export const CAPS_NODE = 'urn:pampero:caps';

const cache = new WeakMap<Router, { quick: string; ver: string }>();

export function capsVersion(router: Router): string {
  const { identities, features, forms } = router.serverIq;
  const hit = cache.get(router);
  // Features and identities are only ever added, so their counts tell whether the hash is stale.
  const quick = `${identities.length}/${features.size}/${forms.length}`;
  if (hit && hit.quick === quick) return hit.ver;
  const ids = identities.map((i) => `${i.category}/${i.type}//${i.name ?? ''}`).sort();
  const key = [...ids, ...[...features].sort()].join('<') + '<' + formsVerString(forms);
  const ver = createHash('sha1').update(key).digest('base64');
  cache.set(router, { quick, ver });
  return ver;
}

/** XEP-0115 §5.1 step 9: each extended form (XEP-0128), by FORM_TYPE, fields by var, values sorted. */
function formsVerString(forms: readonly Element[]): string {
  const values = (field: Element) => field.getChildren('value').map((v) => v.getText()).sort();
  const formType = (form: Element) => form.getChildren('field').find((f) => f.attrs.var === 'FORM_TYPE');
  return [...forms]
    .map((form) => ({ form, type: values(formType(form) ?? new Element('field'))[0] ?? '' }))
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map(({ form, type }) => {
      const fields = form.getChildren('field').filter((f) => f.attrs.var !== 'FORM_TYPE');
      fields.sort((a, b) => (a.attrs.var < b.attrs.var ? -1 : a.attrs.var > b.attrs.var ? 1 : 0));
      return `${type}<` + fields.map((f) => `${f.attrs.var}<` + values(f).map((v) => `${v}<`).join('')).join('');
    })
    .join('');
}

/** `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node=… ver=…/>` for stream features. */
export function capsElement(router: Router): Element {
  return new Element('c', { xmlns: NS.caps, hash: 'sha-1', node: CAPS_NODE, ver: capsVersion(router) });
}
