// The last full roster the roster component returned for each user with a session here, so a
// repeated roster get (every login, every reconnect) is answered without the component hop.
//
// Correctness rests on one fact of docs/roster-delegation.md: every change to a user's roster is
// announced by a roster push that the roster component sends through the router of each of the
// user's sessions. The entry is dropped on any push for that user, on any roster set the user
// sends, and when the user's last session here ends; so it is never older than what the
// component would answer (XEP-0237 versions included).
import { Element } from 'ltx';

export class RosterResultCache {
  private readonly entries = new Map<string, Element>();

  constructor(private readonly maxEntries: number) {}

  /** Keeps a full roster result's <query/> (with `ver`); partial or empty results are not kept. */
  remember(bare: string, query: Element | undefined): void {
    if (!query || query.attrs.ver === undefined) return;
    this.entries.delete(bare);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(bare, query);
  }

  /**
   * The answer's payload for a get with this `ver`: the cached roster, nothing (an empty result,
   * XEP-0237 §5.2, when the client is current), or undefined on a miss.
   */
  answer(bare: string, requestedVer: string | undefined): { payload: Element | null } | undefined {
    const query = this.entries.get(bare);
    if (!query) return undefined;
    return { payload: requestedVer !== undefined && requestedVer === query.attrs.ver ? null : query };
  }

  forget(bare: string): void {
    this.entries.delete(bare);
  }

  get size(): number {
    return this.entries.size;
  }
}
