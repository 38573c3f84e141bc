// Federation (docs/s2s.md): the s2s listener (inbound streams, s2s-inbound.ts) and one outbound
// stream per remote domain (s2s-outbound.ts), bounded in number. The router hands it every stanza
// for a domain that is neither ours nor one of our subdomains (shared/router/router.ts route());
// inbound stanzas go back to the router. Each node of a fleet keeps its own outbound streams.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { Element } from 'ltx';
import type { S2sConfig } from '../../shared/config/types.js';
import { parseJid, type Jid } from '../../shared/jid.js';
import type { Logger } from '../../shared/log.js';
import type { Router, RemoteDomains } from '../../shared/router/router.js';
import type { ParserLimits } from '../../shared/xml/stream-parser.js';
import type { StanzaErrorCondition } from '../../shared/xml/errors.js';
import { isLoopback, listen } from '../c2s-listener.js';
import { DialbackKeys } from './dialback-key.js';
import { S2sInbound } from './s2s-inbound.js';
import { s2sBounces, s2sDialback, s2sStanzas, s2sStreams } from './s2s-metrics.js';
import { S2sOutbound, type VerifyOutcome } from './s2s-outbound.js';
import { S2sResolver, type SrvLookup } from './s2s-resolver.js';
import { NS_SERVER } from './s2s-transport.js';
import { streamErrorXml } from '../../shared/xml/errors.js';
import { NS } from '../../shared/xml/namespaces.js';

export interface FederationOptions {
  config: S2sConfig;
  domain: string;
  router: Router;
  /** Our certificate and key (the TLS client certificate of outbound streams). */
  secureContext: SecureContext;
  /** The same certificate and key as PEM, for inbound STARTTLS (which also needs the CAs of s2s.caFile). */
  certificate: { cert: string | Buffer; key: string | Buffer };
  limits: ParserLimits;
  maxWriteBufferBytes: number;
  logger: Logger;
  /** Tests: DNS SRV lookups (default node:dns). */
  lookupSrv?: SrvLookup;
}

/** Outbound streams are per (our domain, remote domain): dialback validates that pair (XEP-0220 §4.3). */
function pairKey(local: string, remote: string): string {
  return `${local} ${remote}`;
}

