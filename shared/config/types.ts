// The validated configuration every role starts from (shared/config/load.ts builds it from
// defaults < config file < PAMPERO_* environment < command-line flags).

export type Role = 'all' | 'gateway' | 'router' | 'roster' | 'muc' | 'pubsub';

export interface C2sConfig {
  host: string;
  /** STARTTLS port (RFC 6120 §5). 0 disables the listener. */
  port: number;
  /** Direct TLS port (XEP-0368). 0 disables the listener. */
  tlsPort: number;
  /** Let clients from 127.0.0.0/8 and ::1 skip TLS (tests and load tests). Off by default. */
  allowPlainFromLoopback: boolean;
  /** Largest stanza accepted, in bytes; bigger gets a policy-violation stream error. */
  maxStanzaBytes: number;
  /** Deepest element nesting accepted inside a stanza. */
  maxDepth: number;
  /** Most attributes accepted on one element. */
  maxAttributes: number;
  /** Bytes queued for a client that does not read before it is cut off. */
  maxWriteBufferBytes: number;
  /** Seconds a connection may take from connect to bound resource. */
  authTimeoutSeconds: number;
  /** Password checks (SASL exchanges past their first step) running at once on this node; more wait. */
  maxLoginsInProgress: number;
  /** Logins waiting for a slot; beyond, or after waiting authTimeoutSeconds/3, temporary-auth-failure. */
  maxLoginsWaiting: number;
  /** PBKDF2 derivations of PLAIN passwords at once (thread pool CPU); 0: the CPUs less one, at least one. */
  maxPasswordHashes: number;
  /** host:port a draining gateway sends its clients to (see-other-host); empty: system-shutdown. */
  seeOtherHost: string;
}

export interface TlsConfig {
  /** PEM certificate chain; generated self-signed into DATA_DIR/tls when both are empty. */
  certFile: string;
  keyFile: string;
}

/** Server-to-server federation (RFC 6120 s2s with XEP-0220 dialback; docs/s2s.md). Off by default. */
export interface S2sConfig {
  /** Route stanzas for other domains to their servers and accept their streams. */
  enabled: boolean;
  host: string;
  /** Inbound jabber:server port (5269); 0: no inbound streams (then remote servers cannot verify our dialback keys). */
  port: number;
  /** Let servers on 127.0.0.0/8 and ::1 skip STARTTLS (tests). */
  allowPlainFromLoopback: boolean;
  /** Check the remote server's certificate on outbound STARTTLS; off: dialback alone authenticates. */
  verifyCertificates: boolean;
  /** PEM bundle of the CAs trusted for inbound peers' certificates (SASL EXTERNAL); empty: Node's root CAs. */
  caFile: string;
  /** XEP-0185 dialback secret; the nodes of a fleet must share it. Empty: a random one per process. */
  dialbackSecret: string;
  /** Static routes, `domain=host:port`, used instead of DNS SRV for those domains. */
  routes: string[];
  /** Seconds to reach a remote server and have it accept our dialback key; past it queued stanzas bounce remote-server-timeout. */
  connectTimeoutSeconds: number;
  /** Seconds without a stanza before a stream is closed. */
  idleSeconds: number;
  /** Stanzas waiting for one remote domain's stream; beyond, resource-constraint. */
  maxQueuedStanzas: number;
  /** Remote domains with an outbound stream (or one being set up) at once; beyond, resource-constraint. */
  maxRemoteDomains: number;
  /** Inbound s2s connections at once; beyond, new ones are refused. */
  maxInboundConnections: number;
}

export interface ComponentPortConfig {
  host: string;
  /** XEP-0114 port. 0 disables it. */
  port: number;
  /** Stanzas queued for one component link before more are refused with resource-constraint. */
  maxQueuedStanzas: number;
  /** Seconds the router waits for a delegated IQ answer before remote-server-timeout. */
  iqTimeoutSeconds: number;
  /** Seconds a component link may not write (or owe an answer while silent) before it is cut. */
  stallSeconds: number;
  /** How the all-in-one attaches its bundled components: in-process (no socket) or a loopback XEP-0114 socket. */
  bundledLink: 'in-process' | 'socket';
}

