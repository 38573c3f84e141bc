// A remote server's stream to us (RFC 6120 s2s, receiving side). Features: STARTTLS (required
// unless s2s.allowPlainFromLoopback lets a loopback peer skip it) and XEP-0220 dialback. A remote
// domain is accepted once its db:result key was checked with that domain's own server (db:verify
// on our outbound stream to it, s2s-outbound.ts); we also answer db:verify for keys we generated.
// Our subdomains (conference.DOMAIN, pubsub.DOMAIN, …) federate too: a remote domain is validated
// for one of our domains (the pair of XEP-0220 §4.3), and stanzas are accepted only between a
// validated pair, else the stream ends with the RFC 6120 §4.9.3 error. A remote whose TLS
// certificate is trusted and names its domain may authenticate with SASL EXTERNAL instead
// (sasl-external.ts); the pair it validates is then the stream's (from, to).
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { Element } from 'ltx';
import { parseJid, type Jid } from '../../shared/jid.js';
import { isValidDomain } from '../../shared/config/values.js';
import type { Logger } from '../../shared/log.js';
import { NS } from '../../shared/xml/namespaces.js';
import type { DialbackKeys } from './dialback-key.js';
import type { VerifyOutcome } from './s2s-outbound.js';
import { escapeAttr } from '../c2s-connection.js';
import { certificateNamesDomain, EXTERNAL_MECHANISM_FEATURE, externalAuthzid, MAX_SASL_FAILURES, SASL_SUCCESS, saslFailureXml, type SaslFailureCondition } from './sasl-external.js';
import { s2sSaslExternal } from './s2s-metrics.js';
import { dialbackElement, dialbackXml, NS_DIALBACK_FEATURE, NS_SERVER, S2sTransport, type S2sTransportEvents, type S2sTransportOptions } from './s2s-transport.js';

export interface S2sInboundOptions {
  /** The main domain: our stream header's `from` when the remote named none. */
  localDomain: string;
  keys: DialbackKeys;
  /** Our certificate and key, and the CAs trusted for the remote's certificate (s2s.caFile). */
  tls: TlsOptions;
  transport: S2sTransportOptions;
  /** A stream that has not validated a domain by then is closed (connection-timeout). */
  authTimeoutMs: number;
  logger: Logger;
  /** Our domain or a subdomain of it (RFC 6120 §4.9.3.6: anything else is host-unknown). */
  isLocalDomain(domain: string): boolean;
  /** Asks `originating`'s authoritative server whether `key` is its key for `receiving` (ours) and our stream `streamId`. */
  verifyKey(originating: string, receiving: string, streamId: string, key: string): Promise<VerifyOutcome>;
  /** A stanza past every check, for the router. */
  deliver(stanza: Element, from: Jid, to: Jid): void;
  onClosed(inbound: S2sInbound): void;
}

/** Remote domains one stream may validate (XEP-0220 §4.3 multiplexing), at most. */
const MAX_DOMAINS_PER_STREAM = 10;

export class S2sInbound implements S2sTransportEvents {
  private readonly transport: S2sTransport;
  /** `remote ours` pairs whose dialback key the remote's server confirmed: stanzas between them are accepted. */
  private readonly validated = new Set<string>();
  private readonly verifying = new Set<string>();
  /** Pairs validated by SASL EXTERNAL rather than dialback (Federation.streams()). */
  private readonly certified = new Set<string>();
  /** After TLS: the remote domain its certificate authenticates (the header's `from`), offered EXTERNAL. */
  private certifiedDomain: string | undefined;
  private saslDone = false;
  private saslFailures = 0;
  /** The domain of ours the remote opened the stream to. */
  private streamDomain: string;
  private readonly authTimer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(socket: Socket, private readonly plainAllowed: boolean, private readonly opts: S2sInboundOptions) {
    this.log = opts.logger.child({ module: 's2s-in', address: socket.remoteAddress });
    this.streamDomain = opts.localDomain;
    this.transport = new S2sTransport(socket, false, opts.transport, this);
    this.authTimer = setTimeout(() => {
      if (this.validated.size === 0) this.transport.streamError('connection-timeout', 'No domain was validated in time');
    }, opts.authTimeoutMs).unref();
  }

  /** Ends the stream (the listener closes). */
  terminate(): void {
    this.transport.streamError('system-shutdown');
  }

  /** `remote ours` pairs validated on this stream, and how. */
  get pairs(): Array<{ remote: string; local: string; by: 'dialback' | 'sasl-external' }> {
    return [...this.validated].map((pair) => {
      const [remote, local] = pair.split(' ') as [string, string];
      return { remote, local, by: this.certified.has(pair) ? 'sasl-external' : 'dialback' };
    });
  }

