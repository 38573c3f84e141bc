// The rooms live in this instance. A persistent room is loaded from MucRoomStore on the first
// stanza that names it (never all at start) and dropped from memory once its last occupant has
// left; a temporary room is destroyed then (XEP-0045 §10.1.2 "temporary"). So an idle room costs
// no memory, and a room's live state sits in the one instance the router's hash sends it to.
import type { MucServiceConfig } from './muc-context.js';
import { newRoom, recordOf, roomFromRecord, type Room } from './room.js';
import { restoreHistory } from './room-archive.js';
import { refuse } from './xml.js';

export class RoomRegistry {
  private readonly live = new Map<string, Room>();
  /** Rooms that have a record in storage (loaded from it or saved to it). */
  private readonly stored = new WeakSet<Room>();

  constructor(private readonly service: MucServiceConfig) {}

  get size(): number {
    return this.live.size;
  }

  /** The live room, or the stored one loaded now, or undefined. */
  async find(jid: string): Promise<Room | undefined> {
    const live = this.live.get(jid);
    if (live) return live;
    const record = await this.service.rooms?.get(jid);
    if (!record) return undefined;
    const again = this.live.get(jid); // loaded meanwhile (not in the room's own lane)
    if (again) return again;
    const room = roomFromRecord(record, this.service.defaults);
    // Its discussion history comes back from the room's archive (room-archive.ts), when there is one.
    const archive = this.service.archive;
    if (archive) await restoreHistory(archive, room, this.service.maxHistoryChars).catch((err: unknown) => this.service.log.warn({ err, room: jid }, 'muc: history not restored'));
    this.stored.add(room);
    this.live.set(jid, room);
    return room;
  }

  /** §10.1.1: a new, locked room owned by `owner`. */
  create(jid: string, owner: string): Room {
    if (this.service.mayCreateRoom ? !this.service.mayCreateRoom(owner) : owner.split('@')[1] !== this.service.serverDomain) {
      refuse('cancel', 'not-allowed', 'You may not create rooms on this service');
    }
    if (this.live.size >= this.service.maxLiveRooms) refuse('wait', 'resource-constraint', 'Too many rooms are active');
    const room = newRoom(jid, owner, this.service.defaults, this.service.now());
    this.live.set(jid, room);
    return room;
  }

  /** Stores a persistent room; removes the record of a room that is no longer persistent. */
  async save(room: Room): Promise<void> {
    const store = this.service.rooms;
    if (!store) return;
    if (room.config.persistent) {
      await store.put(recordOf(room));
      this.stored.add(room);
    } else if (this.stored.has(room)) {
      await store.delete(room.jid);
      this.stored.delete(room);
    }
  }

  /** The room is destroyed. */
  async forget(room: Room): Promise<void> {
    if (this.live.get(room.jid) === room) this.live.delete(room.jid);
    if (this.stored.has(room)) {
      this.stored.delete(room);
      await this.service.rooms?.delete(room.jid);
      await this.service.archive?.store.clear(room.jid);
    }
  }

  /** After each stanza: an empty room leaves memory (and, unless persistent, exists no more). */
  async release(room: Room): Promise<void> {
    if (room.occupants.size > 0 || this.live.get(room.jid) !== room) return;
    if (room.config.persistent && !room.locked) this.live.delete(room.jid);
    else await this.forget(room);
  }

  /** Every live room (for the shutdown notice). */
  liveRooms(): Room[] {
    return [...this.live.values()];
  }

  /** §6.3: public rooms, live ones first, then stored ones (at most `limit` in all). */
  async publicRooms(limit: number): Promise<Array<{ jid: string; name: string }>> {
    const found = new Map<string, string>();
    for (const room of this.live.values()) {
      if (found.size >= limit) break;
      if (room.config.public && !room.locked) found.set(room.jid, room.config.name);
    }
    const store = this.service.rooms;
    if (store && found.size < limit) {
      for (const jid of await store.list({ limit })) {
        if (found.size >= limit) break;
        if (found.has(jid) || this.live.has(jid)) continue;
        const record = await store.get(jid);
        if (record?.config.public) found.set(jid, record.config.name);
      }
    }
    return [...found].map(([jid, name]) => ({ jid, name }));
  }
}