export interface HttpConfig {
  host: string;
  /** Port of /metrics, /healthz, /readyz, WebSocket, BOSH and host-meta. 0 disables it. */
  port: number;
  /** Serve HTTPS/wss on it with the tls.* certificate (uWS SSLApp). */
  tls: boolean;
  /** Public base URL (e.g. https://chat.example.com behind a proxy) for host-meta; empty: from the Host header. */
  publicUrl: string;
  /** RFC 7395 §3.6.1: send every WebSocket client to this URI with <close see-other-uri/>; empty: none. */
  seeOtherUri: string;
  /** Seconds of WebSocket silence before uWS pings the client, and again before it drops it. */
  websocketIdleSeconds: number;
  /** Longest BOSH `wait` granted, seconds (XEP-0124 §7). */
  boshMaxWaitSeconds: number;
  /** Seconds without a BOSH request before the session ends (XEP-0124 §10 `inactivity`). */
  boshInactivitySeconds: number;
  /** Longest BOSH `pause` a client may ask for, seconds (XEP-0124 §10 `maxpause`); 0: none. */
  boshMaxPauseSeconds: number;
  /** Shortest interval between two empty BOSH requests, seconds (XEP-0124 §11, §12 `polling`). */
  boshPollingSeconds: number;
}

export interface RosterConfig {
  /** Subdomain of the roster component. */
  domain: string;
  /** Shared secret the all-in-one uses to attach its own roster component. */
  secret: string;
  /** Most items in one user's roster (issue 3). */
  maxItems: number;
  /** Fetch the roster when a user's first session binds, so their first get skips the component hop. */
  prefetch: boolean;
}

export interface OfflineConfig {
  /** Most offline messages stored per user (XEP-0160); beyond it the sender gets an error. */
  quota: number;
}

/** How a component role (muc, pubsub, roster) attaches to a router's XEP-0114 port. */
export interface ComponentLinkConfig {
  /** The router's component port as xmpp://host:port. */
  service: string;
  /** The component's domain; empty: conference.<domain>, pubsub.<domain> or roster.domain by role. */
  domain: string;
  /** Secret registered for the domain (`pampero component add`); empty: the data directory's roster.secret. */
  secret: string;
}

/** Contact addresses of the service (XEP-0157), URIs such as mailto: or xmpp:; empty lists are not shown. */
export interface ContactAddressesConfig {
  abuse: string[];
  admin: string[];
  feedback: string[];
  sales: string[];
  security: string[];
  status: string[];
  support: string[];
}

/** XEP-0198 Stream Management on TCP/TLS and WebSocket (docs/stream-management.md). */
export interface StreamManagementConfig {
  /** Offer stream management at all. */
  enabled: boolean;
  /** Seconds a session whose connection dropped waits to be resumed (advertised as 'max'); 0: no resumption. */
  resumeTimeoutSeconds: number;
  /** Stanzas sent to a client and not acknowledged, at most; beyond it the session ends (resource-constraint). */
  maxUnackedStanzas: number;
  /** The server asks for an ack after this many stanzas… */
  ackRequestStanzas: number;
  /** …or this many seconds after the first unrequested one. */
  ackRequestSeconds: number;
  /** Sessions waiting for resumption on one gateway, at most; a connection that drops beyond it ends its session. */
  maxHibernatedSessions: number;
}

/** XEP-0352 Client State Indication. */
export interface CsiConfig {
  /** Presence updates held for an inactive client, at most (one per contact resource); beyond it they are sent. */
  maxHeldStanzas: number;
}

/** XEP-0388 SASL2 with XEP-0386 Bind 2 and XEP-0484 FAST tokens (docs/sasl2.md). */
export interface Sasl2Config {
  /** Offer SASL2 (with Bind 2 and FAST) beside RFC 6120 SASL. */
  enabled: boolean;
  /** Days a FAST token stays valid; past half of it a login with the token gets a new one. */
  fastTokenDays: number;
  /** Clients (SASL2 user-agent ids) one account keeps FAST tokens for, at most. */
  maxFastClients: number;
}

/** XEP-0357 push notifications to app servers (docs/push.md). */
export interface PushConfig {
  /** Let clients enable push (urn:xmpp:push:0 on accounts' disco#info only when on). */
  enabled: boolean;
  /** Send last-message-body (off: message text never leaves the server through a push service). */
  includeBody: boolean;
  /** Send last-message-sender. */
  includeSender: boolean;
  /** Registrations one account keeps, at most; enabling one more drops the oldest. */
  maxRegistrationsPerAccount: number;
  /** Least seconds between two notifications to one registration; what comes meanwhile is coalesced. */
  minIntervalSeconds: number;
  /** Registrations with a notification in flight or waiting, at most, per router; beyond it notifications are dropped. */
  maxTracked: number;
}

