// The live XEP-0114 links, by component domain. A domain may have several links (instances of
// one component); stanzas for one room, node or user always go to the same live instance
// (rendezvous hashing on the bare `to`), and a dead instance's share moves to the others.
import { createHash } from 'node:crypto';
import type { Element } from 'ltx';

export type SendOutcome = 'queued' | 'full' | 'closed';

export interface ComponentLink {
  readonly id: string;
  readonly domain: string;
  /** Queues a stanza for the component; 'full' when its bounded queue is full. */
  send(stanza: Element): SendOutcome;
  /** Closes the link with a stream error (e.g. when an admin removes or re-keys the component). */
  close(condition: 'not-authorized' | 'system-shutdown' | 'conflict', text?: string): void;
}

function weight(linkId: string, key: string): number {
  return createHash('sha1').update(linkId).update('\0').update(key).digest().readUInt32BE(0);
}

const NO_LINKS: readonly ComponentLink[] = Object.freeze([]);

export class ComponentRegistry {
  private readonly links = new Map<string, ComponentLink[]>();
  private readonly listeners = new Set<(domain: string, up: boolean) => void>();
  private readonly linkListeners = new Set<(link: ComponentLink, up: boolean) => void>();

  attach(link: ComponentLink): void {
    this.links.set(link.domain, [...(this.links.get(link.domain) ?? []), link]); // a new list: linksOf's callers may be iterating the old one
    for (const l of this.linkListeners) l(link, true);
    for (const l of this.listeners) l(link.domain, true);
  }

  detach(link: ComponentLink): void {
    const list = this.links.get(link.domain);
    if (!list) return;
    const rest = list.filter((l) => l !== link);
    if (rest.length) this.links.set(link.domain, rest);
    else this.links.delete(link.domain);
    if (rest.length !== list.length) for (const l of this.linkListeners) l(link, false);
    for (const l of this.listeners) l(link.domain, rest.length > 0);
  }

  /** Called for every link attached or detached (a fleet tells the other nodes). */
  onLink(listener: (link: ComponentLink, up: boolean) => void): void {
    this.linkListeners.add(listener);
  }

  /** Called when a domain gains its first or loses its last link. */
  onChange(listener: (domain: string, up: boolean) => void): void {
    this.listeners.add(listener);
  }

  isConnected(domain: string): boolean {
    return this.links.has(domain);
  }

  domains(): string[] {
    return [...this.links.keys()].sort();
  }

  allLinks(): ComponentLink[] {
    return [...this.links.values()].flat();
  }

  /** The live links of one domain (empty when none), without copying: for per-stanza paths. */
  linksOf(domain: string): readonly ComponentLink[] {
    return this.links.get(domain) ?? NO_LINKS;
  }

  /** The link that serves `key` (usually the bare `to` JID), or undefined when none is connected. */
  pick(domain: string, key: string): ComponentLink | undefined {
    const list = this.links.get(domain);
    if (!list) return undefined;
    if (list.length === 1) return list[0];
    let best = list[0]!;
    let bestWeight = -1;
    for (const link of list) {
      const w = weight(link.id, key);
      if (w > bestWeight) {
        best = link;
        bestWeight = w;
      }
    }
    return best;
  }
}
