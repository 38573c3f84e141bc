// XEP-0388 Extensible SASL Profile (urn:xmpp:sasl:2) for one stream: the same mechanisms as
// RFC 6120 SASL (sasl-negotiation.ts does the work), plus the FAST mechanism (fast-tokens.ts),
// with what the client asks inline in <authenticate/> parsed once: its <user-agent id/>, Bind 2
// (bind2.ts), XEP-0198 <resume/>, a FAST token. No stream restart follows <success/> (§2.6.1);
// sasl2-success.ts completes the login (resume or bind, token, <success/>, stream features).
import { Element, escapeXMLText, parse } from 'ltx';
import { parseJid } from '../shared/jid.js';
import type { Sasl2Config } from '../shared/config/types.js';
import { createFastTokenStore } from '../shared/storage/fast-token-store.js';
import type { AccountDataStore, AccountStore } from '../shared/storage/types.js';
import { NS } from '../shared/xml/namespaces.js';
import { bind2Feature, parseBind2, type Bind2Request } from './bind2.js';
import { FastTokens, fastFeature, htHash, isFastMechanism, parseFastRequest, parseHtResponse, tokenElement, type FastRequest, type UsedToken } from './fast-tokens.js';
import { countLogin } from './gateway-metrics.js';
import { decodeSaslData, SaslNegotiation, type Mechanism, type SaslFailure, type SaslStep } from './sasl-negotiation.js';

export const NS_SASL2 = NS.sasl2;

/** The client's <user-agent id/> is kept only this long (it keys FAST tokens and stable resources). */
const MAX_CLIENT_ID_CHARS = 256;

/** What a gateway needs for SASL2 (ClientSessionOptions.sasl2; absent: SASL2 is not offered). */
export interface Sasl2Settings {
  fast: FastTokens;
}

export function sasl2Settings(config: Sasl2Config, accountData: AccountDataStore): Sasl2Settings {
  return { fast: new FastTokens(createFastTokenStore(accountData, config.maxFastClients), config.fastTokenDays * 86_400_000) };
}

/** What the client asked for in <authenticate/> besides authenticating. */
export interface Sasl2Request {
  /** §2.3 <user-agent id/>: names the client across connections. */
  clientId?: string;
  bind?: Bind2Request;
  /** XEP-0198 <resume/>, tried before binding (XEP-0386 §3.2 note). */
  resume?: Element;
  fast: FastRequest;
}

/** The <authentication/> stream feature (§2.1) with its inline features. */
export function sasl2Feature(mechanisms: readonly Mechanism[], opts: { fast: boolean; streamManagement: boolean }): Element {
  const auth = new Element('authentication', { xmlns: NS_SASL2 });
  for (const m of mechanisms) auth.c('mechanism').t(m);
  const inline = auth.c('inline');
  inline.cnode(bind2Feature(opts.streamManagement));
  if (opts.fast) inline.cnode(fastFeature());
  if (opts.streamManagement) inline.c('sm', { xmlns: NS.sm });
  return auth;
}

/** A failure of RFC 6120 §6.5 (as sasl-negotiation.ts or abuse control wrote it) in the SASL2 form (§2.6.2). */
export function sasl2FailureXml(step: SaslStep & { kind: 'failure' }): string {
  let text = step.text;
  if (text === undefined) {
    try {
      text = parse(step.xml).getChildText('text') ?? undefined;
    } catch {
      text = undefined;
    }
  }
  const failure = new Element('failure', { xmlns: NS_SASL2 });
  failure.c(step.condition, { xmlns: NS.sasl });
  if (text) failure.c('text').t(text);
  return failure.toString();
}

/** §2.6.1: additional data, the authorization identifier, then what the inline features answer. */
export function sasl2SuccessXml(jid: string, additionalData: Buffer | undefined, inline: ReadonlyArray<Element | string>): string {
  const data = additionalData && additionalData.length > 0 ? `<additional-data>${additionalData.toString('base64')}</additional-data>` : '';
  return `<success xmlns='${NS_SASL2}'>${data}<authorization-identifier>${escapeXMLText(jid)}</authorization-identifier>${inline.map(String).join('')}</success>`;
}

function failure(condition: SaslFailure, text?: string): SaslStep & { kind: 'failure' } {
  const el = new Element('failure', { xmlns: NS.sasl });
  el.c(condition);
  if (text) el.c('text').t(text);
  return { kind: 'failure', xml: el.toString(), condition, text };
}

