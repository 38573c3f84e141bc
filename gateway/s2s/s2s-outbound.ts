// Our stream to one remote domain (RFC 6120 s2s, initiating side): resolve, connect, STARTTLS
// (presenting our certificate), then SASL EXTERNAL when the remote offers it (RFC 6120 §6,
// XEP-0178 §3, sasl-external.ts), else or after its <failure/> XEP-0220 dialback on the same
// stream (db:result with our key, wait for type='valid'), then the queued stanzas go out.
// Until then stanzas wait in a bounded queue; when the setup fails they bounce with the RFC 6120
// §8.3.3 condition: remote-server-not-found (no DNS answer, nobody listening, TLS or dialback
// refused) or remote-server-timeout (no answer within s2s.connectTimeoutSeconds). The same stream
// carries the db:verify requests with which we check keys of the remote's inbound streams to us.
import { connect, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Element } from 'ltx';
import type { Logger } from '../../shared/log.js';
import type { StanzaErrorCondition } from '../../shared/xml/errors.js';
import { NS } from '../../shared/xml/namespaces.js';
import { isLoopback } from '../c2s-listener.js';
import type { DialbackKeys } from './dialback-key.js';
import type { S2sResolver, S2sTarget } from './s2s-resolver.js';
import { EXTERNAL_AUTH, offersExternal } from './sasl-external.js';
import { s2sSaslExternal } from './s2s-metrics.js';
import { dialbackElement, dialbackXml, NS_DIALBACK_FEATURE, S2sTransport, serverStanzaXml, type S2sTransportEvents, type S2sTransportOptions } from './s2s-transport.js';

export type VerifyOutcome = 'valid' | 'invalid' | 'error';

export interface S2sOutboundOptions {
  localDomain: string;
  remoteDomain: string;
  resolver: S2sResolver;
  keys: DialbackKeys;
  /** Our certificate and key: the TLS client certificate, for SASL EXTERNAL. */
  secureContext: SecureContext;
  transport: S2sTransportOptions;
  connectTimeoutMs: number;
  maxQueuedStanzas: number;
  allowPlainFromLoopback: boolean;
  verifyCertificates: boolean;
  logger: Logger;
  /** A stanza that cannot reach the remote domain: answered with this error. */
  bounce(stanza: Element, condition: StanzaErrorCondition, text: string): void;
  /** The stream is gone (failed, idle, closed by the remote); called once. */
  onClosed(outbound: S2sOutbound): void;
}

/** db:verify requests one stream carries at once, at most (a flood of inbound streams must not grow it). */
const MAX_PENDING_VERIFIES = 100;

interface PendingVerify {
  id: string;
  key: string;
  sent: boolean;
  timer: NodeJS.Timeout;
  resolve(outcome: VerifyOutcome): void;
}

export class S2sOutbound implements S2sTransportEvents {
  state: 'connecting' | 'ready' | 'closed' = 'connecting';
  private queue: Element[] = [];
  private transport: S2sTransport | undefined;
  private connecting: Socket | undefined;
  private remoteStreamId: string | undefined;
  /** Header and features seen (after STARTTLS when there is one): db:verify may go out. */
  private open = false;
  private resultSent = false;
  /** SASL EXTERNAL: not tried, <auth/> sent, <success/> (the stream restarted), or <failure/> (dialback then). */
  private sasl: 'none' | 'pending' | 'success' | 'failure' = 'none';
  /** Whether the features before our <auth/> announced dialback (for the fallback). */
  private dialbackOffered = false;
  private readonly verifies = new Map<string, PendingVerify>();
  private readonly deadline: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(private readonly opts: S2sOutboundOptions) {
    this.log = opts.logger.child({ module: 's2s-out', remote: opts.remoteDomain });
    this.deadline = setTimeout(() => this.fail('remote-server-timeout', `${opts.remoteDomain} did not answer in time`), opts.connectTimeoutMs);
    void this.start();
  }

  get remoteDomain(): string {
    return this.opts.remoteDomain;
  }

  get localDomain(): string {
    return this.opts.localDomain;
  }

  /** TLS is on (after STARTTLS). */
  get secure(): boolean {
    return this.transport?.secure ?? false;
  }

  /** How the remote accepted us, once the stream is ready. */
  get authenticatedBy(): 'sasl-external' | 'dialback' | undefined {
    if (this.state !== 'ready') return undefined;
    return this.sasl === 'success' ? 'sasl-external' : 'dialback';
  }

