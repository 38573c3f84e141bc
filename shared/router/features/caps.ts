// Entity capabilities for the server (XEP-0115 §5.1): a hash of its disco#info, sent in stream
// features so clients can cache what the server supports.
import { createHash } from 'node:crypto';
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

export const CAPS_NODE = 'urn:pampero:caps';

const cache = new WeakMap<Router, { quick: string; ver: string }>();

export function capsVersion(router: Router): string {
  const { identities, features } = router.serverIq;
  const hit = cache.get(router);
  // Features and identities are only ever added, so their counts tell whether the hash is stale.
  const quick = `${identities.length}/${features.size}`;
  if (hit && hit.quick === quick) return hit.ver;
  const ids = identities.map((i) => `${i.category}/${i.type}//${i.name ?? ''}`).sort();
  const key = [...ids, ...[...features].sort()].join('<') + '<';
  const ver = createHash('sha1').update(key).digest('base64');
  cache.set(router, { quick, ver });
  return ver;
}

/** `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node=… ver=…/>` for stream features. */
export function capsElement(router: Router): Element {
  return new Element('c', { xmlns: NS.caps, hash: 'sha-1', node: CAPS_NODE, ver: capsVersion(router) });
}
