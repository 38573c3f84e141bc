// Private XML storage (XEP-0049 v1.2): a user keeps arbitrary XML on the server, one element
// per namespace, readable and writable only by that user (bookmarks of XEP-0048 live here for
// older clients).
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';
import { StanzaError, type ServerIqRequest } from '../server-iq.js';
import { parseStoredElement } from './stored-xml.js';

export const PRIVATE = NS.privateXml;
const KEY_PREFIX = 'private:';
/** Largest element stored under one namespace, serialised. */
export const MAX_PRIVATE_BYTES = 64 * 1024;
/** Most namespaces one user may store. */
export const MAX_PRIVATE_NAMESPACES = 100;

/** Other features that follow private XML (XEP-0402 #compat, XEP-0411: bookmarks-compat.ts). */
export interface PrivateStorageHooks {
  /** After the owner stored `element`; the set is answered once it resolves. */
  stored?(owner: string, element: Element): Promise<void>;
  /** Resolves once work that may still change the owner's private XML is done; reads wait for it. */
  settled?(owner: string): Promise<void>;
  /** Nothing stored under `ns`: what to answer instead, if anything. */
  fallback?(owner: string, ns: string): Promise<Element | undefined>;
}

export function installPrivateStorage(router: Router, hooks: PrivateStorageHooks = {}): void {
  const store = router.options.stores.accountData;
  router.serverIq.features.add(PRIVATE);

  /** The user and the one child element of the request (§3: exactly one, with a namespace). */
  const check = ({ from, stanza, payload }: ServerIqRequest): { owner: string; child: Element; ns: string } => {
    const to: string | undefined = stanza.attrs.to;
    if (!from.local || from.domain !== router.domain || (to !== undefined && to !== from.bare)) throw new StanzaError('forbidden');
    const children = payload.getChildElements();
    if (payload.name !== 'query' || children.length !== 1) throw new StanzaError('bad-request', 'The query needs exactly one child element');
    const child = children[0]!;
    const ns: string | undefined = child.attrs.xmlns;
    if (!ns) throw new StanzaError('bad-request', 'The child element needs a namespace');
    // §3: jabber:* namespaces are reserved for the protocol itself.
    if (ns.startsWith('jabber:')) throw new StanzaError('not-acceptable', 'jabber:* namespaces cannot be stored');
    return { owner: from.bare, child, ns };
  };

  router.serverIq.handle(`iq/get/${PRIVATE}`, async (request) => {
    const { owner, child, ns } = check(request);
    await hooks.settled?.(owner);
    const xml = await store.get(owner, KEY_PREFIX + ns);
    const stored = xml === undefined ? await hooks.fallback?.(owner, ns) : parseStoredElement(xml);
    const query = new Element('query', { xmlns: PRIVATE });
    // Nothing stored: the empty element comes back as it was asked for.
    query.cnode(stored ?? new Element(child.name, { xmlns: ns }));
    return query;
  });

  router.serverIq.handle(`iq/set/${PRIVATE}`, async (request) => {
    const { owner, child, ns } = check(request);
    const xml = child.toString();
    if (Buffer.byteLength(xml) > MAX_PRIVATE_BYTES) throw new StanzaError('not-acceptable', `Private XML is limited to ${MAX_PRIVATE_BYTES} bytes per namespace`);
    const key = KEY_PREFIX + ns;
    if ((await store.get(owner, key)) === undefined) {
      const used = await store.keys(owner, KEY_PREFIX, MAX_PRIVATE_NAMESPACES);
      if (used.length >= MAX_PRIVATE_NAMESPACES) throw new StanzaError('resource-constraint', `At most ${MAX_PRIVATE_NAMESPACES} namespaces`);
    }
    await store.put(owner, key, xml);
    await hooks.stored?.(owner, child);
    return undefined;
  });

  // §3: another user's private storage is never readable or writable.
  for (const type of ['get', 'set'] as const) {
    router.accountIq.handle(`iq/${type}/${PRIVATE}`, () => {
      throw new StanzaError('forbidden');
    });
  }
}
