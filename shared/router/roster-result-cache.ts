// The last full roster the roster component returned for each user with a session here, so a
// repeated roster get (every login, every reconnect) is answered without the component hop.
//
// Correctness rests on one fact of docs/roster-delegation.md: every change to a user's roster is
// announced by a roster push that the roster component sends through the router of each of the
// user's sessions. The entry is dropped on any push for that user, on any roster set the user
// sends, and when the user's last session here ends; so it is never older than what the
// component would answer (XEP-0237 versions included).
//
// Kept as text, and answered as that text (RawXml, never parsed): an ltx tree costs about four
// times the bytes of its XML (≈ 150 bytes per element and as many per attribute set), and every
// online user has an entry (docs/benchmarks.md, fifth session); parsing it on each hit only to
// serialise it again was a third of a cached get's CPU (eighth session).
import type { Element } from 'ltx';
import { RawXml } from '../xml/raw-xml.js';

interface CachedRoster {
  ver: string;
  xml: string;
}

export class RosterResultCache {
  private readonly entries = new Map<string, CachedRoster>();

  constructor(private readonly maxEntries: number) {}

  /** Keeps a full roster result's <query/> (with `ver`); partial or empty results are not kept. */
  remember(bare: string, query: Element | undefined): void {
    if (!query || query.attrs.ver === undefined) return;
    this.entries.delete(bare);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // Copied into one flat string: toString() builds it by concatenation, a chain of pieces that costs more than the text.
    this.entries.set(bare, { ver: String(query.attrs.ver), xml: Buffer.from(query.toString()).toString() });
  }

  /**
   * The answer's payload for a get with this `ver`: the cached roster (its text as a RawXml, the
   * caller's to keep: written to the client as it is, no children to look into), nothing (an
   * empty result, XEP-0237 §5.2, when the client is current), or
   * undefined on a miss.
   */
  answer(bare: string, requestedVer: string | undefined): { payload: Element | null } | undefined {
    const cached = this.entries.get(bare);
    if (!cached) return undefined;
    return { payload: requestedVer !== undefined && requestedVer === cached.ver ? null : RawXml.of(cached.xml) };
  }

  /** Whether the user's roster is cached (no parse). */
  has(bare: string): boolean {
    return this.entries.has(bare);
  }

  forget(bare: string): void {
    this.entries.delete(bare);
  }

  get size(): number {
    return this.entries.size;
  }
}
