// Every configuration key, once: its kind (how it is checked and parsed from text), its
// command-line flag and flat environment name where it has one, and a one-line description.
// A field added to PamperoConfig fails to compile until it is described here, so the file,
// environment and flag layers, the validation and the docs cannot drift apart.
import type { PamperoConfig } from './types.js';

/** Dotted paths of the leaves of PamperoConfig: 'domain', 'c2s.port', 'storage.scylla.keyspace', … (a list is one leaf) */
export type ConfigKey = Leaves<PamperoConfig>;
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[]
    ? `${Prefix}${K}`
    : T[K] extends object
      ? Leaves<T[K], `${Prefix}${K}.`>
      : `${Prefix}${K}`;
}[keyof T & string];

export type ValueKind =
  | { type: 'string'; allowEmpty: boolean }
  | { type: 'path'; allowEmpty: boolean }
  | { type: 'domain'; allowEmpty: boolean }
  | { type: 'port' }
  | { type: 'integer'; min: number }
  | { type: 'seconds' }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  /** Non-empty strings; from text, separated by commas. */
  | { type: 'list' }
  /** An unquoted lower-case CQL name (keyspace), safe to put into statements. */
  | { type: 'cqlName' };

export interface KeySpec {
  kind: ValueKind;
  /** Long command-line flag of `pampero start`, when there is one. */
  flag?: string;
  /** Documented flat environment name, besides the generic PAMPERO_SECTION__KEY form. */
  env?: string;
  description: string;
}

export const ROLES = ['all', 'gateway', 'router', 'roster', 'muc', 'pubsub'] as const;
export const STORAGE_BACKENDS = ['lmdb', 'scylla'] as const;
export const SCYLLA_CONSISTENCIES = ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const text = (allowEmpty = false): ValueKind => ({ type: 'string', allowEmpty });
const port: ValueKind = { type: 'port' };
const atLeast = (min: number): ValueKind => ({ type: 'integer', min });