/**
 * One SASL2 exchange: `start` for <authenticate/>, `respond` for <response/>. Steps are
 * SaslStep (the legacy XML inside, for abuse control's checks); `challengeXml`/`sasl2FailureXml`
 * give the SASL2 form.
 */
export class Sasl2Negotiation {
  readonly request: Sasl2Request;
  /** The FAST token the login used, if it used one. */
  usedToken: UsedToken | undefined;
  private readonly password: SaslNegotiation;
  private fastUsername: string | undefined;

  constructor(
    authenticate: Element,
    private readonly domain: string,
    private readonly accounts: AccountStore,
    private readonly offered: Mechanism[],
    /** The FAST tokens, when FAST is offered on this stream. */
    private readonly fast: FastTokens | undefined,
  ) {
    const clientId = authenticate.getChild('user-agent')?.attrs.id?.slice(0, MAX_CLIENT_ID_CHARS);
    this.request = {
      clientId: clientId || undefined,
      bind: parseBind2(authenticate),
      resume: authenticate.getChild('resume', NS.sm),
      fast: parseFastRequest(authenticate),
    };
    this.password = new SaslNegotiation(domain, accounts, offered);
  }

  get attemptedUsername(): string | undefined {
    return this.fastUsername ?? this.password.attemptedUsername;
  }

  async start(authenticate: Element): Promise<SaslStep> {
    const mechanism = authenticate.attrs.mechanism;
    const initial = authenticate.getChild('initial-response');
    // §2.2: no <initial-response/> means no data; an empty one means empty data.
    const data = initial ? (decodeSaslData(initial.getText()) ?? 'bad-encoding') : Buffer.alloc(0);
    if (isFastMechanism(mechanism)) return this.fastLogin(mechanism, data);
    return this.password.startWith(mechanism, data);
  }

  async respond(response: Element): Promise<SaslStep> {
    return this.password.respondWith(decodeSaslData(response.getText()) ?? 'bad-encoding');
  }

  abort(): SaslStep {
    return this.password.abort();
  }

  /** draft-schmaus-kitten-sasl-ht: one message each way; wrong, expired or unknown tokens are not-authorized. */
  private async fastLogin(mechanism: string, data: Buffer | 'bad-encoding'): Promise<SaslStep> {
    // Storage slow, busy or down: RFC 6120 §6.5.11 temporary-auth-failure, as for passwords.
    const step = await this.checkToken(mechanism, data).catch((): SaslStep => failure('temporary-auth-failure'));
    if (step.kind === 'success') countLogin(mechanism);
    else if (step.kind === 'failure') countLogin(mechanism, step.condition);
    return step;
  }

  private async checkToken(mechanism: string, data: Buffer | 'bad-encoding'): Promise<SaslStep> {
    if (!this.fast) return failure('invalid-mechanism');
    if (data === 'bad-encoding') return failure('incorrect-encoding');
    const parsed = parseHtResponse(data);
    if (!parsed) return failure('malformed-request');
    const jid = parseJid(`${parsed.authcid}@${this.domain}`);
    if (!jid?.local || jid.resource) return failure('not-authorized');
    this.fastUsername = jid.local;
    // XEP-0484 §6.1: tokens are per client, so FAST needs the client's id.
    if (!this.request.clientId) return failure('not-authorized', 'FAST needs a <user-agent id/>');
    // The account is read too: tokens of an account deleted meanwhile are worth nothing.
    const [used, account] = await Promise.all([this.fast.verify(jid.bare, this.request.clientId, mechanism, parsed.hash, this.request.fast.count), this.accounts.get(jid.bare)]);
    if (!used || !account) return failure('not-authorized', 'Unknown or expired token');
    this.usedToken = used;
    const responder = htHash(used.token.token, 'Responder');
    return { kind: 'success', xml: '', username: jid.local, data: responder };
  }

  /** After success: the token to hand out (requested, or a rotation), with the store updated (XEP-0484 §4.2–§4.5). */
  async settleTokens(bareJid: string): Promise<Element[]> {
    const { clientId, fast } = this.request;
    if (!this.fast || !clientId) return [];
    if (!this.usedToken && !fast.requestToken) return [];
    const token = await this.fast.settle(bareJid, clientId, fast, this.usedToken);
    return token ? [tokenElement(token)] : [];
  }
}

export function sasl2ChallengeXml(step: SaslStep & { kind: 'challenge' }): string {
  return `<challenge xmlns='${NS_SASL2}'>${step.data?.toString('base64') ?? ''}</challenge>`;
}
