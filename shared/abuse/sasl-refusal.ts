// How a refused login is told (RFC 6120 §6.5): a client over its login budget, or an address or
// account locked out after failed logins, gets <temporary-auth-failure/> with a text saying when
// to try again — the password may well be right, it was not checked.
import { NS } from '../xml/namespaces.js';
import type { AbuseGuard, Refusal } from './abuse-guard.js';

export function saslRefusalXml(refusal: Refusal): string {
  const why = refusal.rule === 'ip-ban' ? 'Your address is banned' : refusal.rule === 'logins-per-ip' ? 'Too many logins from your address' : 'Too many failed logins';
  return `<failure xmlns='${NS.sasl}'><temporary-auth-failure/><text xml:lang='en'>${why}; try again in ${refusal.retryAfterSeconds} s</text></failure>`;
}

/** The text of a refused connection's stream error (policy-violation, RFC 6120 §4.9.3.14). */
export function connectionRefusalText(refusal: Refusal): string {
  if (refusal.rule === 'ip-ban') return `Your address is banned for ${refusal.retryAfterSeconds} s more`;
  return `Too many connections (${refusal.rule}); try again in ${refusal.retryAfterSeconds} s`;
}

/**
 * After a SASL exchange ended: a locked-out account is refused whether the password was right or
 * wrong (so a lockout does not tell an attacker which guess was right); otherwise a failure counts
 * against the address and the account. Resolves to the failure to send instead, if any.
 */
export async function refusedLoginOutcome(guard: AbuseGuard, failed: boolean, address: string | undefined, account: string | undefined): Promise<string | undefined> {
  const locked = account ? await guard.accountLocked(account) : undefined;
  if (locked) return saslRefusalXml(locked);
  if (failed) await guard.loginFailed(address, account);
  return undefined;
}