/** s2s.caFile, read once at start: a file that cannot be read fails the start. */
function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`s2s.caFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export class Federation implements RemoteDomains {
  private readonly outbound = new Map<string, S2sOutbound>();
  private readonly inbound = new Set<S2sInbound>();
  /** Inbound connections per remote address (a tenth of s2s.maxInboundConnections each, at most). */
  private readonly inboundByAddress = new Map<string, number>();
  private readonly keys: DialbackKeys;
  private readonly resolver: S2sResolver;
  private readonly log: Logger;
  private server: Server | undefined;
  private closing = false;
  /** Inbound STARTTLS: our certificate, and the CAs trusted for the remote's (SASL EXTERNAL). */
  private readonly inboundTls: TlsOptions;
  /** Outbound STARTTLS: our certificate, with s2s.caFile's CAs for s2s.verifyCertificates (else Node's roots). */
  private readonly outboundContext: SecureContext;

  private constructor(private readonly opts: FederationOptions) {
    this.keys = new DialbackKeys(opts.config.dialbackSecret);
    this.resolver = new S2sResolver(opts.config.routes, opts.lookupSrv);
    this.log = opts.logger.child({ module: 's2s' });
    // s2s.caFile empty: no `ca`, so Node's root CAs (a certificate from a public CA works with EXTERNAL).
    const ca = opts.config.caFile ? readCaFile(opts.config.caFile) : undefined;
    this.inboundTls = { cert: opts.certificate.cert, key: opts.certificate.key, ...(ca ? { ca } : {}) };
    this.outboundContext = ca ? createSecureContext(this.inboundTls) : opts.secureContext;
  }

  /** Starts the listener (unless s2s.port is 0) and attaches to the router. */
  static async start(opts: FederationOptions): Promise<Federation> {
    const federation = new Federation(opts);
    if (opts.config.port > 0) {
      const server = createServer((socket) => federation.accept(socket));
      await listen(server, opts.config.port, opts.config.host);
      federation.server = server;
    }
    opts.router.federation = federation;
    return federation;
  }

  /** The streams of this node, for operators and tests; `inboundPairs`: the domain pairs inbound streams validated, and how. */
  streams(): {
    outbound: Array<{ local: string; remote: string; state: S2sOutbound['state']; secure: boolean; authenticatedBy: S2sOutbound['authenticatedBy'] }>;
    inbound: number;
    inboundPairs: S2sInbound['pairs'];
  } {
    const outbound = [...this.outbound.values()].map((s) => ({ local: s.localDomain, remote: s.remoteDomain, state: s.state, secure: s.secure, authenticatedBy: s.authenticatedBy }));
    return { outbound, inbound: this.inbound.size, inboundPairs: [...this.inbound].flatMap((s) => s.pairs) };
  }

  address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  /** From the router: a stanza for a remote domain, from our domain or one of our subdomains (one stream per pair). */
  send(stanza: Element, to: Jid): void {
    const from = parseJid(stanza.attrs.from ?? '');
    if (!from || !this.isLocalDomain(from.domain)) {
      this.log.debug({ from: stanza.attrs.from, to: to.full }, 'not relaying a stanza that is not from one of our domains');
      return;
    }
    let stream = this.outbound.get(pairKey(from.domain, to.domain));
    if (!stream) {
      if (this.closing) return this.bounce(stanza, 'remote-server-timeout', 'The server is shutting down');
      if (this.outbound.size >= this.opts.config.maxRemoteDomains) return this.bounce(stanza, 'resource-constraint', 'Too many remote domains at once');
      stream = this.openStream(from.domain, to.domain);
    }
    if (stream.send(stanza) === 'full') return this.bounce(stanza, 'resource-constraint', `Too many stanzas waiting for ${to.domain}`);
    s2sStanzas.inc({ direction: 'out' });
  }

  async close(): Promise<void> {
    this.closing = true;
    const closed = this.server ? new Promise<void>((resolve) => this.server!.close(() => resolve())) : Promise.resolve();
    for (const stream of [...this.outbound.values()]) stream.close();
    for (const stream of [...this.inbound]) stream.terminate();
    if (this.opts.router.federation === this) this.opts.router.federation = undefined;
    await closed;
  }

  /** Our domain or one of its subdomains. */
  private isLocalDomain(domain: string): boolean {
    return domain === this.opts.domain || domain.endsWith(`.${this.opts.domain}`);
  }

  private openStream(localDomain: string, domain: string): S2sOutbound {
    const config = this.opts.config;
    const key = pairKey(localDomain, domain);
    const stream = new S2sOutbound({
      localDomain,
      remoteDomain: domain,
      resolver: this.resolver,
      keys: this.keys,
      secureContext: this.outboundContext,
      transport: this.transportOptions(),
      connectTimeoutMs: config.connectTimeoutSeconds * 1000,
      maxQueuedStanzas: config.maxQueuedStanzas,
      allowPlainFromLoopback: config.allowPlainFromLoopback,
      verifyCertificates: config.verifyCertificates,
      logger: this.opts.logger,
      bounce: (stanza, condition, text) => this.bounce(stanza, condition, text),
      onClosed: (closed) => {
        if (this.outbound.get(key) === closed) this.outbound.delete(key);
        s2sStreams.set({ direction: 'out' }, this.outbound.size);
      },
    });
    this.outbound.set(key, stream);
    s2sStreams.set({ direction: 'out' }, this.outbound.size);
    return stream;
  }

  private transportOptions() {
    return { limits: this.opts.limits, maxWriteBufferBytes: this.opts.maxWriteBufferBytes, idleMs: this.opts.config.idleSeconds * 1000 };
  }

  private bounce(stanza: Element, condition: StanzaErrorCondition, text: string): void {
    s2sBounces.inc({ condition });
    this.opts.router.bounce(stanza, condition, text);
  }

  /** XEP-0220 §2.3: checks a key with the originating domain's server, over our stream to it. */
  private async verifyKey(originating: string, receiving: string, streamId: string, key: string): Promise<VerifyOutcome> {
    let stream = this.outbound.get(pairKey(receiving, originating));
    if (!stream && (this.closing || this.outbound.size >= this.opts.config.maxRemoteDomains)) return 'error';
    stream ??= this.openStream(receiving, originating);
    const outcome = await stream.verify(streamId, key);
    s2sDialback.inc({ outcome });
    return outcome;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.inboundByAddress.get(address) ?? 0;
    // One address may not take every slot: a remote server needs a few streams, not hundreds.
    const perAddress = Math.max(1, Math.ceil(this.opts.config.maxInboundConnections / 10));
    if (this.closing || this.inbound.size >= this.opts.config.maxInboundConnections || fromAddress >= perAddress) {
      socket.on('error', () => {});
      socket.end(`<?xml version='1.0'?><stream:stream xmlns='${NS_SERVER}' xmlns:stream='${NS.stream}' version='1.0'>${streamErrorXml('resource-constraint', 'Too many server connections')}</stream:stream>`);
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    this.inboundByAddress.set(address, fromAddress + 1);
    const domain = this.opts.domain;
    const config = this.opts.config;
    const stream = new S2sInbound(socket, config.allowPlainFromLoopback && isLoopback(socket.remoteAddress), {
      localDomain: domain,
      keys: this.keys,
      tls: this.inboundTls,
      transport: this.transportOptions(),
      authTimeoutMs: Math.max(30_000, config.connectTimeoutSeconds * 2000),
      logger: this.opts.logger,
      isLocalDomain: (d) => this.isLocalDomain(d),
      verifyKey: (originating, receiving, streamId, key) => this.verifyKey(originating, receiving, streamId, key),
      deliver: (stanza, from, to) => {
        s2sStanzas.inc({ direction: 'in' });
        this.opts.router.fromRemoteServer(stanza, from, to);
      },
      onClosed: (closed) => {
        this.inbound.delete(closed);
        const left = (this.inboundByAddress.get(address) ?? 1) - 1;
        if (left > 0) this.inboundByAddress.set(address, left);
        else this.inboundByAddress.delete(address);
        s2sStreams.set({ direction: 'in' }, this.inbound.size);
      },
    });
    this.inbound.add(stream);
    s2sStreams.set({ direction: 'in' }, this.inbound.size);
  }
}
