// Built-in defaults: the lowest layer (defaults < config file < PAMPERO_* environment < flags).
// roster.domain and roster.secret are left empty here: load.ts derives `roster.<domain>` and
// roster-secret.ts generates and persists the secret under the data directory.
import type { PamperoConfig } from './types.js';

export const DEFAULT_CONFIG: Readonly<PamperoConfig> = Object.freeze({
  role: 'all',
  domain: 'localhost',
  dataDir: './data',
  c2s: {
    host: '0.0.0.0',
    port: 5222,
    tlsPort: 5223,
    allowPlainFromLoopback: false,
    maxStanzaBytes: 262144,
    maxDepth: 32,
    maxAttributes: 64,
    maxWriteBufferBytes: 1048576,
    authTimeoutSeconds: 30,
    maxLoginsInProgress: 16,
    maxLoginsWaiting: 64,
    maxPasswordHashes: 0,
    seeOtherHost: '',
  },
  tls: { certFile: '', keyFile: '' },
  components: { host: '127.0.0.1', port: 5275, maxQueuedStanzas: 10000, iqTimeoutSeconds: 10, stallSeconds: 30, bundledLink: 'in-process' },
  s2s: {
    enabled: false,
    host: '0.0.0.0',
    port: 5269,
    allowPlainFromLoopback: false,
    verifyCertificates: false,
    caFile: '',
    dialbackSecret: '',
    routes: [],
    connectTimeoutSeconds: 15,
    idleSeconds: 300,
    maxQueuedStanzas: 1000,
    maxRemoteDomains: 1000,
    maxInboundConnections: 1000,
  },
  component: { service: 'xmpp://127.0.0.1:5275', domain: '', secret: '' },
  http: { host: '0.0.0.0', port: 5280, tls: false, publicUrl: '', seeOtherUri: '', websocketIdleSeconds: 120, boshMaxWaitSeconds: 60, boshInactivitySeconds: 60, boshMaxPauseSeconds: 120, boshPollingSeconds: 2 },
  roster: { domain: '', secret: '', maxItems: 1000, prefetch: true },
  offline: { quota: 100 },
  archive: { enabled: true, retentionDays: 0, maxQueue: 50000, maxQueueBytes: 16777216, maxPageSize: 250, purgeIntervalSeconds: 60, purgeBatch: 10000, fullTextSearch: true, searchScanLimit: 100000, elasticsearchUrl: '' },
  upload: { enabled: true, maxFileBytes: 10485760, quotaBytes: 104857600, expiryDays: 30, publicUrl: '' },
  sm: { enabled: true, resumeTimeoutSeconds: 300, maxUnackedStanzas: 5000, ackRequestStanzas: 5, ackRequestSeconds: 5, maxHibernatedSessions: 10000 },
  csi: { maxHeldStanzas: 100 },
  sasl2: { enabled: true, fastTokenDays: 21, maxFastClients: 32 },
  push: { enabled: true, includeBody: false, includeSender: true, maxRegistrationsPerAccount: 10, minIntervalSeconds: 5, maxTracked: 100000 },
  contactAddresses: { abuse: [], admin: [], feedback: [], sales: [], security: [], status: [], support: [] },
  storage: {
    backend: 'lmdb',
    timeoutMs: 3000,
    maxConcurrent: 64,
    maxQueued: 1000,
    scylla: {
      contactPoints: ['127.0.0.1'],
      localDataCenter: 'datacenter1',
      keyspace: 'pampero',
      username: '',
      password: '',
      consistency: 'LOCAL_QUORUM',
      createSchema: true,
    },
  },
  muc: { defaultMaxUsers: 100, maxUsersLimit: 1000, multicast: true, messageRate: 5, messageBurst: 10, joinsPerMinute: 60, joinBurst: 100 },
  pubsub: { publishesPerMinute: 7200, publishBurst: 1000, multicast: true },
  cluster: { redisUrl: '', nodeId: '', heartbeatSeconds: 2, maxInboxEntries: 100000 },
  admin: { host: '127.0.0.1', port: 5285, token: '' },
  abuse: { enabled: false, elasticsearchUrl: '' },
  healthSnapshots: { intervalSeconds: 0, elasticsearchUrl: '', retentionHours: 168 },
  registration: { mode: 'off', captcha: 'ocr', challengeSeconds: 300, maxChallenges: 1000 },
  memory: { idleGc: true, idleGcMinGrowthMb: 16 },
  log: { level: 'info' },
} satisfies PamperoConfig);

/** A fresh, mutable copy of the defaults. */
export function defaultConfig(): PamperoConfig {
  return structuredClone(DEFAULT_CONFIG) as PamperoConfig;
}