/** Message Archive Management (XEP-0313) for user archives (docs/archive.md). */
export interface ArchiveConfig {
  /** Archive one-to-one messages and answer MAM queries (advertised on accounts only when on). */
  enabled: boolean;
  /** Entries older than this many days are purged; 0 keeps them forever. */
  retentionDays: number;
  /** Entries waiting to be written, at most; beyond it they are dropped (and counted), delivery goes on. */
  maxQueue: number;
  /** XML bytes waiting to be written, at most (a flood of big messages is bounded as well). */
  maxQueueBytes: number;
  /** Largest page one query returns (a bigger RSM max gets this many). */
  maxPageSize: number;
  /** Seconds between two retention runs. */
  purgeIntervalSeconds: number;
  /** Entries one retention run removes, at most. */
  purgeBatch: number;
  /** XEP-0431 full-text search in MAM queries (the embedded scan, or Elasticsearch when elasticsearchUrl is set). */
  fullTextSearch: boolean;
  /** Messages one embedded full-text search reads at most (a search finding nothing within them is refused). */
  searchScanLimit: number;
  /** Elasticsearch that indexes archived messages for full-text search; empty: the embedded scan. */
  elasticsearchUrl: string;
}

/** XEP-0363 HTTP File Upload on upload.DOMAIN, served by the gateway's HTTP port (docs/upload.md). */
export interface UploadConfig {
  /** Offer upload.DOMAIN (needs http.port above 0). */
  enabled: boolean;
  /** Largest file, in bytes (advertised as max-file-size). */
  maxFileBytes: number;
  /** Bytes one user may keep stored. */
  quotaBytes: number;
  /** Days a file is served before it is removed; 0 keeps files forever. */
  expiryDays: number;
  /** Base URL of the slots' PUT and GET URLs (behind a proxy); empty: http.publicUrl, else http(s)://DOMAIN:PORT. */
  publicUrl: string;
}

export type StorageBackend = 'lmdb' | 'scylla';

/** CQL consistency levels usable for reads and writes (SERIAL ones are derived, see docs/storage.md). */
export type ScyllaConsistency = 'ONE' | 'TWO' | 'THREE' | 'QUORUM' | 'ALL' | 'LOCAL_QUORUM' | 'EACH_QUORUM' | 'LOCAL_ONE';

/** ScyllaDB (or Apache Cassandra) through cassandra-driver: the storage of a fleet. */
export interface ScyllaConfig {
  /** Nodes to connect to first ("host" or "host:port"); the driver discovers the others. */
  contactPoints: string[];
  /** Data center whose nodes serve this process (LOCAL_* consistency levels count it). */
  localDataCenter: string;
  keyspace: string;
  /** Both empty: no authentication. */
  username: string;
  password: string;
  consistency: ScyllaConsistency;
  /** Create the keyspace and tables at start when missing (development; production runs deploy/scylla/schema.cql). */
  createSchema: boolean;
}

export interface StorageConfig {
  /** lmdb: embedded, under dataDir; scylla: a ScyllaDB cluster shared by every process of a fleet. */
  backend: StorageBackend;
  scylla: ScyllaConfig;
  /** Deadline of one store operation, waiting included (docs/isolation.md). */
  timeoutMs: number;
  /** Operations of one store running at once. */
  maxConcurrent: number;
  /** Operations of one store waiting for a slot; one more is shed at once. */
  maxQueued: number;
}

/** The MUC component's room limits (docs/muc.md). */
export interface MucConfig {
  /** muc#roomconfig_maxusers of a new room. */
  defaultMaxUsers: number;
  /** Highest muc#roomconfig_maxusers an owner may set. */
  maxUsersLimit: number;
  /** Send groupchat messages through the server's XEP-0033 multicast (off when attached to a server without it). */
  multicast: boolean;
  /** Messages one user may send to one room per second, sustained (flood control). */
  messageRate: number;
  /** Messages one user may send to one room at once before the rate applies. */
  messageBurst: number;
  /** Rooms one user may enter per minute, over the whole service (docs/abuse.md); 0: no limit. */
  joinsPerMinute: number;
  /** Rooms one user may enter at once (e.g. autojoin at login) before joinsPerMinute applies. */
  joinBurst: number;
}

