// Drives the MUC stanza router the way the router process would, without sockets: users'
// stanzas go in, what the component sends is recorded and read back per recipient.
// @ts-ignore -- untyped package (see xml.ts)
import untypedParse from '@xmpp/xml/lib/parse.js';
import type { MucRoomStore } from '../../../shared/storage/types.js';
import { NS_MUC, NS_MUC_USER } from '../namespaces.js';
import { createMucStanzaRouter, type MucRouterOptions } from '../stanza-router.js';
import { childElements, type XmlElement } from '../xml.js';
import { MemoryMucRoomStore } from './memory-muc-room-store.js';

export const SERVER = 'localhost';
export const SERVICE = 'conference.localhost';
export const ROOM = `coven@${SERVICE}`;

export const parseXml: (text: string) => XmlElement = untypedParse;

export function createMucHarness(options: Partial<MucRouterOptions> & { rooms?: MucRoomStore } = {}) {
  const rooms = options.rooms ?? new MemoryMucRoomStore();
  let clock = 1_700_000_000_000;
  const router = createMucStanzaRouter({ domain: SERVICE, serverDomain: SERVER, now: () => clock, ...options, rooms });
  const sent: XmlElement[] = [];
  const send = (stanza: XmlElement) => {
    sent.push(stanza);
  };
  let nextId = 0;

  const h = {
    rooms,
    router,
    sent,
    advance(ms: number) {
      clock += ms;
    },
    receive(stanza: string | XmlElement): Promise<void> {
      return router.handle(typeof stanza === 'string' ? parseXml(stanza) : stanza, send);
    },
    clear() {
      sent.length = 0;
    },
    /** Stanzas sent to `to` (a full JID) since the last clear. */
    to(to: string): XmlElement[] {
      return sent.filter((s) => s.attrs.to === to);
    },
    /** Presence to room/nick with <x xmlns='…muc'/> (extra goes inside <x/>). */
    join(from: string, nick: string, opts: { room?: string; x?: string; payload?: string } = {}): Promise<void> {
      return h.receive(`<presence from='${from}' to='${opts.room ?? ROOM}/${nick}'><x xmlns='${NS_MUC}'>${opts.x ?? ''}</x>${opts.payload ?? ''}</presence>`);
    },
    leave(from: string, nick: string, room = ROOM): Promise<void> {
      return h.receive(`<presence type='unavailable' from='${from}' to='${room}/${nick}'/>`);
    },
    say(from: string, body: string, room = ROOM): Promise<void> {
      return h.receive(`<message type='groupchat' id='m${++nextId}' from='${from}' to='${room}'><body>${body}</body></message>`);
    },
    /** Sends an IQ and returns the answer. */
    async iq(from: string, type: 'get' | 'set', to: string, payload: string): Promise<XmlElement> {
      const id = `q${++nextId}`;
      await h.receive(`<iq type='${type}' id='${id}' from='${from}' to='${to}'>${payload}</iq>`);
      const answer = sent.find((s) => s.name === 'iq' && s.attrs.id === id);
      if (!answer) throw new Error(`no answer to ${id}`);
      return answer;
    },
    /** Creates ROOM (or `room`) owned by `owner` as an instant room (XEP-0045 §10.1.2). */
    async createInstantRoom(owner: string, nick: string, room = ROOM): Promise<void> {
      await h.join(owner, nick, { room });
      const answer = await h.iq(owner, 'set', room, `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>`);
      if (answer.attrs.type !== 'result') throw new Error(`instant room refused: ${answer.toString()}`);
    },
    /** Submits a muc#roomconfig form with these fields. */
    configure(owner: string, fields: Record<string, string>, room = ROOM): Promise<XmlElement> {
      const body = Object.entries(fields)
        .map(([v, value]) => `<field var='${v}'><value>${value}</value></field>`)
        .join('');
      return h.iq(
        owner,
        'set',
        room,
        `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>${body}</x></query>`,
      );
    },
    admin(from: string, items: string, room = ROOM): Promise<XmlElement> {
      return h.iq(from, 'set', room, `<query xmlns='http://jabber.org/protocol/muc#admin'>${items}</query>`);
    },
  };
  return h;
}

export function errorCondition(stanza: XmlElement | undefined): string | undefined {
  const error = stanza?.getChild('error');
  if (!error) return undefined;
  return childElements(error).find((el) => el.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && el.name !== 'text')?.name;
}

/** The muc#user status codes of a stanza. */
export function statusCodes(stanza: XmlElement | undefined): number[] {
  return (stanza?.getChild('x', NS_MUC_USER)?.getChildren('status') ?? []).map((s) => Number(s.attrs.code));
}

/** The muc#user <item/> attributes of a presence. */
export function mucItem(stanza: XmlElement | undefined): Record<string, string | undefined> | undefined {
  return stanza?.getChild('x', NS_MUC_USER)?.getChild('item')?.attrs;
}

/** "type from" for each presence in the list ('available' when untyped). */
export function presenceSummary(stanzas: XmlElement[]): string[] {
  return stanzas.filter((s) => s.name === 'presence').map((p) => `${p.attrs.type ?? 'available'} ${p.attrs.from}`);
}
