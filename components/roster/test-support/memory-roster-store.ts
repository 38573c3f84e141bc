// A RosterStore in memory: the reference behaviour of the contract in shared/storage/types.ts,
// small enough for unit tests (and usable wherever persistence is not wanted).
import type { Roster, RosterStore } from '../../../shared/storage/types.js';

function emptyRoster(): Roster {
  return { version: 0, items: [], pendingIn: [] };
}

export class MemoryRosterStore implements RosterStore {
  private readonly rosters = new Map<string, Roster>();

  async get(owner: string): Promise<Roster> {
    return structuredClone(this.rosters.get(owner) ?? emptyRoster());
  }

  async update(owner: string, change: (roster: Roster) => Roster | undefined): Promise<Roster> {
    const current = this.rosters.get(owner) ?? emptyRoster();
    const next = change(structuredClone(current));
    if (!next) return structuredClone(current);
    const stored = { ...structuredClone(next), version: current.version + 1 };
    this.rosters.set(owner, stored);
    return structuredClone(stored);
  }

  async putMany(entries: Array<{ owner: string; roster: Roster }>): Promise<void> {
    for (const { owner, roster } of entries) {
      this.rosters.set(owner, { ...structuredClone(roster), version: roster.version || 1 });
    }
  }

  async delete(owner: string): Promise<void> {
    this.rosters.delete(owner);
  }
}
