// What every room handler gets: the service configuration, the room, and the ways out (send,
// save, forget). Handlers refuse a stanza by throwing StanzaError (xml.ts); the stanza router
// turns it into the error reply (one error boundary).
import type { Logger } from 'pino';
import type { MucRoomStore } from '../../shared/storage/types.js';
import type { FloodLimits } from './flood-control.js';
import type { PerUserLimit, UserRateLimits } from '../../shared/abuse/user-rate-limit.js';
import type { RoomArchive } from './room-archive.js';
import type { Room, RoomConfig } from './room.js';
import type { XmlElement } from './xml.js';

export interface MucServiceConfig {
  /** The component's domain, e.g. 'conference.localhost'. */
  domain: string;
  /** The server's domain, e.g. 'localhost'. */
  serverDomain: string;
  /** Where persistent rooms live; without it no room can be made persistent. */
  rooms?: MucRoomStore;
  /** Configuration of a new room (merged over DEFAULT_ROOM_CONFIG). */
  defaults: RoomConfig;
  /** Highest muc#roomconfig_maxusers an owner may set. */
  maxUsersLimit: number;
  /** Highest history length an owner may set (messages kept per room). */
  maxHistoryLength: number;
  /** Most characters of history kept per room, whatever its history length. */
  maxHistoryChars: number;
  /** Per-user message rate in a room (flood-control.ts). */
  flood: FloodLimits;
  /** Rooms one user may enter per minute over the service (join-limit.ts). */
  joinLimits: UserRateLimits;
  /** Counts the joins instead of a bucket in this instance's memory (a fleet: in Redis, docs/abuse.md). */
  joinLimiter?: PerUserLimit;
  /** Most rooms live in this instance at once; creating one more is refused resource-constraint. */
  maxLiveRooms: number;
  /** Key of the XEP-0421 occupant ids (stable across instances that share it). */
  occupantIdKey: string;
  /** Archive of persistent rooms' messages (room-archive.ts); none: no MAM for rooms. */
  archive?: RoomArchive;
  /**
   * The server delivers XEP-0033 multicast from components (Pampero's router does): a groupchat
   * message then leaves as one stanza with the occupants' addresses instead of one per occupant.
   * Off for servers without it (Prosody, ejabberd without mod_multicast).
   */
  multicast: boolean;
  /** Who may create rooms: undefined = any user of serverDomain. */
  mayCreateRoom?: (bareJid: string) => boolean;
  log: Logger;
  now: () => number;
}

export interface RoomContext {
  service: MucServiceConfig;
  room: Room;
  send(stanza: XmlElement): void;
  /** Stores the room when persistent (removes it from storage when it just stopped being). */
  save(): Promise<void>;
  /** The room is gone: removed from memory and storage. */
  forget(): Promise<void>;
}
