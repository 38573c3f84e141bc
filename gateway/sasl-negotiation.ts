// SASL for one stream (RFC 6120 §6): SCRAM-SHA-256, SCRAM-SHA-1, and PLAIN where the stream is
// encrypted (or on loopback when the config allows plain). Only SCRAM keys are stored, so PLAIN
// is checked by deriving the StoredKey from the given password (PBKDF2, off the event loop).
import { Element } from 'ltx';
import { NS } from '../shared/xml/namespaces.js';
import { parseJid } from '../shared/jid.js';
import type { AccountStore } from '../shared/storage/types.js';
import { ScramServerExchange, parsePlain, verifyPassword, verifyPasswordAsync } from '../shared/auth/scram.js';
import type { ScramKeys } from '../shared/storage/types.js';
import { countLogin } from './gateway-metrics.js';
import { loginAdmission, passwordHashing } from './login-admission.js';

export type Mechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-1' | 'PLAIN';
export type SaslFailure = 'account-disabled' | 'aborted' | 'incorrect-encoding' | 'invalid-authzid' | 'invalid-mechanism' | 'malformed-request' | 'not-authorized' | 'temporary-auth-failure' | 'encryption-required';

/** Each step as RFC 6120 XML, with its raw data for the SASL2 profile (sasl2-negotiation.ts). */
export type SaslStep =
  | { kind: 'challenge'; xml: string; data?: Buffer }
  | { kind: 'success'; xml: string; username: string; data?: Buffer }
  | { kind: 'failure'; xml: string; condition: SaslFailure; text?: string };

export function mechanismsElement(mechanisms: Mechanism[]): Element {
  const el = new Element('mechanisms', { xmlns: NS.sasl });
  for (const m of mechanisms) el.c('mechanism').t(m);
  return el;
}

function failure(condition: SaslFailure, text?: string): SaslStep {
  const el = new Element('failure', { xmlns: NS.sasl });
  el.c(condition);
  if (text) el.c('text').t(text);
  return { kind: 'failure', xml: el.toString(), condition, text };
}

export function decodeSaslData(text: string): Buffer | undefined {
  const t = text.trim();
  if (t === '' || t === '=') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

/**
 * Below this many PBKDF2 iterations the key is derived on the event loop: handing it to the
 * thread pool costs more (≈0.1 ms of wake-ups) than the work. Real deployments use ≥ 4096.
 */
const SYNC_PBKDF2_BELOW = 256;

function plainMatches(keys: ScramKeys, password: string): boolean | Promise<boolean> {
  if (keys.iterations < SYNC_PBKDF2_BELOW) return verifyPassword(keys, 'SCRAM-SHA-256', password);
  return passwordHashing.run(() => verifyPasswordAsync(keys, 'SCRAM-SHA-256', password), () => false); // never refused: bounded by the logins in progress
}

/** One SASL negotiation; `start` for <auth/>, `respond` for <response/>. */
export class SaslNegotiation {
  private exchange: ScramServerExchange | undefined;
  private mechanism: string | undefined;
  /** The account the client tried to log in as (for abuse control's failed-login counts). */
  attemptedUsername: string | undefined;

  constructor(private readonly domain: string, private readonly accounts: AccountStore, private readonly offered: Mechanism[]) {}

  async start(auth: Element): Promise<SaslStep> {
    const data = decodeSaslData(auth.getText());
    return this.startWith(auth.attrs.mechanism, data ?? 'bad-encoding');
  }

  async respond(response: Element): Promise<SaslStep> {
    const data = decodeSaslData(response.getText());
    return this.respondWith(data ?? 'bad-encoding');
  }

  /** The same with decoded data, for SASL2 (XEP-0388 §2.3 <initial-response/>). */
  async startWith(mechanism: string | undefined, data: Buffer | 'bad-encoding'): Promise<SaslStep> {
    this.mechanism = mechanism;
    // The login bulkhead (login-admission.ts): the lookup and the hashing wait for a slot, or are shed.
    const step = await loginAdmission.run(() => this.begin(mechanism, data), () => failure('temporary-auth-failure', 'The server is busy with logins; try again in a moment'));
    return this.counted(step);
  }

  async respondWith(data: Buffer | 'bad-encoding'): Promise<SaslStep> {
    return this.counted(await this.step(data));
  }

  abort(): SaslStep {
    this.exchange = undefined;
    return this.counted(failure('aborted'));
  }

  /** Logins and failures by mechanism (pampero_c2s_logins_total, pampero_c2s_login_failures_total). */
  private counted(step: SaslStep): SaslStep {
    if (step.kind === 'success') countLogin(this.mechanism);
    else if (step.kind === 'failure') countLogin(this.mechanism, step.condition);
    return step;
  }

  private async begin(name: string | undefined, data: Buffer | 'bad-encoding'): Promise<SaslStep> {
    const mechanism = name as Mechanism;
    if (!this.offered.includes(mechanism)) return failure('invalid-mechanism');
    if (data === 'bad-encoding') return failure('incorrect-encoding');
    if (mechanism === 'PLAIN') return this.plain(data);
    this.exchange = new ScramServerExchange(mechanism, async (username: string) => {
      this.attemptedUsername = username.toLowerCase();
      const account = await this.lookup(username);
      return account?.credentials[mechanism];
    }, { domain: this.domain });
    return this.scramStep(data);
  }

  private async step(data: Buffer | 'bad-encoding'): Promise<SaslStep> {
    if (!this.exchange) return failure('malformed-request', 'No authentication in progress');
    if (data === 'bad-encoding') return failure('incorrect-encoding');
    return this.scramStep(data);
  }

  private async scramStep(data: Buffer): Promise<SaslStep> {
    const exchange = this.exchange!;
    const step = await exchange.step(data);
    switch (step.kind) {
      case 'challenge':
        return { kind: 'challenge', xml: `<challenge xmlns='${NS.sasl}'>${step.data.toString('base64')}</challenge>`, data: step.data };
      case 'success':
        this.exchange = undefined;
        return { kind: 'success', xml: `<success xmlns='${NS.sasl}'>${step.data.toString('base64')}</success>`, username: exchange.username!, data: step.data };
      case 'failure':
        this.exchange = undefined;
        return failure(step.condition, step.text);
    }
  }

  // RFC 4616; the authorization identity, if any, must be the user's own JID.
  private async plain(data: Buffer): Promise<SaslStep> {
    const parsed = parsePlain(data);
    if (!parsed) return failure('malformed-request');
    this.attemptedUsername = parsed.authcid.toLowerCase();
    let account;
    try {
      account = await this.lookup(parsed.authcid);
    } catch {
      return failure('temporary-auth-failure'); // RFC 6120 §6.5.11: storage slow, busy or down (as SCRAM's lookup)
    }
    if (parsed.authzid && parseJid(parsed.authzid)?.bare !== `${parsed.authcid.toLowerCase()}@${this.domain}`) return failure('invalid-authzid');
    if (!account || !(await plainMatches(account.credentials['SCRAM-SHA-256'], parsed.password))) return failure('not-authorized');
    return { kind: 'success', xml: `<success xmlns='${NS.sasl}'/>`, username: parsed.authcid.toLowerCase() };
  }

  private async lookup(username: string) {
    const jid = parseJid(`${username}@${this.domain}`);
    return jid && jid.local ? this.accounts.get(jid.bare) : undefined;
  }
}