  private get tlsDone(): boolean {
    return this.transport.secure || this.plainAllowed;
  }

  onStreamStart(attrs: Record<string, string>): void {
    const to = attrs.to?.toLowerCase();
    const served = to === undefined || this.opts.isLocalDomain(to);
    if (to !== undefined && served) this.streamDomain = to;
    this.transport.sendHeader({ id: this.transport.newStreamId(), from: this.streamDomain, ...(attrs.from ? { to: attrs.from } : {}) });
    if (!served) return this.transport.streamError('host-unknown', `${to} is not served here`);
    if (!attrs.version || Number.parseInt(attrs.version, 10) < 1) return; // XEP-0220 §2.1: no features before XMPP 1.0
    const features: string[] = [];
    if (!this.transport.secure) features.push(`<starttls xmlns='${NS.tls}'>${this.plainAllowed ? '' : '<required/>'}</starttls>`);
    this.certifiedDomain = this.transport.secure && !this.saslDone ? this.certificateDomain(attrs.from) : undefined;
    if (this.certifiedDomain) features.push(EXTERNAL_MECHANISM_FEATURE);
    if (this.tlsDone) features.push(`<dialback xmlns='${NS_DIALBACK_FEATURE}'><errors/></dialback>`);
    this.transport.send(`<stream:features>${features.join('')}</stream:features>`);
  }

  onElement(el: Element): void {
    if (el.name === 'starttls' && el.attrs.xmlns === NS.tls) {
      if (this.transport.secure) return this.transport.streamError('policy-violation', 'TLS is already on');
      return this.transport.startServerTls(this.opts.tls);
    }
    const kind = dialbackElement(el);
    const auth = el.name === 'auth' && el.attrs.xmlns === NS.sasl;
    if (kind || auth || el.name === 'message' || el.name === 'presence' || el.name === 'iq') {
      if (!this.tlsDone) return this.transport.streamError('policy-violation', 'STARTTLS is required first');
    }
    if (auth) return this.saslAuth(el);
    if (kind === 'result') return void this.dialbackResult(el);
    if (kind === 'verify') return this.dialbackVerify(el);
    if (el.name === 'message' || el.name === 'presence' || el.name === 'iq') return this.stanza(el);
    this.transport.streamError('unsupported-stanza-type', `<${el.name.slice(0, 40)}/> is not supported here`);
  }

  onClosed(): void {
    clearTimeout(this.authTimer);
    this.opts.onClosed(this);
  }

  /**
   * XEP-0178 §3 steps 4–5: the remote's certificate chains to a CA we trust (s2s.caFile) and names
   * the domain of its stream header (a domain not ours). Else undefined, and dialback it is.
   */
  private certificateDomain(rawFrom: string | undefined): string | undefined {
    const peer = this.transport.peerCertificate;
    const from = rawFrom?.toLowerCase();
    if (!peer || !from || !isValidDomain(from) || this.opts.isLocalDomain(from)) return undefined;
    if (!peer.trusted) {
      this.log.debug({ domain: from }, 'the remote certificate is not from a trusted CA: no SASL EXTERNAL');
      return undefined;
    }
    if (!certificateNamesDomain(peer.certificate, from)) {
      this.log.debug({ domain: from }, 'the remote certificate does not name its domain: no SASL EXTERNAL');
      return undefined;
    }
    return from;
  }

  /**
   * RFC 6120 §6.4 / XEP-0178 §3 steps 8–11: EXTERNAL with no authzid or the certified domain as
   * authzid succeeds, the stream restarts (§6.4.6) and the pair is validated as by dialback.
   * A failure (§6.4.5) leaves the stream open for another try or dialback, up to MAX_SASL_FAILURES.
   */
  private saslAuth(el: Element): void {
    if (this.saslDone) return this.transport.streamError('policy-violation', 'SASL is done on this stream');
    const domain = this.certifiedDomain;
    const response = externalAuthzid(el.text());
    let failure: SaslFailureCondition | undefined;
    if (el.attrs.mechanism !== 'EXTERNAL') failure = 'invalid-mechanism';
    else if (!domain) failure = 'not-authorized';
    else if (!response) failure = 'incorrect-encoding';
    else if (response.authzid !== '' && response.authzid !== domain) failure = 'invalid-authzid';
    if (failure || !domain) {
      s2sSaslExternal.inc({ direction: 'in', outcome: 'failure' });
      this.log.info({ domain, failure }, 'SASL EXTERNAL refused');
      this.transport.send(saslFailureXml(failure ?? 'not-authorized'));
      if (++this.saslFailures >= MAX_SASL_FAILURES) this.transport.streamError('policy-violation', 'Too many failed authentications');
      return;
    }
    const pair = `${domain} ${this.streamDomain}`;
    this.saslDone = true;
    this.certifiedDomain = undefined;
    this.validated.add(pair);
    this.certified.add(pair);
    s2sSaslExternal.inc({ direction: 'in', outcome: 'success' });
    this.log.debug({ domain }, 'remote domain authenticated by its certificate (SASL EXTERNAL)');
    this.transport.send(SASL_SUCCESS);
    this.transport.restartStream();
  }

