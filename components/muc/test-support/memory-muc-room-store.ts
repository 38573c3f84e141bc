// An in-memory MucRoomStore for unit tests (copies in and out, like a real store).
import type { MucRoomRecord, MucRoomStore } from '../../../shared/storage/types.js';

export class MemoryMucRoomStore implements MucRoomStore {
  readonly records = new Map<string, MucRoomRecord>();
  gets = 0;

  async get(room: string): Promise<MucRoomRecord | undefined> {
    this.gets++;
    const record = this.records.get(room);
    return record && structuredClone(record);
  }
  async put(record: MucRoomRecord): Promise<void> {
    this.records.set(record.jid, structuredClone(record));
  }
  async delete(room: string): Promise<boolean> {
    return this.records.delete(room);
  }
  async list(opts: { after?: string; limit?: number } = {}): Promise<string[]> {
    return [...this.records.keys()].sort().filter((k) => opts.after === undefined || k > opts.after).slice(0, opts.limit ?? 1000);
  }
}
