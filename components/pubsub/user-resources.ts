// The available resources of each local user and a value per resource (PEP: its caps key), as
// a two-level map that does not pay for a Map per user: nearly every user has one resource, kept
// as one small object; a second resource turns it into a Map. At 10,000 online users this is
// ≈ 150 bytes less per user (docs/benchmarks.md, fifth session).

class OneResource<V> {
  constructor(readonly full: string, public value: V) {}
}

export class UserResources<V> {
  private readonly byBare = new Map<string, OneResource<V> | Map<string, V>>();

  has(bare: string, full: string): boolean {
    const entry = this.byBare.get(bare);
    return entry instanceof Map ? entry.has(full) : entry?.full === full;
  }

  get(bare: string, full: string): V | undefined {
    const entry = this.byBare.get(bare);
    if (entry instanceof Map) return entry.get(full);
    return entry?.full === full ? entry.value : undefined;
  }

  set(bare: string, full: string, value: V): void {
    const entry = this.byBare.get(bare);
    if (entry === undefined) this.byBare.set(bare, new OneResource(full, value));
    else if (entry instanceof Map) entry.set(full, value);
    else if (entry.full === full) entry.value = value;
    else this.byBare.set(bare, new Map([[entry.full, entry.value], [full, value]]));
  }

  /** Removes the resource; false when it was not there. */
  delete(bare: string, full: string): boolean {
    const entry = this.byBare.get(bare);
    if (entry instanceof Map) {
      if (!entry.delete(full)) return false;
      if (entry.size === 0) this.byBare.delete(bare);
      return true;
    }
    if (entry?.full !== full) return false;
    this.byBare.delete(bare);
    return true;
  }

  /** The user's resources (full JIDs). */
  resourcesOf(bare: string): string[] {
    const entry = this.byBare.get(bare);
    if (entry instanceof Map) return [...entry.keys()];
    return entry ? [entry.full] : [];
  }
}
