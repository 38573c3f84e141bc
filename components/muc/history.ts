// Discussion history (XEP-0045 §7.2 "Managing Discussion History"): the last `historyLength` groupchat messages of a room,
// bounded by the room configuration (itself capped by the service), replayed on entering with a
// XEP-0203 <delay/> and filtered by the joiner's <history maxstanzas maxchars seconds since/>.
import { NS_DELAY, NS_MUC } from './namespaces.js';
import type { Room } from './room.js';
import { cloneElement, xml, type XmlElement } from './xml.js';

export interface HistoryEntry {
  /** The reflected message without its `to` (from = room/nick). */
  stanza: XmlElement;
  at: number;
  /** Characters of the serialised stanza, for maxchars. */
  chars: number;
}

export interface HistoryRequest {
  maxStanzas?: number;
  maxChars?: number;
  seconds?: number;
  since?: number;
}

/**
 * Keeps a message; the oldest ones go once the room's history length, or the service's cap on
 * the characters kept per room, is exceeded (so a room's history memory is bounded either way).
 */
export function recordHistory(room: Room, message: XmlElement, at: number, maxChars: number): void {
  const limit = room.config.historyLength;
  if (limit <= 0) return;
  const stanza = cloneElement(message);
  delete stanza.attrs.to;
  room.history.push({ stanza, at, chars: stanza.toString().length });
  if (room.history.length > limit) room.history.splice(0, room.history.length - limit);
  let total = room.history.reduce((sum, entry) => sum + entry.chars, 0);
  while (total > maxChars && room.history.length > 0) total -= room.history.shift()!.chars;
}

function nonNegativeInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** §7.2 "Managing Discussion History": the <history/> element of the entering presence's <x xmlns='…muc'/>. */
export function parseHistoryRequest(presence: XmlElement): HistoryRequest {
  const history = presence.getChild('x', NS_MUC)?.getChild('history');
  if (!history) return {};
  const since = history.attrs.since ? Date.parse(history.attrs.since) : NaN;
  return {
    maxStanzas: nonNegativeInt(history.attrs.maxstanzas),
    maxChars: nonNegativeInt(history.attrs.maxchars),
    seconds: nonNegativeInt(history.attrs.seconds),
    since: Number.isNaN(since) ? undefined : since,
  };
}

/** The entries to replay, oldest first: every limit the joiner gave applies at once. */
export function selectHistory(room: Room, request: HistoryRequest, now: number): HistoryEntry[] {
  const selected: HistoryEntry[] = [];
  let chars = 0;
  for (let i = room.history.length - 1; i >= 0; i--) {
    const entry = room.history[i]!;
    if (request.maxStanzas !== undefined && selected.length >= request.maxStanzas) break;
    if (request.seconds !== undefined && entry.at < now - request.seconds * 1000) break;
    if (request.since !== undefined && entry.at <= request.since) break;
    if (request.maxChars !== undefined && chars + entry.chars > request.maxChars) break;
    chars += entry.chars;
    selected.push(entry);
  }
  return selected.reverse();
}

/** One history message for `to`, with the XEP-0203 delay stamped by the room. */
export function historyMessage(room: Room, entry: HistoryEntry, to: string): XmlElement {
  const message = cloneElement(entry.stanza);
  message.attrs.to = to;
  message.append(xml('delay', { xmlns: NS_DELAY, from: room.jid, stamp: new Date(entry.at).toISOString() }));
  return message;
}
