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
  'c2s.seeOtherHost': {
    kind: text(true),
    description: 'Where a draining gateway sends its clients (RFC 6120 see-other-host, host:port); empty: system-shutdown.',
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
  'c2s.maxLoginsInProgress': {
    kind: atLeast(1),
    description: 'Logins checking a password (SASL past its first step: account lookup, PBKDF2) at once on this node; more wait their turn.',
  },
  'c2s.maxLoginsWaiting': {
    kind: atLeast(0),
    description: 'Logins waiting for a slot; beyond (or after waiting a third of c2s.authTimeoutSeconds) <failure><temporary-auth-failure/>.',
  },
  'c2s.maxPasswordHashes': {
    kind: atLeast(0),
    description: 'PBKDF2 derivations of PLAIN passwords at once on this node, each on a worker thread at the lowest CPU priority (SCHED_IDLE, else nice 19) so the sessions go first; 0: the CPUs less one, at least one.',
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
  'components.bundledLink': {
    kind: { type: 'enum', values: ['in-process', 'socket'] },
    description: 'How the all-in-one attaches its bundled roster, MUC and PubSub components: in-process (no socket, the default) or a loopback XEP-0114 socket. A node of a fleet (cluster.redisUrl set) always uses the socket.',
  },
  'components.stallSeconds': {
    kind: { type: 'seconds' },
    description: 'Seconds a component link may not write, or owe an IQ answer while silent, before it is cut (connection-timeout).',
  },
  'component.service': {
    kind: text(),
    flag: '--component-service',
    env: 'PAMPERO_COMPONENT_SERVICE',
    description: "Roles muc, pubsub, roster: the router's XEP-0114 port to attach to, as xmpp://host:port; several comma-separated: the next one is used when the current router goes away.",
  },
  'component.domain': {
    kind: { type: 'domain', allowEmpty: true },
    flag: '--component-domain',
    env: 'PAMPERO_COMPONENT_DOMAIN',
    description: 'Roles muc, pubsub, roster: the domain served; empty: conference.<domain>, pubsub.<domain>, roster.domain.',
  },
  'component.secret': {
    kind: text(true),
    flag: '--component-secret',
    env: 'PAMPERO_COMPONENT_SECRET',
    description: "Roles muc, pubsub, roster: the component's secret; empty: the data directory's roster.secret.",
  },
  's2s.enabled': {
    kind: { type: 'boolean' },
    flag: '--s2s',
    env: 'PAMPERO_S2S_ENABLED',
    description: 'Federation: route stanzas for other domains to their servers (RFC 6120 s2s, XEP-0220 dialback) and accept their streams; off by default.',
  },
  's2s.host': { kind: text(), description: 'Address the server-to-server port listens on.' },
  's2s.port': {
    kind: port,
    flag: '--s2s-port',
    env: 'PAMPERO_S2S_PORT',
    description: 'Server-to-server port (jabber:server, 5269); 0: outbound only (remote servers then cannot verify our dialback keys).',
  },
  's2s.allowPlainFromLoopback': {
    kind: { type: 'boolean' },
    description: 'Let servers on 127.0.0.0/8 and ::1 skip STARTTLS on s2s streams (tests).',
  },
  's2s.verifyCertificates': {
    kind: { type: 'boolean' },
    description: "Check remote servers' certificates on outbound STARTTLS; off: dialback alone authenticates them.",
  },
  's2s.caFile': {
    kind: { type: 'path', allowEmpty: true },
    description: "PEM bundle of the CAs trusted for remote servers' certificates on inbound streams (SASL EXTERNAL, RFC 6120 §13.7.1.2.1); empty: Node's root CAs.",
  },
  's2s.dialbackSecret': {
    kind: text(true),
    env: 'PAMPERO_S2S_DIALBACK_SECRET',
    description: 'Secret of the XEP-0185 dialback keys; every node of a fleet needs the same one. Empty: random per process.',
  },
  's2s.routes': {
    kind: { type: 'list' },
    env: 'PAMPERO_S2S_ROUTES',
    description: 'Static routes domain=host:port, used instead of the _xmpp-server._tcp SRV records of those domains.',
  },
  's2s.connectTimeoutSeconds': {
    kind: { type: 'seconds' },
    description: 'Seconds to reach a remote server and get our dialback key accepted; past it queued stanzas bounce (remote-server-timeout).',
  },
  's2s.idleSeconds': { kind: { type: 'seconds' }, description: 'Seconds without traffic before an s2s stream is closed.' },
  's2s.maxQueuedStanzas': {
    kind: atLeast(1),
    description: 'Stanzas waiting for one remote domain (stream being set up or not writable); beyond, resource-constraint.',
  },
  's2s.maxRemoteDomains': {
    kind: atLeast(1),
    description: 'Remote domains with an outbound stream at once; a stanza for one more bounces (resource-constraint).',
  },
  's2s.maxInboundConnections': { kind: atLeast(1), description: 'Inbound s2s connections at once; more are refused.' },
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
  'http.websocketIdleSeconds': {
    kind: atLeast(8),
    description: 'Seconds of WebSocket silence before the server pings the client, and again before it drops it (uWS rounds to 4 s).',
  },
  'http.boshMaxWaitSeconds': { kind: atLeast(1), description: 'Longest BOSH wait granted (XEP-0124 wait), seconds.' },
  'http.boshInactivitySeconds': {
    kind: atLeast(1),
    description: 'Seconds without a BOSH request before the session ends (XEP-0124 inactivity).',
  },
  'http.boshMaxPauseSeconds': {
    kind: atLeast(0),
    description: 'Longest BOSH pause a client may ask for (XEP-0124 maxpause), seconds; 0: no pausing.',
  },
  'http.boshPollingSeconds': {
    kind: atLeast(0),
    description: 'Shortest interval between two empty BOSH requests (XEP-0124 polling), seconds.',
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
  'roster.prefetch': { kind: { type: 'boolean' }, description: "Fetch a user's roster from the roster component when their first session binds, so the client's first roster get is answered by the router." },
  'offline.quota': {
    kind: atLeast(0),
    description: 'Most offline messages stored per user (XEP-0160); 0 stores none.',
  },
  'contactAddresses.abuse': {
    kind: { type: 'list' },
    description: 'XEP-0157 abuse-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'contactAddresses.admin': {
    kind: { type: 'list' },
    description: 'XEP-0157 admin-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'contactAddresses.feedback': {
    kind: { type: 'list' },
    description: 'XEP-0157 feedback-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'contactAddresses.sales': {
    kind: { type: 'list' },
    description: 'XEP-0157 sales-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'contactAddresses.security': {
    kind: { type: 'list' },
    description: 'XEP-0157 security-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'contactAddresses.status': {
    kind: { type: 'list' },
    description: 'XEP-0157 status-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'contactAddresses.support': {
    kind: { type: 'list' },
    description: 'XEP-0157 support-addresses of the service (URIs: mailto:, xmpp:, https:); empty: not shown.',
  },
  'sm.enabled': { kind: { type: 'boolean' }, description: 'Offer XEP-0198 stream management (acks and resumption) on TCP/TLS and WebSocket.' },
  'sm.resumeTimeoutSeconds': {
    kind: { type: 'integer', min: 0 },
    description: 'Seconds a session whose connection dropped waits to be resumed; 0: no resumption.',
  },
  'sm.maxUnackedStanzas': {
    kind: atLeast(1),
    description: 'Stanzas sent to a client and not acknowledged, at most; beyond it the session ends (resource-constraint).',
  },
  'sm.ackRequestStanzas': { kind: atLeast(1), description: 'The server asks for an ack after this many stanzas sent.' },
  'sm.ackRequestSeconds': { kind: { type: 'seconds' }, description: '…or this many seconds after the first stanza not yet covered by a request.' },
  'sm.maxHibernatedSessions': {
    kind: atLeast(0),
    description: 'Sessions waiting for resumption on one gateway, at most.',
  },
  'csi.maxHeldStanzas': {
    kind: atLeast(1),
    description: 'Presence updates held for an inactive client (XEP-0352), at most; beyond it they are sent.',
  },
  'sasl2.enabled': {
    kind: { type: 'boolean' },
    description: 'Offer XEP-0388 SASL2 with Bind 2 (XEP-0386) and FAST tokens (XEP-0484) beside RFC 6120 SASL.',
  },
  'sasl2.fastTokenDays': { kind: atLeast(1), description: 'Days a FAST token stays valid; a login with a token past half of it gets a new one.' },
  'sasl2.maxFastClients': { kind: atLeast(1), description: 'Clients (SASL2 user-agent ids) one account keeps FAST tokens for, at most.' },
  'push.enabled': {
    kind: { type: 'boolean' },
    description: 'Let clients enable XEP-0357 push notifications to their app servers (advertised on accounts only when on).',
  },
  'push.includeBody': {
    kind: { type: 'boolean' },
    description: "Put the message text into notifications (last-message-body); off by default, as the app server is a third party.",
  },
  'push.includeSender': { kind: { type: 'boolean' }, description: "Put the sender's JID into notifications (last-message-sender)." },
  'push.maxRegistrationsPerAccount': {
    kind: atLeast(1),
    description: 'Push registrations one account keeps, at most; enabling one more drops the oldest.',
  },
  'push.minIntervalSeconds': {
    kind: atLeast(0),
    description: 'Least seconds between two notifications to one registration; messages meanwhile go as one (message-count).',
  },
  'push.maxTracked': {
    kind: atLeast(1),
    description: 'Registrations with a notification in flight or waiting, per router, at most; beyond it notifications are dropped.',
  },
  'archive.enabled': {
    kind: { type: 'boolean' },
    env: 'PAMPERO_ARCHIVE_ENABLED',
    description: 'Archive one-to-one messages and answer Message Archive Management queries (XEP-0313).',
  },
  'archive.retentionDays': { kind: atLeast(0), description: 'Days archived messages are kept; 0 keeps them forever.' },
  'archive.maxQueueBytes': {
    kind: atLeast(1024),
    description: 'XML bytes of archive entries waiting to be written, at most; beyond it new entries are dropped and counted.',
  },
  'archive.maxQueue': {
    kind: atLeast(1),
    description: 'Archive entries waiting to be written, at most; beyond it they are dropped and counted.',
  },
  'archive.maxPageSize': { kind: atLeast(1), description: 'Most messages one MAM query page returns.' },
  'archive.purgeIntervalSeconds': { kind: { type: 'seconds' }, description: 'Seconds between two retention runs.' },
  'archive.purgeBatch': { kind: atLeast(1), description: 'Archived messages one retention run removes, at most.' },
  'archive.fullTextSearch': {
    kind: { type: 'boolean' },
    description: 'Full-text search in MAM queries (XEP-0431 fulltext field): the embedded scan, or Elasticsearch when archive.elasticsearchUrl is set.',
  },
  'archive.searchScanLimit': {
    kind: atLeast(1),
    description: 'Messages one embedded full-text search reads at most; a search that finds nothing within them is refused (policy-violation).',
  },
  'archive.elasticsearchUrl': {
    kind: text(true),
    description: 'Elasticsearch that indexes archived messages for full-text search; empty: the embedded scan of the archive.',
  },
  'upload.enabled': { kind: { type: 'boolean' }, description: 'Offer XEP-0363 HTTP File Upload on upload.DOMAIN through the HTTP port.' },
  'upload.maxFileBytes': { kind: atLeast(1), description: 'Largest file one slot takes, in bytes (advertised as max-file-size).' },
  'upload.quotaBytes': { kind: atLeast(1), description: 'Bytes of files one user may keep stored.' },
  'upload.expiryDays': { kind: atLeast(0), description: 'Days an uploaded file is served before it is removed; 0 keeps files forever.' },
  'upload.publicUrl': {
    kind: text(true),
    description: 'Base URL of upload slots (behind a proxy); empty: http.publicUrl, else http(s)://DOMAIN:PORT.',
  },
  'storage.backend': {
    kind: { type: 'enum', values: STORAGE_BACKENDS },
    description: 'Where accounts, rosters, offline messages and components live: embedded LMDB or ScyllaDB.',
  },
  'storage.timeoutMs': { kind: atLeast(1), description: 'Deadline of one storage operation in ms, waiting for a slot included; past it the caller gets an error (remote-server-timeout, temporary-auth-failure).' },
  'storage.maxConcurrent': { kind: atLeast(1), description: 'Operations of one store (accounts, rosters, …) running at once.' },
  'storage.maxQueued': { kind: atLeast(0), description: 'Operations of one store waiting for a slot; one more is refused at once (resource-constraint).' },
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
  'muc.defaultMaxUsers': { kind: atLeast(1), description: 'Most occupants of a new room (muc#roomconfig_maxusers) until its owner changes it.' },
  'muc.multicast': {
    kind: { type: 'boolean' },
    description: "Send each groupchat message once, with the occupants' addresses, through the server's XEP-0033 multicast; set false when the MUC role attaches to a server without it.",
  },
  'muc.messageRate': { kind: atLeast(1), description: 'Messages one user may send to one room per second, sustained; beyond it policy-violation.' },
  'muc.messageBurst': { kind: atLeast(1), description: 'Messages one user may send to one room at once before muc.messageRate applies.' },
  'muc.joinsPerMinute': { kind: atLeast(0), description: 'Rooms one user may enter per minute, over the service; beyond it policy-violation (0: no limit).' },
  'muc.joinBurst': { kind: atLeast(1), description: 'Rooms one user may enter at once (autojoin at login) before muc.joinsPerMinute applies.' },
  'pubsub.publishesPerMinute': { kind: atLeast(0), description: 'Items one user may publish per minute over every node, PEP included; beyond it policy-violation (0: no limit).' },
  'pubsub.multicast': {
    kind: { type: 'boolean' },
    description: "Send each notification of a pubsub.DOMAIN node once, with the subscribers' addresses, through the server's XEP-0033 multicast; set false when the PubSub role attaches to a server without it.",
  },
  'pubsub.publishBurst': { kind: atLeast(1), description: 'Items one user may publish at once before pubsub.publishesPerMinute applies.' },
  'muc.maxUsersLimit': { kind: atLeast(1), description: 'Highest muc#roomconfig_maxusers a room owner may set.' },
  'cluster.redisUrl': {
    kind: text(true),
    flag: '--redis',
    env: 'PAMPERO_REDIS',
    description: "The fleet's Redis (redis://host:port or rediss:// for TLS); empty: this node runs on its own.",
  },
  'cluster.nodeId': { kind: text(true), description: 'Name of this node in the cluster view; empty: ROLE-HOSTNAME-PID.' },
  'cluster.maxInboxEntries': {
    kind: atLeast(1),
    description: "Entries one node's inbox on the Redis bus holds (unacknowledged included) before senders get resource-constraint.",
  },
  'cluster.heartbeatSeconds': {
    kind: { type: 'seconds' },
    description: 'Seconds between heartbeats to Redis; a node silent for three of them is shown as down.',
  },
  'admin.host': { kind: text(), description: 'Address of the admin API and console; keep it on loopback (or behind a TLS proxy).' },
  'admin.port': {
    kind: port,
    env: 'PAMPERO_ADMIN_PORT',
    description: 'Port of the admin API (/admin/api/…) and web console (/admin/); 0 disables them.',
  },
  'admin.token': {
    kind: text(true),
    env: 'PAMPERO_ADMIN_TOKEN',
    description: 'Bearer token of the admin API and console; empty disables them.',
  },
  'abuse.enabled': {
    kind: { type: 'boolean' },
    description: 'Apply the abuse-control policy (connection, login and stanza limits) at the gateway.',
  },
  'abuse.elasticsearchUrl': {
    kind: text(true),
    description: 'Elasticsearch of the incident store (spam reports, abuse events); empty: embedded in the data directory.',
  },
  'registration.mode': {
    kind: { type: 'enum', values: ['off', 'open', 'captcha', 'admin-only'] },
    description: 'XEP-0077 in-band registration: off, open, captcha (XEP-0158) or admin-only (admin API and CLI only).',
  },
  'registration.captcha': {
    kind: { type: 'enum', values: ['ocr', 'qa', 'both'] },
    description: 'The CAPTCHA of captcha mode: ocr (an image), qa (a text question) or both (either answers).',
  },
  'registration.challengeSeconds': { kind: { type: 'seconds' }, description: 'Seconds a CAPTCHA challenge stays answerable.' },
  'registration.maxChallenges': {
    kind: atLeast(1),
    description: 'CAPTCHA challenges waiting for an answer on one gateway, at most (then resource-constraint).',
  },
  'healthSnapshots.intervalSeconds': {
    kind: atLeast(0),
    description: "Seconds between two health snapshots of this node (the heartbeat's facts) written to the snapshot store; 0: none.",
  },
  'healthSnapshots.elasticsearchUrl': {
    kind: text(true),
    description: 'Elasticsearch the health snapshots go to (one index a day); empty: embedded in the data directory.',
  },
  'healthSnapshots.retentionHours': {
    kind: atLeast(1),
    description: 'Hours the embedded store keeps health snapshots.',
  },
  'memory.idleGc': {
    kind: { type: 'boolean' },
    description: 'One full garbage collection when the event loop has been quiet (under 10 % busy) for 3 s after the heap or the young generation grew, a second 5.2 s later if V8 kept the young generation: returns the garbage of a login burst, and the young generation it grew, instead of keeping them in RSS.',
  },
  'memory.idleGcMinGrowthMb': { kind: atLeast(1), description: 'Heap growth (MiB) since the last full collection that makes an idle one worth doing.' },
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
