// Starting a role. `all` runs gateway, router, component port and the roster component in one
// process on embedded storage; the roster component still attaches over a real XEP-0114 socket,
// so its code is the same as when it runs on its own.
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { PamperoConfig } from '../shared/config/types.js';
import type { Logger } from '../shared/log.js';
import { openStores } from '../shared/storage/open.js';
import { ensureCertificate } from '../shared/tls/self-signed.js';
import { Router } from '../shared/router/router.js';
import { startComponentPort } from '../shared/router/component-port.js';
import { startHealthEndpoints } from '../shared/metrics/http-endpoints.js';
import { PAMPERO_VERSION } from '../shared/version.js';
import { startC2sListeners } from '../gateway/c2s-listener.js';
import { attachWebTransports } from '../gateway/web-transports.js';
import { startRosterComponent } from '../components/roster/index.js';
import { startMucComponent } from '../components/muc/index.js';
import { openLmdbMucRoomStore } from '../shared/storage/lmdb/muc-room-store.js';
import { startPubsubComponent } from '../components/pubsub/index.js';
import { openLmdbPubsubStore } from '../shared/storage/lmdb/pubsub-store.js';
import { join } from 'node:path';

export interface RunningRole {
  /** One line per listener, for the start banner. */
  listening: string[];
  stop(): Promise<void>;
}

function where(address: AddressInfo | undefined): string {
  if (!address) return '';
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}

export async function startRole(config: PamperoConfig, logger: Logger): Promise<RunningRole> {
  switch (config.role) {
    case 'all':
      return startAllInOne(config, logger);
    default:
      throw new Error(`role '${config.role}' cannot run on its own yet; use --role all`);
  }
}

async function startAllInOne(config: PamperoConfig, logger: Logger): Promise<RunningRole> {
  const stopping: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stopping.reverse()) await stop().catch((err) => logger.warn({ err }, 'error while stopping'));
  };
  try {
    const stores = await openStores({ dataDir: config.dataDir, storage: config.storage });
    stopping.push(() => stores.close());
    const certificate = await ensureCertificate(config);
    const secureContext = createSecureContext({ cert: certificate.cert, key: certificate.key });
    const limits = { maxStanzaBytes: config.c2s.maxStanzaBytes, maxDepth: config.c2s.maxDepth, maxAttributes: config.c2s.maxAttributes };

    const httpTls = config.http.tls ? { certFile: certificate.certFile, keyFile: certificate.keyFile } : undefined;
    const health = config.http.port > 0 ? await startHealthEndpoints(config.http.host, config.http.port, httpTls) : undefined;
    if (health) stopping.push(() => health.close());

    const router = new Router({
      domain: config.domain,
      rosterDomain: config.roster.domain,
      stores,
      offlineQuota: config.offline.quota,
      iqTimeoutMs: config.components.iqTimeoutSeconds * 1000,
      logger,
      serverVersion: PAMPERO_VERSION,
    });
    // The all-in-one's bundled components are always allowed on the component port; they share
    // the persisted roster secret (docs/configuration.md, roster.secret).
    const mucDomain = `conference.${config.domain}`;
    const pubsubDomain = `pubsub.${config.domain}`;
    for (const domain of [config.roster.domain, mucDomain, pubsubDomain]) {
      const record = await stores.components.get(domain);
      if (record?.secret !== config.roster.secret) await stores.components.put(domain, config.roster.secret);
    }

    const componentPort = await startComponentPort({
      host: config.components.host,
      port: config.components.port,
      router,
      store: stores.components,
      limits: { ...limits, maxStanzaBytes: limits.maxStanzaBytes * 4 },
      maxQueuedStanzas: config.components.maxQueuedStanzas,
      logger,
    });
    stopping.push(() => componentPort.close());

    const c2s = await startC2sListeners({
      host: config.c2s.host,
      port: config.c2s.port,
      tlsPort: config.c2s.tlsPort,
      allowPlainFromLoopback: config.c2s.allowPlainFromLoopback,
      domain: config.domain,
      router,
      accounts: stores.accounts,
      limits,
      maxWriteBufferBytes: config.c2s.maxWriteBufferBytes,
      authTimeoutMs: config.c2s.authTimeoutSeconds * 1000,
      secureContext,
      certificate: { cert: certificate.cert, key: certificate.key },
      logger,
    });
    stopping.push(() => c2s.close());
    // WebSocket (RFC 7395), BOSH (XEP-0124/0206) and host-meta on the HTTP port; closed with it.
    if (health) {
      const web = attachWebTransports(health, {
        domain: config.domain,
        router,
        accounts: stores.accounts,
        limits,
        maxWriteBufferBytes: config.c2s.maxWriteBufferBytes,
        authTimeoutMs: config.c2s.authTimeoutSeconds * 1000,
        allowPlainFromLoopback: config.c2s.allowPlainFromLoopback,
        publicUrl: config.http.publicUrl,
        seeOtherUri: config.http.seeOtherUri,
        logger,
      });
      stopping.push(async () => web.close());
    }

    const port = componentPort.address().port;
    const roster = await startRosterComponent({
      service: `xmpp://127.0.0.1:${port}`,
      domain: config.roster.domain,
      secret: config.roster.secret,
      serverDomain: config.domain,
      rosters: stores.rosters,
      maxItems: config.roster.maxItems,
      logger,
    });
    stopping.splice(stopping.length - 1, 0, () => roster.stop()); // stop it before the port closes
    await waitFor(() => router.components.isConnected(config.roster.domain), 5000);

    // MUC (XEP-0045) on conference.DOMAIN; stopped first so occupants still get the shutdown notice.
    const mucRooms = await openLmdbMucRoomStore(config.dataDir);
    stopping.push(() => mucRooms.close());
    const muc = await startMucComponent({ service: `xmpp://127.0.0.1:${port}`, domain: mucDomain, secret: config.roster.secret, serverDomain: config.domain, rooms: mucRooms, logger });
    stopping.push(() => muc.stop());
    await waitFor(() => router.components.isConnected(mucDomain), 5000);

    // PubSub (XEP-0060) on pubsub.DOMAIN, its nodes and items in their own LMDB environment.
    const pubsubStore = openLmdbPubsubStore(join(config.dataDir, 'pubsub'));
    stopping.push(() => pubsubStore.close());
    const pubsub = await startPubsubComponent({
      service: `xmpp://127.0.0.1:${port}`, domain: pubsubDomain, secret: config.roster.secret, serverDomain: config.domain,
      store: pubsubStore.store, rosterOf: (owner) => stores.rosters.get(owner), logger,
    });
    stopping.push(() => pubsub.stop());
    await waitFor(() => router.components.isConnected(pubsubDomain), 5000);
    health?.setReady(true);

    const { starttls, directTls } = c2s.addresses();
    const listening = [
      `domain ${config.domain}, data in ${config.dataDir}${certificate.generated ? `, self-signed certificate ${certificate.certFile}` : ''}`,
    ];
    if (starttls) listening.push(`c2s (STARTTLS${config.c2s.allowPlainFromLoopback ? ', plain allowed from loopback' : ''}) on ${where(starttls)}`);
    if (directTls) listening.push(`c2s (direct TLS) on ${where(directTls)}`);
    listening.push(`XEP-0114 components on ${where(componentPort.address())} (bundled: ${config.roster.domain}, ${mucDomain}, ${pubsubDomain})`);
    if (health) listening.push(`HTTP${health.secure ? 'S' : ''} /metrics /healthz /readyz, WebSocket /xmpp-websocket, BOSH /http-bind, /.well-known/host-meta on ${where(health.address())}`);
    return { listening, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the roster component did not attach in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
