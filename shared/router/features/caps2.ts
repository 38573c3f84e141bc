// Entity Capabilities 2.0 (XEP-0390) for the server, next to XEP-0115 (caps.ts): the hash of
// its disco#info, by the algorithm of §4.1, sent in stream features (§5.2) and answered on
// its hash node (§4.3) by the disco#info handler (disco.ts).
import { createHash } from 'node:crypto';
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

export const CAPS2 = NS.caps2;
export const HASHES = NS.hashes;
/** XEP-0300 names and node crypto names of the hash functions used. */
const ALGORITHMS = [{ algo: 'sha-256', node: 'sha256' }] as const;

const UNIT = 0x1f;
const RECORD = 0x1e;
const GROUP = 0x1d;
const FILE = 0x1c;

/**
 * XEP-0390 §4.1: the hash function input of a disco#info <query/>; undefined where the algorithm
 * aborts (an unexpected child, a form with <reported/> or <item/>, or without FORM_TYPE).
 */
export function caps2HashInput(query: Element): Buffer | undefined {
  const features: Buffer[] = [];
  const identities: Buffer[] = [];
  const forms: Buffer[] = [];
  const inheritedLang: string = query.attrs['xml:lang'] ?? '';
  for (const child of query.getChildElements()) {
    const xmlns = child.attrs.xmlns ?? NS.discoInfo;
    if (child.name === 'feature' && xmlns === NS.discoInfo) {
      features.push(unit(child.attrs.var ?? ''));
    } else if (child.name === 'identity' && xmlns === NS.discoInfo) {
      const a = child.attrs;
      identities.push(Buffer.concat([unit(a.category ?? ''), unit(a.type ?? ''), unit(a['xml:lang'] ?? inheritedLang), unit(a.name ?? ''), octet(RECORD)]));
    } else if (child.name === 'x' && xmlns === NS.dataForms) {
      const form = formInput(child);
      if (!form) return undefined;
      forms.push(form);
    } else {
      return undefined;
    }
  }
  return Buffer.concat([...sorted(features), octet(FILE), ...sorted(identities), octet(FILE), ...sorted(forms), octet(FILE)]);
}

function formInput(form: Element): Buffer | undefined {
  if (form.getChild('reported') || form.getChild('item')) return undefined;
  const fields = form.getChildren('field');
  const formType = fields.find((f) => f.attrs.var === 'FORM_TYPE');
  if (!formType || formType.getChildren('value').length !== 1) return undefined; // XEP-0068
  const records = fields.map((field) => {
    const values = sorted(field.getChildren('value').map((v) => unit(v.getText())));
    return Buffer.concat([unit(field.attrs.var ?? ''), ...values, octet(RECORD)]);
  });
  return Buffer.concat([...sorted(records), octet(GROUP)]);
}

/** `<c xmlns='urn:xmpp:caps'><hash xmlns='urn:xmpp:hashes:2' algo=…>…</hash></c>` of a disco#info result (§4.2). */
export function caps2Element(query: Element): Element | undefined {
  const input = caps2HashInput(query);
  if (!input) return undefined;
  const c = new Element('c', { xmlns: CAPS2 });
  for (const { algo, node } of ALGORITHMS) c.c('hash', { xmlns: HASHES, algo }).t(createHash(node).update(input).digest('base64'));
  return c;
}

/** §4.3: the disco#info node of each hash, `urn:xmpp:caps#sha-256.<base64>`. */
export function caps2Nodes(c: Element): string[] {
  return c.getChildren('hash', HASHES).map((h) => `${CAPS2}#${h.attrs.algo}.${h.getText()}`);
}

const cache = new WeakMap<Router, { quick: string; c: Element | undefined; nodes: string[] }>();

/** The server's own hash set (cached; features are only ever added, so their counts tell staleness). */
export function serverCaps2(router: Router): { c: Element | undefined; nodes: string[] } {
  const { identities, features, forms } = router.serverIq;
  const quick = `${identities.length}/${features.size}/${forms.length}`;
  const hit = cache.get(router);
  if (hit && hit.quick === quick) return hit;
  const c = caps2Element(serverDiscoInfo(router));
  const entry = { quick, c, nodes: c ? caps2Nodes(c) : [] };
  cache.set(router, entry);
  return entry;
}

/** The server's disco#info <query/>, as disco.ts answers it. */
export function serverDiscoInfo(router: Router): Element {
  const { serverIq } = router;
  const query = new Element('query', { xmlns: NS.discoInfo });
  for (const id of serverIq.identities) query.c('identity', id.name ? { ...id } : { category: id.category, type: id.type });
  for (const feature of [...serverIq.features].sort()) query.c('feature', { var: feature });
  for (const form of serverIq.forms) query.cnode(form);
  return query;
}

export function installCaps2(router: Router): void {
  router.serverIq.features.add(CAPS2); // §6.1
}

function unit(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), octet(UNIT)]);
}

function octet(value: number): Buffer {
  return Buffer.from([value]);
}

/** i;octet order (RFC 4790). */
function sorted(parts: Buffer[]): Buffer[] {
  return parts.sort(Buffer.compare);
}
