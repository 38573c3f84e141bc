// Starting a role. `all` runs gateway, router, component port and the bundled components in one
// process on embedded storage (the components still attach over real XEP-0114 sockets). In a fleet
// `gateway` runs the client side (c2s, WebSocket, BOSH) and `router` the component port, both with
// the router library and the fleet's directory (docs/cluster.md); muc, pubsub and roster run one
// component each (component-roles.ts).
import { elasticsearchArchiveSearch } from '../shared/router/archive/elasticsearch-archive-search.js';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { PamperoConfig } from '../shared/config/types.js';
import type { Logger } from '../shared/log.js';
import { openStores, storageBulkhead } from '../shared/storage/open.js';
import type { Stores } from '../shared/storage/types.js';
import { ensureCertificate } from '../shared/tls/self-signed.js';
import { Router } from '../shared/router/router.js';
import { startComponentPort } from '../shared/router/component-port.js';
import { startHealthEndpoints } from '../shared/metrics/http-endpoints.js';
import { PAMPERO_VERSION } from '../shared/version.js';
import { startC2sListeners } from '../gateway/c2s-listener.js';
import { attachWebTransports, boshLimitsFromConfig } from '../gateway/web-transports.js';
import { ResumableSessions } from '../gateway/stream-resumption.js';
import { startComponentRole } from './component-roles.js';
import { joinFleet } from './fleet-membership.js';
import { allowBundledComponents, bundledDomains, startBundledComponents } from './bundled-components.js';
import { ConfigError } from '../shared/config/errors.js';
import { attachAdmin } from '../shared/admin/attach-admin.js';
import { attachUpload } from '../gateway/upload/upload-service.js';
import { startAbuseControl } from '../shared/abuse/start-abuse-control.js';
import { openIncidentStore } from '../shared/abuse/incidents/open-incident-store.js';
import { startHealthSnapshots } from '../shared/health/health-snapshot-writer.js';
import { routerHealthFacts } from '../shared/health/router-health-facts.js';
import { installNonContactLimit } from '../shared/router/non-contact-limit.js';
import { installRosterPrefetch } from '../shared/router/roster-prefetch.js';
import { InBandRegistration } from '../gateway/registration/in-band-registration.js';
import { NodeDrain } from '../shared/cluster/drain.js';
import { sasl2Settings } from '../gateway/sasl2-negotiation.js';
import { configureLogins } from '../gateway/login-admission.js';
import { Federation } from '../gateway/s2s/federation.js';

export interface RunningRole {
  /** One line per listener, for the start banner. */
  listening: string[];
  stop(): Promise<void>;
  /** The node's federation when s2s.enabled (tests look at its streams). */
  federation?: Federation;
}