  /** Sends now when the stream is up, else queues; 'full' when the queue is at its bound (the caller bounces). */
  send(stanza: Element): 'sent' | 'queued' | 'full' {
    if (this.state === 'ready' && this.transport) {
      this.transport.send(serverStanzaXml(stanza));
      this.transport.touch();
      return 'sent';
    }
    if (this.state === 'closed' || this.queue.length >= this.opts.maxQueuedStanzas) return 'full';
    this.queue.push(stanza);
    return 'queued';
  }

  /** Asks the remote (the authoritative server of its domain) whether it generated `key` for our inbound stream `streamId` (XEP-0220 §2.3). */
  verify(streamId: string, key: string): Promise<VerifyOutcome> {
    if (this.state === 'closed' || this.verifies.size >= MAX_PENDING_VERIFIES || this.verifies.has(streamId)) return Promise.resolve('error');
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settleVerify(streamId, 'error'), this.opts.connectTimeoutMs);
      this.verifies.set(streamId, { id: streamId, key, sent: false, timer, resolve });
      this.sendVerifies();
    });
  }

  /** Ends the stream (node stopping); queued stanzas bounce. */
  close(): void {
    this.fail('remote-server-timeout', 'The server is shutting down');
  }

  /** A method, not a narrowed field read: the state changes across the awaits below. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private async start(): Promise<void> {
    let targets: S2sTarget[];
    try {
      targets = await this.opts.resolver.resolve(this.opts.remoteDomain);
    } catch (err) {
      return this.fail('remote-server-not-found', `DNS lookup of ${this.opts.remoteDomain} failed (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (targets.length === 0) return this.fail('remote-server-not-found', `${this.opts.remoteDomain} offers no XMPP server-to-server service`);
    for (const target of targets) {
      if (this.isClosed()) return;
      const socket = await this.connectTo(target);
      if (!socket) continue;
      if (this.isClosed()) return void socket.destroy();
      socket.setNoDelay(true);
      this.transport = new S2sTransport(socket, false, this.opts.transport, this);
      this.sendHeader();
      return;
    }
    this.fail('remote-server-not-found', `Could not connect to a server of ${this.opts.remoteDomain}`);
  }

  private connectTo(target: S2sTarget): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = connect({ host: target.host, port: target.port });
      this.connecting = socket;
      const done = (ok: boolean) => {
        socket.removeAllListeners('connect');
        socket.removeAllListeners('error');
        this.connecting = undefined;
        if (!ok) socket.destroy();
        resolve(ok ? socket : undefined);
      };
      socket.once('connect', () => done(true));
      socket.once('error', (err) => {
        this.log.debug({ err: err.message, target }, 'connect failed');
        done(false);
      });
    });
  }

  private sendHeader(): void {
    this.transport?.sendHeader({ from: this.opts.localDomain, to: this.opts.remoteDomain });
  }

  onStreamStart(attrs: Record<string, string>): void {
    this.remoteStreamId = attrs.id;
    if (!attrs.id) return this.fail('remote-server-not-found', `${this.opts.remoteDomain} sent no stream id`);
    // A pre-1.0 server sends no features (XEP-0220 §2.1): dialback at once, when plain text is allowed.
    if (!attrs.version || Number.parseInt(attrs.version, 10) < 1) this.featuresDone(false);
  }

  onElement(el: Element): void {
    if (el.name === 'stream:features') {
      const starttls = el.getChild('starttls', NS.tls);
      if (starttls && !this.transport!.secure) return this.transport!.send(`<starttls xmlns='${NS.tls}'/>`);
      const dialbackOffered = el.getChild('dialback', NS_DIALBACK_FEATURE) !== undefined;
      if (this.sasl === 'success') return this.authenticatedByCertificate();
      if (this.sasl === 'none' && this.transport!.secure && this.state === 'connecting' && offersExternal(el)) {
        // XEP-0178 §3 step 9: no authorization identity, the remote takes our domain from the certificate.
        this.sasl = 'pending';
        this.dialbackOffered = dialbackOffered;
        return this.transport!.send(EXTERNAL_AUTH);
      }
      return this.featuresDone(dialbackOffered);
    }
    if (el.name === 'proceed' && el.attrs.xmlns === NS.tls) {
      return this.transport!.startClientTls(this.opts.remoteDomain, this.opts.verifyCertificates, this.opts.secureContext, () => this.sendHeader());
    }
    if (el.attrs.xmlns === NS.sasl && this.sasl === 'pending' && (el.name === 'success' || el.name === 'failure')) return this.saslOutcome(el);
    if (el.name === 'failure' && el.attrs.xmlns === NS.tls) return this.fail('remote-server-not-found', 'STARTTLS failed');
    if (el.name === 'stream:error') {
      const condition = el.getChildElements().find((c) => c.attrs.xmlns === NS.streams)?.name ?? 'undefined-condition';
      this.log.info({ condition }, 'stream error from the remote server');
      return this.fail('remote-server-not-found', `${this.opts.remoteDomain} closed the stream (${condition})`);
    }
    const kind = dialbackElement(el);
    if (kind === 'result') return this.dialbackResult(el);
    if (kind === 'verify') return this.settleVerify(el.attrs.id ?? '', el.attrs.type === 'valid' ? 'valid' : el.attrs.type === 'invalid' ? 'invalid' : 'error');
    // Stanzas on our own outbound stream: the remote should use its own stream to us (no bidi here).
  }

  onClosed(): void {
    if (this.state === 'ready') this.log.debug('stream closed');
    this.fail('remote-server-not-found', `The connection to ${this.opts.remoteDomain} closed`);
  }

  /** Features seen (or none expected): TLS is done or not offered; dialback may start. */
  private featuresDone(dialbackOffered: boolean): void {
    const transport = this.transport!;
    if (!transport.secure && !(this.opts.allowPlainFromLoopback && isLoopback(transport.remoteAddress))) {
      return this.fail('remote-server-not-found', `${this.opts.remoteDomain} offers no STARTTLS`);
    }
    if (!dialbackOffered) this.log.debug('no dialback feature announced; trying dialback anyway');
    this.open = true;
    if (!this.resultSent && this.state === 'connecting') {
      this.resultSent = true;
      // XEP-0220 §2.1.1: our key for (receiving = remote, originating = us, the remote's stream id).
      const key = this.opts.keys.generate(this.opts.remoteDomain, this.opts.localDomain, this.remoteStreamId!);
      transport.send(dialbackXml('result', { from: this.opts.localDomain, to: this.opts.remoteDomain }, key));
    }
    this.sendVerifies();
  }

  /**
   * RFC 6120 §6.4.6: after <success/> both sides restart the stream; its features then mark the
   * stream ready. After <failure/> (§6.4.5 leaves the stream open) dialback on the same stream.
   */
  private saslOutcome(el: Element): void {
    const success = el.name === 'success';
    s2sSaslExternal.inc({ direction: 'out', outcome: success ? 'success' : 'failure' });
    if (!success) {
      this.sasl = 'failure';
      const condition = el.getChildElements()[0]?.name ?? 'none';
      this.log.info({ condition }, 'SASL EXTERNAL refused by the remote server; trying dialback');
      return this.featuresDone(this.dialbackOffered);
    }
    this.sasl = 'success';
    this.transport!.restartStream();
    this.sendHeader();
  }

  /** The features of the stream restarted after SASL <success/>: we are authenticated, no dialback. */
  private authenticatedByCertificate(): void {
    this.open = true;
    if (this.state === 'connecting') this.ready();
    this.sendVerifies();
  }

  private dialbackResult(el: Element): void {
    if (el.attrs.from !== this.opts.remoteDomain || el.attrs.to !== this.opts.localDomain || this.state !== 'connecting') return;
    if (el.attrs.type !== 'valid') {
      return this.fail('remote-server-not-found', `${this.opts.remoteDomain} did not accept our dialback key (${el.attrs.type ?? 'no type'})`);
    }
    this.ready();
  }

  /** Authenticated (dialback or SASL): the queued stanzas go out. */
  private ready(): void {
    clearTimeout(this.deadline);
    this.state = 'ready';
    const queued = this.queue;
    this.queue = [];
    for (const stanza of queued) this.transport!.send(serverStanzaXml(stanza));
    this.transport!.touch();
  }

  private sendVerifies(): void {
    if (!this.open || !this.transport) return;
    for (const pending of this.verifies.values()) {
      if (pending.sent) continue;
      pending.sent = true;
      this.transport.send(dialbackXml('verify', { from: this.opts.localDomain, to: this.opts.remoteDomain, id: pending.id }, pending.key));
    }
  }

  private settleVerify(id: string, outcome: VerifyOutcome): void {
    const pending = this.verifies.get(id);
    if (!pending) return;
    this.verifies.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  /** The stream is over: queued stanzas bounce, pending verifications fail, the pool forgets us. */
  private fail(condition: StanzaErrorCondition, text: string): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    clearTimeout(this.deadline);
    if (!wasReady) this.log.info({ condition, text }, 'stream to remote domain failed');
    this.connecting?.destroy();
    this.transport?.close();
    for (const id of [...this.verifies.keys()]) this.settleVerify(id, 'error');
    const queued = this.queue;
    this.queue = [];
    for (const stanza of queued) this.opts.bounce(stanza, condition, text);
    this.opts.onClosed(this);
  }
}