/** The PubSub component's per-user limits (docs/abuse.md). */
export interface PubsubConfig {
  /** Items one user may publish per minute, over every node (PEP included); 0: no limit. */
  publishesPerMinute: number;
  /** Items one user may publish at once before publishesPerMinute applies. */
  publishBurst: number;
  /** Send each notification once, with the subscribers' addresses, through the server's XEP-0033 multicast. */
  multicast: boolean;
}

/** Fleet mode: what a node shares through Redis (issue 7). Empty redisUrl: a node on its own. */
export interface ClusterConfig {
  /** redis://[:password@]host:port[/db] of the fleet's Redis; empty runs without one. */
  redisUrl: string;
  /** This node's name in the cluster view; empty: ROLE-HOSTNAME-PID. */
  nodeId: string;
  /** Seconds between heartbeats; a node silent for three of them is shown as down. */
  heartbeatSeconds: number;
  /** Entries a node's inbox on the bus holds before senders get resource-constraint. */
  maxInboxEntries: number;
}

/** The admin HTTP API and web console (docs/admin-api.md): a listener of its own, off without a token. */
export interface AdminConfig {
  /** Address of the admin listener; loopback by default. */
  host: string;
  /** Port of the admin API (/admin/api/…) and console (/admin/); 0 disables them. */
  port: number;
  /** Bearer token every API request must carry; empty disables the admin API and console. */
  token: string;
}

/** Abuse control (docs/abuse.md); the limits themselves are a stored policy (`pampero limits`). */
export interface AbuseConfig {
  /** Apply the abuse-control policy at the gateway (connections, logins, stanzas per session). */
  enabled: boolean;
  /** Elasticsearch of the incident store (http://host:9200); empty: the embedded store in the data directory. */
  elasticsearchUrl: string;
}

/** XEP-0077 in-band registration (docs/registration.md); off by default. */
export interface RegistrationConfig {
  /** off: no in-band registration; open: username and password; captcha: plus a XEP-0158 CAPTCHA; admin-only: only the admin API and CLI create accounts. */
  mode: 'off' | 'open' | 'captcha' | 'admin-only';
  /** The CAPTCHA offered in captcha mode: ocr (an image), qa (a text question) or both (either answers). */
  captcha: 'ocr' | 'qa' | 'both';
  /** Seconds a CAPTCHA challenge stays answerable. */
  challengeSeconds: number;
  /** CAPTCHA challenges waiting for an answer on one gateway, at most (then resource-constraint). */
  maxChallenges: number;
}

/** Health snapshots (docs/metrics.md): the heartbeat's facts written to a store every few seconds; off by default. */
export interface HealthSnapshotsConfig {
  /** Seconds between two snapshots of this node; 0 (the default) writes none. */
  intervalSeconds: number;
  /** Elasticsearch (http://host:9200) the snapshots go to; empty: the embedded store in the data directory. */
  elasticsearchUrl: string;
  /** Hours the embedded store keeps snapshots (Elasticsearch: one index a day, dropped by the site). */
  retentionHours: number;
}

/** Process memory housekeeping (shared/runtime/idle-gc.ts). */
export interface MemoryConfig {
  /** Run one full garbage collection when the event loop has been quiet for a few seconds after the heap grew. */
  idleGc: boolean;
  /** Heap growth since the last full collection that makes an idle one worth doing, MiB. */
  idleGcMinGrowthMb: number;
}

export interface PamperoConfig {
  role: Role;
  domain: string;
  dataDir: string;
  c2s: C2sConfig;
  tls: TlsConfig;
  components: ComponentPortConfig;
  component: ComponentLinkConfig;
  s2s: S2sConfig;
  http: HttpConfig;
  roster: RosterConfig;
  offline: OfflineConfig;
  archive: ArchiveConfig;
  upload: UploadConfig;
  sm: StreamManagementConfig;
  csi: CsiConfig;
  sasl2: Sasl2Config;
  push: PushConfig;
  contactAddresses: ContactAddressesConfig;
  storage: StorageConfig;
  cluster: ClusterConfig;
  muc: MucConfig;
  pubsub: PubsubConfig;
  admin: AdminConfig;
  abuse: AbuseConfig;
  healthSnapshots: HealthSnapshotsConfig;
  registration: RegistrationConfig;
  memory: MemoryConfig;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}