  /** XEP-0220 §2.1.2: the remote claims a domain with a key; its own server must confirm it. */
  private async dialbackResult(el: Element): Promise<void> {
    const originating = (el.attrs.from ?? '').toLowerCase();
    const receiving = (el.attrs.to ?? '').toLowerCase();
    const key = el.text().trim();
    if (!this.opts.isLocalDomain(receiving)) return this.transport.streamError('host-unknown', `${receiving.slice(0, 100)} is not served here`);
    if (!isValidDomain(originating) || this.opts.isLocalDomain(originating)) return this.transport.streamError('invalid-from', 'Not a remote domain');
    if (key === '') return this.transport.streamError('bad-format', 'A dialback key is required');
    const pair = `${originating} ${receiving}`;
    if (this.validated.has(pair) || this.verifying.has(pair)) return;
    if (this.validated.size + this.verifying.size >= MAX_DOMAINS_PER_STREAM) return this.transport.streamError('policy-violation', 'Too many domains on one stream');
    this.verifying.add(pair);
    const outcome = await this.opts.verifyKey(originating, receiving, this.transport.ourStreamId, key);
    this.verifying.delete(pair);
    if (this.transport.isClosed) return;
    const attrs = { from: receiving, to: originating };
    if (outcome === 'valid') {
      this.validated.add(pair);
      this.log.debug({ domain: originating }, 'remote domain validated by dialback');
      return this.transport.send(dialbackXml('result', { ...attrs, type: 'valid' }));
    }
    if (outcome === 'invalid') {
      this.log.info({ domain: originating }, 'dialback key refused by the authoritative server');
      this.transport.send(dialbackXml('result', { ...attrs, type: 'invalid' }));
      if (this.validated.size === 0) this.transport.streamError('not-authorized', `The dialback key for ${originating} is not valid`);
      return;
    }
    // XEP-0220 §2.4: we could not reach the authoritative server.
    this.transport.send(`<db:result from='${escapeAttr(attrs.from)}' to='${escapeAttr(attrs.to)}' type='error'><error type='cancel'><remote-server-not-found xmlns='${NS.stanzas}'/></error></db:result>`);
    if (this.validated.size === 0) this.transport.streamError('remote-connection-failed', `Could not verify ${originating} with its server`);
  }

  /** XEP-0220 §2.3.2: a receiving server asks whether we generated a key (we are the authoritative server). */
  private dialbackVerify(el: Element): void {
    const receiving = (el.attrs.from ?? '').toLowerCase();
    const originating = (el.attrs.to ?? '').toLowerCase();
    const id = el.attrs.id ?? '';
    if (!this.opts.isLocalDomain(originating)) return this.transport.streamError('host-unknown', `${originating.slice(0, 100)} is not served here`);
    if (!isValidDomain(receiving) || id === '') return this.transport.streamError('bad-format', 'db:verify needs from, to and id');
    const valid = this.opts.keys.verify(receiving, originating, id, el.text());
    this.transport.send(dialbackXml('verify', { from: originating, to: receiving, id, type: valid ? 'valid' : 'invalid' }));
  }

  /** RFC 6120 §4.9.3 / §13.7.1.4: a stanza from a validated domain to one of ours, or the stream ends. */
  private stanza(el: Element): void {
    if (this.validated.size === 0) return this.transport.streamError('not-authorized', 'Validate a domain by dialback first');
    const { from: rawFrom, to: rawTo } = el.attrs;
    if (!rawFrom || !rawTo) return this.transport.streamError('improper-addressing', "Stanzas between servers need 'from' and 'to'");
    const from = parseJid(rawFrom);
    const to = parseJid(rawTo);
    if (!to) return this.transport.streamError('improper-addressing', "Malformed 'to'");
    if (!this.opts.isLocalDomain(to.domain)) return this.transport.streamError('host-unknown', `${to.domain} is not served here`);
    if (!from || !this.validated.has(`${from.domain} ${to.domain}`)) {
      return this.transport.streamError('invalid-from', `${rawFrom.slice(0, 100)} is not validated for ${to.domain} on this stream`);
    }
    if (el.attrs.xmlns === NS_SERVER) delete el.attrs.xmlns;
    this.transport.touch();
    this.opts.deliver(el, from, to);
  }
}
