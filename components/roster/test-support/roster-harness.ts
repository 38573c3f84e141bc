// Drives the stanza router the way the router process would, without sockets: builds the
// envelopes of docs/roster-delegation.md, records what the component sends and reads it back
// in a compact form tests can compare (roster pushes, presences, delegated answers).
// @ts-ignore -- untyped package (see xmpp-bindings.ts)
import untypedParse from '@xmpp/xml/lib/parse.js';
import type { RosterStore } from '../../../shared/storage/types.js';
import { NS_DELEGATION, unwrapDelegated, unwrapPrivileged, wrapDelegationRequest, wrapPrivileged } from '../privilege.js';
import { NS_ROSTER } from '../roster-items.js';
import { createStanzaRouter, type StanzaRouter } from '../stanza-router.js';
import type { UserQueueLimits } from '../user-queue.js';
import { childElements, type XmlElement } from '../../../shared/component/xmpp-bindings.js';
import { MemoryRosterStore } from './memory-roster-store.js';

export const SERVER = 'localhost';
export const COMPONENT = 'roster.localhost';

export const parseXml: (text: string) => XmlElement = untypedParse;

export interface PushedItem {
  owner: string;
  ver: string | undefined;
  jid: string;
  subscription: string | undefined;
  ask?: string;
  approved?: string;
  name?: string;
  groups: string[];
}

export interface HarnessOptions {
  maxItems?: number;
  rosters?: RosterStore;
  userExists?: (bareJid: string) => Promise<boolean>;
  queueLimits?: Partial<UserQueueLimits>;
}

let nextId = 0;

export function createHarness(options: HarnessOptions = {}) {
  const rosters = options.rosters ?? new MemoryRosterStore();
  const router: StanzaRouter = createStanzaRouter({
    domain: COMPONENT,
    serverDomain: SERVER,
    rosters,
    maxItems: options.maxItems ?? 1000,
    userExists: options.userExists,
    queueLimits: options.queueLimits,
  });
  const sent: XmlElement[] = [];
  const send = (stanza: XmlElement) => {
    sent.push(stanza);
  };

  const harness = {
    rosters,
    router,
    /** Every stanza sent so far, in order. */
    sent,

    /** Hands a stanza to the router; resolves when its work is done. */
    receive(stanza: string | XmlElement): Promise<void> {
      return router.handle(typeof stanza === 'string' ? parseXml(stanza) : stanza, send);
    },

    /** A client's roster IQ, delegated by the server (docs/roster-delegation.md §1). */
    async rosterIq(from: string, type: 'get' | 'set', query: string): Promise<XmlElement> {
      const id = `c${++nextId}`;
      const inner = parseXml(`<iq type='${type}' id='${id}' from='${from}' to='${from.split('/')[0]}'>${query}</iq>`);
      const outerId = `r${nextId}`;
      const before = sent.length;
      await harness.receive(wrapDelegationRequest(inner, { id: outerId, from: SERVER, to: COMPONENT }));
      const answer = sent.slice(before).find((el) => el.name === 'iq' && el.attrs.id === outerId);
      if (!answer) throw new Error(`no answer to delegated IQ ${outerId}`);
      if (answer.attrs.type !== 'result') return answer;
      const reply = unwrapDelegated(answer);
      if (!reply) throw new Error(`answer to ${outerId} has no forwarded IQ: ${answer.toString()}`);
      return reply;
    },
    rosterGet(from: string, ver?: string): Promise<XmlElement> {
      return harness.rosterIq(from, 'get', ver === undefined ? `<query xmlns='${NS_ROSTER}'/>` : `<query xmlns='${NS_ROSTER}' ver='${ver}'/>`);
    },
    rosterSet(from: string, item: string): Promise<XmlElement> {
      return harness.rosterIq(from, 'set', `<query xmlns='${NS_ROSTER}'>${item}</query>`);
    },

    /** A subscription presence a client sent (docs/roster-delegation.md §3). */
    subscription(from: string, to: string, type: string, payload = ''): Promise<void> {
      const inner = parseXml(`<presence from='${from}' to='${to}' type='${type}'>${payload}</presence>`);
      return harness.receive(wrapPrivileged(inner, { from: SERVER, to: COMPONENT }));
    },

    /** The router's copy of a broadcast presence (docs/roster-delegation.md §3). */
    broadcast(from: string, opts: { initial?: boolean; type?: 'unavailable'; payload?: string } = {}): Promise<void> {
      const marker = opts.initial ? `<initial xmlns='urn:pampero:presence:0'/>` : '';
      const type = opts.type ? ` type='${opts.type}'` : '';
      return harness.receive(`<presence from='${from}' to='${COMPONENT}'${type}>${opts.payload ?? ''}${marker}</presence>`);
    },

    /** Forgets what was sent so far. */
    clear(): void {
      sent.length = 0;
    },

    /** Inner stanzas of everything sent on users' behalf (checks the envelope). */
    onBehalf(): XmlElement[] {
      return sent.flatMap((el) => {
        const inner = unwrapPrivileged(el);
        if (!inner) return [];
        if (el.attrs.from !== COMPONENT || el.attrs.to !== SERVER) throw new Error(`bad envelope: ${el.toString()}`);
        return [inner];
      });
    },

    /** Roster pushes sent, in order. */
    pushes(owner?: string): PushedItem[] {
      return harness
        .onBehalf()
        .filter((el) => el.name === 'iq' && el.attrs.type === 'set')
        .map((iq) => {
          const query = iq.getChild('query', NS_ROSTER)!;
          const item = childElements(query)[0];
          if (iq.attrs.from !== iq.attrs.to) throw new Error(`push not from/to the owner: ${iq.toString()}`);
          const pushed: PushedItem = {
            owner: iq.attrs.to ?? '',
            ver: query.attrs.ver,
            jid: item.attrs.jid ?? '',
            subscription: item.attrs.subscription,
            groups: item.getChildren('group').map((g) => g.getText()),
          };
          for (const key of ['ask', 'approved', 'name'] as const) if (item.attrs[key] !== undefined) pushed[key] = item.attrs[key];
          return pushed;
        })
        .filter((push) => owner === undefined || push.owner === owner);
    },

    /** Presences sent on users' behalf, as "type from -> to" ('available' when untyped). */
    presences(): string[] {
      return harness
        .onBehalf()
        .filter((el) => el.name === 'presence')
        .map((p) => `${p.attrs.type ?? 'available'} ${p.attrs.from} -> ${p.attrs.to}`);
    },

    /** Presence stanzas sent on users' behalf, whole. */
    presenceStanzas(): XmlElement[] {
      return harness.onBehalf().filter((el) => el.name === 'presence');
    },
  };
  return harness;
}

/** The defined condition of an error stanza (or of the inner one). */
export function errorCondition(stanza: XmlElement): string | undefined {
  const error = stanza.getChild('error');
  if (!error) return undefined;
  return childElements(error).find((el) => el.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && el.name !== 'text')?.name;
}

export { NS_DELEGATION, NS_ROSTER };
