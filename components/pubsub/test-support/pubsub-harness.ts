// Drives the pubsub stanza router without sockets: requests go in as elements, everything the
// component sends is collected. Storage is a real LMDB environment in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbPubsubStore } from '../../../shared/storage/lmdb/pubsub-store.js';
import type { PubsubStore, Roster } from '../../../shared/storage/types.js';
import { NS_DATA_FORMS, NS_PUBSUB, NS_PUBSUB_ERRORS, NS_PUBSUB_OWNER, NS_STANZAS } from '../namespaces.js';
import { createStanzaRouter, type StanzaRouterOptions } from '../stanza-router.js';
import { childElements, xml, type XmlChild, type XmlElement } from '../xmpp-bindings.js';

export const SERVICE = 'pubsub.localhost';
export const SERVER = 'localhost';
export { NS_PUBSUB, NS_PUBSUB_OWNER };

export interface Harness {
  store: PubsubStore;
  /** Everything sent that was not the reply to a request made through `iq`. */
  sent: XmlElement[];
  iq(from: string, type: 'get' | 'set', payload: XmlElement, to?: string): Promise<XmlElement>;
  message(stanza: XmlElement): Promise<void>;
  rosters: Map<string, Roster>;
  close(): Promise<void>;
}

const open: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of open.splice(0)) await close();
});

export function createHarness(options: Partial<StanzaRouterOptions> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'pampero-pubsub-'));
  const { store, close } = openLmdbPubsubStore(dir);
  const rosters = new Map<string, Roster>();
  let counter = 0;
  const router = createStanzaRouter({
    domain: SERVICE,
    serverDomain: SERVER,
    store,
    newId: () => `id${++counter}`,
    now: () => 1_700_000_000_000,
    rosterOf: async (owner) => rosters.get(owner) ?? { version: 0, items: [], pendingIn: [] },
    ...options,
  });
  let nextIq = 0;
  const sent: XmlElement[] = [];
  const closeAll = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  open.push(closeAll);
  return {
    store,
    sent,
    rosters,
    async iq(from, type, payload, to = SERVICE) {
      const id = `q${++nextIq}`;
      let reply: XmlElement | undefined;
      await router.handle(xml('iq', { type, id, from, to }, payload), async (stanza) => {
        if (stanza.name === 'iq' && stanza.attrs.id === id && !reply) reply = stanza;
        else sent.push(stanza);
      });
      if (!reply) throw new Error('no reply');
      return reply;
    },
    async message(stanza) {
      await router.handle(stanza, async (out) => void sent.push(out));
    },
    close: closeAll,
  };
}

export const pubsub = (...children: XmlChild[]) => xml('pubsub', { xmlns: NS_PUBSUB }, ...children);
export const owner = (...children: XmlChild[]) => xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, ...children);

/** A submitted data form. */
export function submitForm(formType: string | undefined, fields: Record<string, string | string[]>, type = 'submit'): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA_FORMS, type },
    formType ? xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)) : null,
    Object.entries(fields).map(([name, v]) => xml('field', { var: name }, (Array.isArray(v) ? v : [v]).map((value) => xml('value', {}, value)))),
  );
}

/** 'condition' or 'condition/pubsub-condition' of an error reply; undefined for a result. */
export function errorOf(reply: XmlElement): string | undefined {
  const error = reply.getChild('error');
  if (!error) return undefined;
  const conditions = childElements(error);
  const defined = conditions.find((c) => c.attrs.xmlns === NS_STANZAS)?.name;
  const app = conditions.find((c) => c.attrs.xmlns === NS_PUBSUB_ERRORS);
  return app ? `${defined}/${app.name}${app.attrs.feature ? `:${app.attrs.feature}` : ''}` : defined;
}

/** Item ids in an <items/> answer or notification, in order. */
export function itemIds(el: XmlElement | undefined): string[] {
  return el ? el.getChildren('item').map((i) => i.attrs.id!) : [];
}

export const entry = (text: string) => xml('entry', { xmlns: 'http://www.w3.org/2005/Atom' }, xml('title', {}, text));

/** Creates `node` owned by `by` (optionally configured) and expects success. */
export async function createNode(h: Harness, by: string, node: string, config?: Record<string, string | string[]>): Promise<void> {
  const reply = await h.iq(by, 'set', pubsub(xml('create', { node }), config ? xml('configure', {}, submitForm(`${NS_PUBSUB}#node_config`, config)) : null));
  if (reply.attrs.type !== 'result') throw new Error(`create failed: ${reply.toString()}`);
}

export async function publish(h: Harness, by: string, node: string, id: string | undefined, payload: XmlElement = entry('x')): Promise<XmlElement> {
  return h.iq(by, 'set', pubsub(xml('publish', { node }, xml('item', { id }, payload))));
}

export async function subscribe(h: Harness, who: string, node: string, jid = who): Promise<XmlElement> {
  return h.iq(who, 'set', pubsub(xml('subscribe', { node, jid })));
}