function where(address: AddressInfo | undefined): string {
  if (!address) return '';
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

/** Test only (the fault suite, loadtest/faults/): what a test puts under a node's stores. */
export interface RoleTestHooks {
  /** Wraps the backend's stores (below the instrumentation and the bulkhead): faulty-stores.ts. */
  wrapStores?: (stores: Stores) => Stores;
}

export async function startRole(config: PamperoConfig, logger: Logger, testHooks: RoleTestHooks = {}): Promise<RunningRole> {
  switch (config.role) {
    case 'all':
    case 'gateway':
    case 'router':
      return startNode(config, logger, config.role, testHooks);
    case 'muc':
    case 'pubsub':
    case 'roster':
      return startComponentRole(config.role, config, logger);
  }
}

/** What each router-based role runs: the all-in-one everything, a gateway the client side, a router the component side. */
export function nodeParts(role: 'all' | 'gateway' | 'router'): { c2s: boolean; componentPort: boolean; bundled: boolean } {
  return { c2s: role !== 'router', componentPort: role !== 'gateway', bundled: role === 'all' };
}

async function startNode(config: PamperoConfig, logger: Logger, role: 'all' | 'gateway' | 'router', testHooks: RoleTestHooks): Promise<RunningRole> {
  const parts = nodeParts(role);
  if (role !== 'all' && !config.cluster.redisUrl) {
    throw new ConfigError([`role: ${role} runs as part of a fleet; give it the fleet's Redis with --redis redis://host:port (or cluster.redisUrl)`]);
  }
  const stopping: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stopping.reverse()) await stop().catch((err) => logger.warn({ err }, 'error while stopping'));
  };
  // Before a stop, and on POST /admin/api/drain or `pampero cluster drain`: move the work elsewhere (shared/cluster/drain.ts).
  const drain = new NodeDrain(logger);
  let drainVia: (() => Promise<void>) | undefined;
  const stopDrained = async () => {
    await drainVia?.().catch(() => undefined); // /readyz 503 first, then the steps (health.onDrain)
    await drain.run(); // the same run: waits for it when an admin drain started it earlier
    await stopAll();
  };
  try {
    // Every store behind its bulkhead: deadline, concurrency limit, bounded wait (docs/isolation.md).
    const stores = await openStores({ dataDir: config.dataDir, storage: config.storage, bulkhead: storageBulkhead(config.storage), wrapBackend: testHooks.wrapStores });
    stopping.push(() => stores.close());
    // In a fleet (cluster.redisUrl set) the router's directory is the fleet's (docs/cluster.md).
    const fleet = await joinFleet(config, logger);
    if (fleet) stopping.push(() => fleet.leave());
    const certificate = await ensureCertificate(config);
    const secureContext = createSecureContext({ cert: certificate.cert, key: certificate.key });
    const limits = { maxStanzaBytes: config.c2s.maxStanzaBytes, maxDepth: config.c2s.maxDepth, maxAttributes: config.c2s.maxAttributes };
    configureLogins(config.c2s); // the login bulkhead (gateway/login-admission.ts)

    const httpTls = config.http.tls ? { certFile: certificate.certFile, keyFile: certificate.keyFile } : undefined;
    const health = config.http.port > 0 ? await startHealthEndpoints(config.http.host, config.http.port, httpTls) : undefined;
    if (health) stopping.push(() => health.close());

    // Spam reports (XEP-0377) and abuse events (docs/abuse.md).
    const incidents = await openIncidentStore(config, stores, logger);
    stopping.push(() => incidents.close());
    const router = new Router({
      domain: config.domain,
      rosterDomain: config.roster.domain,
      stores,
      offlineQuota: config.offline.quota,
      iqTimeoutMs: config.components.iqTimeoutSeconds * 1000,
      logger,
      serverVersion: PAMPERO_VERSION,
      ...fleet?.routerOptions,
      contactAddresses: config.contactAddresses,
      archive: config.archive,
      push: config.push,
      incidents,
    });
    // XEP-0431 through Elasticsearch when configured (docs/archive.md); closed after the archive's last write.
    if (router.archive?.search && config.archive.elasticsearchUrl) {
      const search = await elasticsearchArchiveSearch(router.archive.store, { url: config.archive.elasticsearchUrl, logger: logger.child({ module: 'archive-search' }) });
      router.archive.useSearch(search);
      stopping.push(() => search.close());
    }
    stopping.push(async () => router.archive?.stop()); // writes the archive queue before the stores close
    stopping.push(() => router.lastLogouts.flush(2000)); // after the clients are gone, before the stores close
    // The bundled components (or, on a router, the component roles of the fleet) attach with the
    // persisted roster secret (docs/configuration.md, roster.secret).
    if (parts.componentPort) await allowBundledComponents(config, stores);

    const componentPort = !parts.componentPort ? undefined : await startComponentPort({
      host: config.components.host,
      port: config.components.port,
      router,
      store: stores.components,
      limits: { ...limits, maxStanzaBytes: limits.maxStanzaBytes * 4 },
      maxQueuedStanzas: config.components.maxQueuedStanzas,
      iqTimeoutMs: config.components.iqTimeoutSeconds * 1000,
      stallMs: config.components.stallSeconds * 1000,
      logger,
    });
    const closeComponentPort = async () => componentPort?.close();
    stopping.push(closeComponentPort);
    // A draining router lets its components go: they reattach to another router (component.service lists them).
    if (componentPort && role === 'router') drain.add({ name: 'component port', run: () => componentPort.close() });

    // Federation with other servers (docs/s2s.md); off unless s2s.enabled.
    const federation = !config.s2s.enabled ? undefined : await Federation.start({
      config: config.s2s,
      domain: config.domain,
      router,
      secureContext,
      certificate,
      limits,
      maxWriteBufferBytes: config.c2s.maxWriteBufferBytes,
      logger,
    });
    if (federation) stopping.push(() => federation.close());

    // XEP-0198 sessions resumable on this gateway, over TCP/TLS and WebSocket alike.
    const streamManagement = config.sm.enabled ? new ResumableSessions(config.sm, fleet?.node) : undefined;
    if (streamManagement) stopping.push(() => streamManagement.close());
    // Abuse control at the gateway (docs/abuse.md); off unless abuse.enabled.
    const abuse = parts.c2s && config.abuse.enabled ? await startAbuseControl(config, stores, logger, incidents) : undefined;
    if (abuse) stopping.push(() => abuse.stop());
    if (abuse) installNonContactLimit(router, abuse.guard); // messages to non-contacts per user (docs/abuse.md)
    if (config.roster.prefetch) installRosterPrefetch(router); // the roster fetched at login (docs/roster-delegation.md §5)
    // What every client transport's sessions share (TCP/TLS, WebSocket, BOSH).
    const sessionSettings = {
      domain: config.domain,
      router,
      accounts: stores.accounts,
      limits,
      maxWriteBufferBytes: config.c2s.maxWriteBufferBytes,
      authTimeoutMs: config.c2s.authTimeoutSeconds * 1000,
      streamManagement,
      csiMaxHeldStanzas: config.csi.maxHeldStanzas,
      abuse: abuse?.guard,
      accountData: stores.accountData,
      sasl2: config.sasl2.enabled ? sasl2Settings(config.sasl2, stores.accountData) : undefined, // docs/sasl2.md
      // XEP-0077 before authentication (docs/registration.md); registration.mode off by default.
      registration: new InBandRegistration({ config: config.registration, domain: config.domain, accounts: stores.accounts, abuse: abuse?.guard, logger }),
      allowPlainFromLoopback: config.c2s.allowPlainFromLoopback,
    };
    const c2s = !parts.c2s ? undefined : await startC2sListeners({
      ...sessionSettings,
      host: config.c2s.host,
      port: config.c2s.port,
      tlsPort: config.c2s.tlsPort,
      secureContext,
      logger,
    });
    if (c2s) stopping.push(() => c2s.close());
    if (c2s) drain.add({ name: 'c2s clients', run: () => c2s.drain(config.c2s.seeOtherHost || undefined) });
    // WebSocket (RFC 7395), BOSH (XEP-0124/0206) and host-meta on the HTTP port; closed with it.
    if (health && parts.c2s) {
      const web = attachWebTransports(health, {
        ...sessionSettings,
        publicUrl: config.http.publicUrl,
        seeOtherUri: config.http.seeOtherUri,
        websocketIdleSeconds: config.http.websocketIdleSeconds,
        bosh: boshLimitsFromConfig(config.http),
        logger,
      });
      stopping.push(async () => web.close());
      drain.add({ name: 'web clients', run: () => web.close() });
      // XEP-0363 on upload.DOMAIN: slots from the router, PUT/GET on this HTTP port (docs/upload.md).
      const fallbackUrl = config.http.publicUrl || `http${health.secure ? 's' : ''}://${config.domain}:${health.address().port}`;
      const upload = config.upload.enabled ? await attachUpload(router, health, { config: config.upload, dataDir: config.dataDir, fallbackUrl, logger }) : undefined;
      if (upload) stopping.push(async () => upload.close());
    }

    // The all-in-one runs the roster, MUC and PubSub components itself; a fleet runs them as roles.
    if (parts.bundled && componentPort) {
      const bundled = await startBundledComponents(config, stores, router, componentPort.address().port, logger);
      stopping.splice(stopping.indexOf(closeComponentPort), 0, () => bundled.stop()); // before the port closes
    }
    if (health) {
      health.onDrain(() => drain.run());
      drainVia = () => health.drain();
    }
    health?.setReady(true);
    // /readyz turns 503 while the node cannot serve rosters (docs/metrics.md). A fleet's router is
    // ready before any component attaches: the component roles wait for it.
    if (role !== 'router') health?.addReadinessCheck(`roster component ${config.roster.domain}`, () => router.components.isConnected(config.roster.domain));

    const { starttls, directTls } = c2s?.addresses() ?? {};
    const listening = [
      `domain ${config.domain}, data in ${config.dataDir}${certificate.generated ? `, self-signed certificate ${certificate.certFile}` : ''}`,
    ];
    if (starttls) listening.push(`c2s (STARTTLS${config.c2s.allowPlainFromLoopback ? ', plain allowed from loopback' : ''}) on ${where(starttls)}`);
    if (directTls) listening.push(`c2s (direct TLS) on ${where(directTls)}`);
    if (federation) listening.push(`s2s federation${federation.address() ? ` on ${where(federation.address())}` : ' (outbound only)'}${config.s2s.allowPlainFromLoopback ? ', plain allowed from loopback' : ''}`);
    if (componentPort) listening.push(`XEP-0114 components on ${where(componentPort.address())}${parts.bundled ? ` (bundled: ${bundledDomains(config).join(', ')})` : ''}`);
    if (health) listening.push(`HTTP${health.secure ? 'S' : ''} /metrics /healthz /readyz${parts.c2s ? ', WebSocket /xmpp-websocket, BOSH /http-bind, /.well-known/host-meta' : ''} on ${where(health.address())}`);
    if (fleet) listening.push(await fleet.start(router, listening, health));
    // Health snapshots to the embedded store or Elasticsearch (docs/metrics.md); off unless healthSnapshots.intervalSeconds.
    const snapshots = await startHealthSnapshots({ config, accountData: stores.accountData, logger, nodeId: fleet?.routerOptions.nodeId, facts: () => routerHealthFacts(router, health) });
    if (snapshots) stopping.push(() => snapshots.stop());
    if (snapshots) listening.push(`health snapshots every ${config.healthSnapshots.intervalSeconds} s to ${config.healthSnapshots.elasticsearchUrl || 'the embedded store'}`);
    // Admin API and web console (docs/admin-api.md); off unless admin.token is set.
    const admin = await attachAdmin({ config, router, stores, health, logger, listening: [...listening], healthSnapshots: snapshots?.store });
    if (admin) stopping.push(() => admin.close());
    if (admin) listening.push(`admin API /admin/api/ and console /admin/ on http://${where(admin.address())}`);
    return { listening, stop: stopDrained, ...(federation ? { federation } : {}) };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

