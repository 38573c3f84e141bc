// The end of a successful SASL2 login (XEP-0388 §2.6.1), in the order the XEPs set: XEP-0198
// resumption first (XEP-0386 §3.2 note: a resumed session skips binding), else Bind 2 with its
// inline features, then the FAST token (XEP-0484 §4.2), then <success/> and the stream features
// of the authenticated stream — no stream restart. Everything slow (storage) happens before the
// session is resumed or bound, so nothing can reach the client ahead of its <success/>.
import type { Element } from 'ltx';
import { makeJid, type Jid } from '../shared/jid.js';
import type { AccountStore } from '../shared/storage/types.js';
import { bind2Resource, NS_BIND2, type Bind2Request } from './bind2.js';
import type { SaslStep } from './sasl-negotiation.js';
import { sasl2SuccessXml, type Sasl2Negotiation } from './sasl2-negotiation.js';
import { smXml } from './stream-management.js';

/** What the session lends the completion (ClientSession builds it from its private parts). */
export interface Sasl2SessionHooks {
  domain: string;
  accounts: AccountStore;
  streamManagement: boolean;
  send(xml: string): void;
  isClosed(): boolean;
  /** The stream is authenticated as `username` (not bound yet). */
  authenticated(username: string): void;
  /**
   * XEP-0198 §5 inline: true when a hibernated session was resumed on this stream; `success`
   * builds what is sent. May answer later (a session parked in a fleet's Redis).
   */
  resume(el: Element, success: (resumed: string, jid: string) => string): boolean | Promise<boolean>;
  /** Binds the session to `jid` (RFC 6120 §7 effects: router, metrics, timers). */
  bind(jid: Jid): void;
  /** XEP-0198 §3 <enable/>: the <enabled/> or <failed/> to put in <bound/>. */
  enableSm(el: Element): string;
  /** XEP-0280: carbons on. */
  enableCarbons(): void;
  /** XEP-0352 <active/> or <inactive/> for the bound session. */
  clientState(el: Element): void;
  /** Stream features now (`resumed`: those of a resumed session). */
  features(resumed?: boolean): string;
  /** XEP-0313 <metadata/> of the user's archive, for <bound/> (XEP-0386 §3.2); absent: no archive. */
  archiveMetadata?(bareJid: string): Promise<Element>;
}

export async function completeSasl2(sasl2: Sasl2Negotiation, step: SaslStep & { kind: 'success' }, hooks: Sasl2SessionHooks): Promise<void> {
  const { request } = sasl2;
  const account = makeJid(step.username, hooks.domain);
  const [inline, secret, metadata] = await Promise.all([
    sasl2.settleTokens(account.bare),
    request.bind && request.clientId ? hooks.accounts.get(account.bare).then((a) => a?.credentials['SCRAM-SHA-256'].serverKey) : undefined,
    request.bind && hooks.archiveMetadata ? hooks.archiveMetadata(account.bare).catch(() => undefined) : undefined,
  ]);
  if (hooks.isClosed()) return;
  hooks.authenticated(step.username);
  const success = (jid: string, answers: Array<Element | string>) => sasl2SuccessXml(jid, step.data, [...answers, ...inline]);
  const answers: string[] = [];
  if (request.resume) {
    const resumed = hooks.streamManagement && hooks.resume(request.resume, (resumed, jid) => success(jid, [resumed]) + hooks.features(true));
    if (resumed === true || (resumed !== false && (await resumed))) return; // awaited only when it is a promise
    if (hooks.isClosed()) return;
    answers.push(smXml.failed(hooks.streamManagement ? 'item-not-found' : 'feature-not-implemented'));
  }
  if (!request.bind) {
    hooks.send(success(account.bare, answers));
    return hooks.send(hooks.features());
  }
  const jid = makeJid(account.local, account.domain, bind2Resource(request.bind.tag, request.clientId, secret));
  hooks.bind(jid);
  hooks.send(success(jid.full, [...answers, boundXml(request.bind, hooks, metadata)]));
  hooks.send(hooks.features());
  if (request.bind.csi) hooks.clientState(request.bind.csi);
}

/** XEP-0386 §3.2 <bound/>: the answers of the inline features (carbons needs none). */
function boundXml(bind: Bind2Request, hooks: Sasl2SessionHooks, metadata: Element | undefined): string {
  if (bind.carbons) hooks.enableCarbons();
  const enabled = bind.enableSm ? hooks.enableSm(bind.enableSm) : '';
  return `<bound xmlns='${NS_BIND2}'>${metadata ?? ''}${enabled}</bound>`;
}
