// A user's push registrations (XEP-0357 §5, §6): which app servers, on which node, with which
// publish options. One account-data document per user ('push', JSON), read with one point lookup
// and changed one user at a time, so enable/disable from two devices cannot lose an update.
import type { AccountDataStore } from '../../../storage/types.js';

/** The account-data key of a user's registrations. */
export const PUSH_KEY = 'push';

export interface PushRegistration {
  /** The app server (XMPP Push Service). */
  jid: string;
  node: string;
  /** The publish-options form (serialised submit form), sent with every notification. */
  publishOptions?: string;
  /** When it was (last) enabled, ms since the epoch: the oldest goes first when the account is full. */
  enabledAt: number;
}

/** Identifies a registration of a user: the JID and node combination (XEP-0357 §5). */
export function registrationKey(owner: string, jid: string, node: string): string {
  return `${owner}\n${jid}\n${node}`;
}

export class PushRegistrationStore {
  /** Changes in progress, by user: the next one waits for the previous one. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly store: AccountDataStore, private readonly maxPerAccount: number) {}

  async list(owner: string): Promise<PushRegistration[]> {
    const json = await this.store.get(owner, PUSH_KEY);
    if (!json) return [];
    const items: unknown = JSON.parse(json);
    return Array.isArray(items) ? items.filter(isRegistration) : [];
  }

  /**
   * Adds the registration, or replaces the one with the same JID and node (the last publish
   * options win, §5). Beyond the per-account bound the oldest registrations are dropped; they
   * are returned.
   */
  enable(owner: string, registration: PushRegistration): Promise<PushRegistration[]> {
    return this.change(owner, (list) => {
      const kept = list.filter((r) => r.jid !== registration.jid || r.node !== registration.node);
      kept.push(registration);
      kept.sort((a, b) => a.enabledAt - b.enabledAt);
      const dropped = kept.splice(0, Math.max(0, kept.length - this.maxPerAccount));
      return { list: kept, result: dropped };
    });
  }

  /** §6: one JID and node combination, or every node of the JID; resolves to what was removed. */
  disable(owner: string, jid: string, node?: string): Promise<PushRegistration[]> {
    return this.change(owner, (list) => {
      const removed = list.filter((r) => r.jid === jid && (node === undefined || r.node === node));
      return { list: list.filter((r) => !removed.includes(r)), result: removed };
    });
  }

  private change<T>(owner: string, edit: (list: PushRegistration[]) => { list: PushRegistration[]; result: T }): Promise<T> {
    const previous = this.queues.get(owner) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const before = await this.list(owner);
      const { list, result } = edit(before);
      if (list.length === 0) {
        if (before.length > 0) await this.store.delete(owner, PUSH_KEY);
      } else {
        await this.store.put(owner, PUSH_KEY, JSON.stringify(list));
      }
      return result;
    });
    this.queues.set(owner, next);
    void next.catch(() => undefined).then(() => {
      if (this.queues.get(owner) === next) this.queues.delete(owner);
    });
    return next;
  }
}

function isRegistration(value: unknown): value is PushRegistration {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.jid === 'string' && typeof r.node === 'string' && typeof r.enabledAt === 'number' && (r.publishOptions === undefined || typeof r.publishOptions === 'string');
}
