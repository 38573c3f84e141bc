// A room's live state (XEP-0045 §5): configuration, affiliations (stored for persistent rooms),
// occupants, history and subject. Occupants exist only while they are in the room; an empty room
// is dropped from memory (and from storage unless persistent), so an idle room costs nothing.
import type { MucRoomConfigRecord, MucRoomRecord, MucStoredAffiliation } from '../../shared/storage/types.js';
import type { HistoryEntry } from './history.js';
import type { XmlElement } from './xml.js';

/** XEP-0045 §5.2 */
export type Affiliation = MucStoredAffiliation | 'none';
/** XEP-0045 §5.1 */
export type Role = 'moderator' | 'participant' | 'visitor' | 'none';
export type RoomConfig = MucRoomConfigRecord;

export interface Occupant {
  nick: string;
  /** The full real JID of the occupant's primary session (the one others see). */
  realJid: string;
  realBare: string;
  role: Role;
  /** XEP-0421 */
  occupantId: string;
  /** The primary session's last presence (<show/>, <status/>, caps…), without MUC payloads. */
  presence: XmlElement;
  /**
   * Every session of the user under this nick (multi-session nicks), full JID → its presence;
   * the primary one included. Everything sent to the occupant goes to each session.
   */
  sessions: Map<string, XmlElement>;
}

export interface Room {
  /** Bare room JID, e.g. coven@conference.localhost */
  jid: string;
  config: RoomConfig;
  affiliations: Map<string, MucStoredAffiliation>;
  /** §7.10 registrations: bare JID → its reserved nick (registration.ts). */
  reservedNicks: Map<string, string>;
  /** Nick → occupant. */
  occupants: Map<string, Occupant>;
  /** Full real JID → nick. */
  nickOf: Map<string, string>;
  history: HistoryEntry[];
  subject?: { text: string; nick: string; at: number };
  /** XEP-0045 §10.1.1: a new room stays locked until its owner configures it. */
  locked: boolean;
  createdAt: number;
}

export const DEFAULT_ROOM_CONFIG: RoomConfig = {
  name: '',
  description: '',
  persistent: false,
  membersOnly: false,
  password: '',
  moderated: false,
  public: true,
  whois: 'moderators',
  maxUsers: 100,
  historyLength: 20,
  changeSubject: false,
  allowInvites: false,
};

export function newRoom(jid: string, owner: string, config: RoomConfig, now = Date.now()): Room {
  return {
    jid,
    config: { ...config },
    affiliations: new Map([[owner, 'owner']]),
    reservedNicks: new Map(),
    occupants: new Map(),
    nickOf: new Map(),
    history: [],
    locked: true,
    createdAt: now,
  };
}

export function roomFromRecord(record: MucRoomRecord, defaults: RoomConfig): Room {
  return {
    jid: record.jid,
    config: { ...defaults, ...record.config },
    affiliations: new Map(Object.entries(record.affiliations)),
    reservedNicks: new Map(Object.entries(record.reservedNicks ?? {})),
    occupants: new Map(),
    nickOf: new Map(),
    history: [],
    subject: record.subject,
    locked: false,
    createdAt: record.createdAt,
  };
}

export function recordOf(room: Room): MucRoomRecord {
  return {
    jid: room.jid,
    config: { ...room.config },
    affiliations: Object.fromEntries(room.affiliations),
    subject: room.subject,
    createdAt: room.createdAt,
    ...(room.reservedNicks.size ? { reservedNicks: Object.fromEntries(room.reservedNicks) } : {}),
  };
}

export function affiliationOf(room: Room, bareJid: string): Affiliation {
  return room.affiliations.get(bareJid) ?? 'none';
}

export function occupantByRealJid(room: Room, fullJid: string): Occupant | undefined {
  const nick = room.nickOf.get(fullJid);
  return nick === undefined ? undefined : room.occupants.get(nick);
}

/** XEP-0045 §5.1.2: the role an affiliation gets on entering. */
export function defaultRole(room: Room, affiliation: Affiliation): Role {
  if (affiliation === 'owner' || affiliation === 'admin') return 'moderator';
  if (affiliation === 'outcast') return 'none';
  if (room.config.moderated && affiliation === 'none') return 'visitor';
  return 'participant';
}

const AFFILIATION_RANK: Record<Affiliation, number> = { outcast: 0, none: 1, member: 2, admin: 3, owner: 4 };

export function outranks(a: Affiliation, b: Affiliation): boolean {
  return AFFILIATION_RANK[a] > AFFILIATION_RANK[b];
}

/** The full JIDs everything for `occupant` is sent to. */
export function sessionsOf(occupant: Occupant): string[] {
  return [...occupant.sessions.keys()];
}

export function occupantJid(room: Room, nick: string): string {
  return `${room.jid}/${nick}`;
}
