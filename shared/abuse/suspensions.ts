// Suspended accounts (admin action, docs/abuse.md): a flag in the account's data, checked at every
// login (RFC 6120 §6.5.1 <account-disabled/>). Suspending also ends the account's sessions — the
// caller does that through the router, whose directory spans the fleet.
import type { AccountDataStore } from '../storage/types.js';
import { NS } from '../xml/namespaces.js';

const KEY = 'pampero:suspended';

export interface Suspension {
  at: string;
  reason: string;
}

export async function suspensionOf(data: AccountDataStore, bareJid: string): Promise<Suspension | undefined> {
  const text = await data.get(bareJid, KEY);
  return text ? (JSON.parse(text) as Suspension) : undefined;
}

export async function suspend(data: AccountDataStore, bareJid: string, reason: string): Promise<Suspension> {
  const suspension = { at: new Date().toISOString(), reason };
  await data.put(bareJid, KEY, JSON.stringify(suspension));
  return suspension;
}

/** Resolves false when the account was not suspended. */
export async function unsuspend(data: AccountDataStore, bareJid: string): Promise<boolean> {
  if (!(await data.get(bareJid, KEY))) return false;
  await data.delete(bareJid, KEY);
  return true;
}

/** The SASL failure of a suspended account's login. */
export function accountDisabledXml(suspension: Suspension): string {
  const text = `Account suspended${suspension.reason ? `: ${suspension.reason}` : ''}`.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
  return `<failure xmlns='${NS.sasl}'><account-disabled/><text xml:lang='en'>${text}</text></failure>`;
}
