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
}

export interface TlsConfig {
  /** PEM certificate chain; generated self-signed into DATA_DIR/tls when both are empty. */
  certFile: string;
  keyFile: string;
}

export interface ComponentPortConfig {
  host: string;
  /** XEP-0114 port. 0 disables it. */
  port: number;
  /** Stanzas queued for one component link before more are refused with resource-constraint. */
  maxQueuedStanzas: number;
  /** Seconds the router waits for a delegated IQ answer before remote-server-timeout. */
  iqTimeoutSeconds: number;
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
}

export interface RosterConfig {
  /** Subdomain of the roster component. */
  domain: string;
  /** Shared secret the all-in-one uses to attach its own roster component. */
  secret: string;
  /** Most items in one user's roster (issue 3). */
  maxItems: number;
}

export interface OfflineConfig {
  /** Most offline messages stored per user (XEP-0160); beyond it the sender gets an error. */
  quota: number;
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
}

export interface PamperoConfig {
  role: Role;
  domain: string;
  dataDir: string;
  c2s: C2sConfig;
  tls: TlsConfig;
  components: ComponentPortConfig;
  http: HttpConfig;
  roster: RosterConfig;
  offline: OfflineConfig;
  storage: StorageConfig;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}