export const CONFIG_KEYS: Record<ConfigKey, KeySpec> = {
  role: {
    kind: { type: 'enum', values: ROLES },
    flag: '--role',
    env: 'PAMPERO_ROLE',
    description: 'What this process runs: everything on one machine, or one deployable of a fleet.',
  },
  domain: {
    kind: { type: 'domain', allowEmpty: false },
    flag: '--domain',
    env: 'PAMPERO_DOMAIN',
    description: 'The XMPP domain served (the part after @ in user JIDs).',
  },
  dataDir: {
    kind: { type: 'path', allowEmpty: false },
    flag: '--data-dir',
    env: 'PAMPERO_DATA_DIR',
    description: 'Directory of the embedded database, generated certificate and roster secret.',
  },
  'c2s.host': { kind: text(), description: 'Address the client ports listen on.' },
  'c2s.port': {
    kind: port,
    flag: '--c2s-port',
    env: 'PAMPERO_C2S_PORT',
    description: 'Client port with STARTTLS (RFC 6120 §5); 0 disables it.',
  },
  'c2s.tlsPort': {
    kind: port,
    flag: '--c2s-tls-port',
    env: 'PAMPERO_C2S_TLS_PORT',
    description: 'Client port with direct TLS (XEP-0368); 0 disables it.',
  },
  'c2s.allowPlainFromLoopback': {
    kind: { type: 'boolean' },
    flag: '--allow-plain-from-loopback',
    env: 'PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK',
    description: 'Let clients on 127.0.0.0/8 and ::1 authenticate without TLS (tests, load tests).',
  },
  'c2s.maxStanzaBytes': { kind: atLeast(1024), description: 'Largest stanza accepted, in bytes.' },
  'c2s.maxDepth': { kind: atLeast(2), description: 'Deepest element nesting accepted in a stanza.' },
  'c2s.maxAttributes': { kind: atLeast(1), description: 'Most attributes accepted on one element.' },
  'c2s.maxWriteBufferBytes': {
    kind: atLeast(1024),
    description: 'Bytes queued for a client that does not read before it is disconnected.',
  },
  'c2s.authTimeoutSeconds': {
    kind: { type: 'seconds' },
    description: 'Seconds a client may take from connecting to having bound a resource.',
  },
  'tls.certFile': {
    kind: { type: 'path', allowEmpty: true },
    description: 'PEM certificate chain; empty: a self-signed one is generated in DATA_DIR/tls.',
  },
  'tls.keyFile': {
    kind: { type: 'path', allowEmpty: true },
    description: 'PEM private key of tls.certFile; set both or neither.',
  },
  'components.host': { kind: text(), description: 'Address the XEP-0114 component port listens on.' },
  'components.port': {
    kind: port,
    flag: '--component-port',
    env: 'PAMPERO_COMPONENT_PORT',
    description: 'XEP-0114 component port; 0 disables it.',
  },
  'components.maxQueuedStanzas': {
    kind: atLeast(1),
    description: 'Stanzas queued for one component before more are refused (resource-constraint).',
  },
  'components.iqTimeoutSeconds': {
    kind: { type: 'seconds' },
    description: 'Seconds the router waits for a delegated IQ answer (then remote-server-timeout).',
  },
  'http.host': { kind: text(), description: 'Address of the HTTP port.' },
  'http.port': {
    kind: port,
    flag: '--http-port',
    env: 'PAMPERO_HTTP_PORT',
    description: 'HTTP port: /metrics, /healthz, /readyz, WebSocket /xmpp-websocket, BOSH /http-bind, host-meta; 0 disables it.',
  },
  'http.tls': {
    kind: { type: 'boolean' },
    env: 'PAMPERO_HTTP_TLS',
    description: 'Serve HTTPS and wss:// on the HTTP port with the tls.* certificate.',
  },
  'http.publicUrl': {
    kind: text(true),
    description: 'Public base URL announced in host-meta (behind a proxy); empty: taken from the Host header.',
  },
  'http.seeOtherUri': {
    kind: text(true),
    description: 'Send WebSocket clients elsewhere (RFC 7395 see-other-uri); empty: serve them here.',
  },
  'roster.domain': {
    kind: { type: 'domain', allowEmpty: true },
    description: 'Domain of the roster component; empty: roster.<domain>.',
  },
  'roster.secret': {
    kind: text(true),
    description: 'Secret the roster component attaches with; empty: generated once into DATA_DIR/roster.secret.',
  },
  'roster.maxItems': { kind: atLeast(1), description: "Most items in one user's roster." },
  'offline.quota': {
    kind: atLeast(0),
    description: 'Most offline messages stored per user (XEP-0160); 0 stores none.',
  },
  'storage.backend': {
    kind: { type: 'enum', values: STORAGE_BACKENDS },
    description: 'Where accounts, rosters, offline messages and components live: embedded LMDB or ScyllaDB.',
  },
  'storage.scylla.contactPoints': {
    kind: { type: 'list' },
    description: 'ScyllaDB nodes to connect to first (host or host:port, comma-separated in the environment).',
  },
  'storage.scylla.localDataCenter': { kind: text(), description: 'ScyllaDB data center of this process (LOCAL_* consistency).' },
  'storage.scylla.keyspace': { kind: { type: 'cqlName' }, description: 'ScyllaDB keyspace holding the tables.' },
  'storage.scylla.username': { kind: text(true), description: 'ScyllaDB user; empty: no authentication.' },
  'storage.scylla.password': { kind: text(true), description: 'Password of storage.scylla.username.' },
  'storage.scylla.consistency': {
    kind: { type: 'enum', values: SCYLLA_CONSISTENCIES },
    description: 'Consistency level of reads and writes (conditional writes use the matching SERIAL level).',
  },
  'storage.scylla.createSchema': {
    kind: { type: 'boolean' },
    description: 'Create the keyspace and tables at start when missing (development).',
  },
  'log.level': {
    kind: { type: 'enum', values: LOG_LEVELS },
    flag: '--log-level',
    env: 'PAMPERO_LOG_LEVEL',
    description: 'Least severe log level written (pino levels; silent writes nothing).',
  },
};

export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

/** The generic environment name of a key: c2s.maxStanzaBytes → PAMPERO_C2S__MAX_STANZA_BYTES. */
export function genericEnvName(key: ConfigKey): string {
  const parts = key.split('.').map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase());
  return `PAMPERO_${parts.join('__')}`;
}
