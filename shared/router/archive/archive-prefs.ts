// Archiving preferences (XEP-0313 §6 / XEP-0441): whether a message between a user and a peer goes
// into the user's archive. Preferences are cached (bounded), so routing decides without I/O when
// it can; the 'roster' default and cache misses are settled by the write queue.
import type { ArchivePrefs, ArchiveStore, RosterStore } from '../../storage/types.js';
import { bareOf } from '../../storage/archive-filter.js';

export const SERVER_DEFAULT_PREFS: Readonly<ArchivePrefs> = Object.freeze({ default: 'always', always: [], never: [] });

/** XEP-0441 §4: a listed JID matches bare-to-bare, or exactly when the list holds a full JID. */
const listed = (list: readonly string[], peer: string) => {
  if (list.length === 0) return false; // the usual case, on every archived message: no closure, no bare JID
  const bare = bareOf(peer);
  for (const jid of list) if (jid === peer || jid === bare) return true;
  return false;
};

/** 'roster' when only the user's roster can tell. */
export function prefsVerdict(prefs: ArchivePrefs, peer: string): boolean | 'roster' {
  if (listed(prefs.never, peer)) return false; // XEP-0441: never wins over always
  if (listed(prefs.always, peer)) return true;
  if (prefs.default === 'roster') return 'roster';
  return prefs.default === 'always';
}

export class ArchivePrefsCache {
  private readonly cache = new Map<string, ArchivePrefs>();
  /** Reads in flight, one per user (at most the writer's checks running at once). */
  private readonly loading = new Map<string, Promise<ArchivePrefs>>();

  constructor(private readonly store: ArchiveStore, private readonly rosters: RosterStore | undefined, private readonly maxUsers = 50_000) {}

  /** Cached verdict, or 'unknown' when storage must be asked. */
  verdict(owner: string, peer: string): boolean | 'unknown' {
    const prefs = this.cache.get(owner);
    if (!prefs) return 'unknown';
    const v = prefsVerdict(prefs, peer);
    return v === 'roster' ? 'unknown' : v;
  }

  /** The verdict with storage: the user's stored preferences and, for 'roster', their roster. */
  async settle(owner: string, peer: string): Promise<boolean> {
    const v = prefsVerdict(await this.get(owner), peer);
    if (v !== 'roster') return v;
    if (!this.rosters) return true;
    const roster = await this.rosters.get(owner);
    return roster.items.some((item) => item.jid === bareOf(peer));
  }

  async get(owner: string): Promise<ArchivePrefs> {
    const hit = this.cache.get(owner);
    if (hit) return hit;
    // One storage read per user however many entries of a batch ask at once.
    let loading = this.loading.get(owner);
    if (!loading) {
      loading = this.load(owner);
      this.loading.set(owner, loading);
    }
    return loading;
  }

  private async load(owner: string): Promise<ArchivePrefs> {
    try {
      const prefs = (await this.store.getPrefs(owner)) ?? SERVER_DEFAULT_PREFS;
      this.remember(owner, prefs);
      return prefs;
    } finally {
      this.loading.delete(owner);
    }
  }

  async set(owner: string, prefs: ArchivePrefs): Promise<void> {
    await this.store.setPrefs(owner, prefs);
    this.remember(owner, prefs);
  }

  private remember(owner: string, prefs: ArchivePrefs): void {
    this.cache.delete(owner);
    if (this.cache.size >= this.maxUsers) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(owner, prefs);
  }
}
