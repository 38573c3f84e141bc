// The command line: every option, its default (the anchors' runs, scenario-defaults.ts) and its
// checks, turned into one typed LoadtestOptions. Invalid input fails here, before any socket opens.
import { Command, Option } from 'commander';
import { DEFAULTS, SCENARIOS } from './scenario-defaults.js';
import type { Target } from './target.js';
import type { TransportKind } from './client/transport.js';
import { SASL_CHOICES } from './client/sasl-auth.js';
import type { ScenarioName } from './worker/worker-protocol.js';

export type ServerName = 'pampero' | 'prosody' | 'ejabberd';
export const SERVERS: ServerName[] = ['pampero', 'prosody', 'ejabberd'];

export interface LoadtestOptions {
  scenario: ScenarioName;
  target: Target;
  allowRemote: boolean;
  clients: number;
  concurrency: number;
  rampUpS: number;
  /** login: untimed full logins of every user before the timed pass (undefined: 2 with scram-sha-1, else 0). */
  warmUpPasses: number | undefined;
  rates: number[];
  durationS: number;
  drainS: number;
  pauseS: number;
  tickMs: number;
  p99LimitMs: number;
  retries: number;
  stanzaBytes: number;
  counts: number[];
  settleS: number;
  samples: number;
  seed: number;
  expectItems: number;
  rooms: number;
  occupants: number;
  senders: number;
  subscribers: number;
  mucHost: string;
  pubsubHost: string;
  workers: number;
  serverPids: number[];
  metricsUrl: string | undefined;
  deadlineS: number;
  outDir: string | undefined;
  jsonOut: string | undefined;
  label: string;
  quiet: boolean;
  noEcho: boolean;
  provision: ServerName | undefined;
  provisionCount: number | undefined;
  compare: ServerName[];
  serverCpu: number;
  generatorCpu: number | undefined;
  pamperoData: string;
  pamperoIterations: number;
  /** Start Pampero once per mode and run against each (servers/abuse-modes.ts); empty: no. */
  abuseModes: AbuseMode[];
  /** Failed logins per second flooding the c2s port meanwhile (flood/login-flood.ts); 0: none. */
  floodLogins: number;
  /** Source address of the flood (a loopback alias, e.g. 127.0.0.2). */
  floodFrom: string;
  /** Start Pampero once per mode, archive and carbons off/on, and run against each (servers/archive-modes.ts); empty: no. */
  archiveModes: ArchiveMode[];
  /** --archive: passes over the mode list (off, on, off, on, …); the table adds the medians. */
  rounds: number;
  /** Every client enables Message Carbons (XEP-0280) after binding, waiting for the result. */
  carbons: boolean;
}

/** off: abuse control off; on: on, every rule with a budget nobody meets; default: the default policy, the generator's 127.0.0.1 allow-listed. */
export type AbuseMode = 'off' | 'on' | 'default';
export const ABUSE_MODES: AbuseMode[] = ['off', 'on', 'default'];

/** off: archive.enabled false, clients without carbons; on: archive.enabled, every client enables carbons. */
export type ArchiveMode = 'off' | 'on';
export const ARCHIVE_MODES: ArchiveMode[] = ['off', 'on'];

const int = (name: string, min: number) => (v: string) => {
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw new Error(`${name} must be an integer ≥ ${min}, got '${v}'`);
  return Number(v);
};
const num = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got '${v}'`);
  return n;
};
const intList = (name: string) => (v: string) => v.split(',').map((x) => int(name, 0)(x.trim()));
const collect = (v: string, prev: number[] = []) => [...prev, int('--server-pid', 1)(v)];
const abuseList = (v: string) => v.split(',').map((s) => {
  if (!ABUSE_MODES.includes(s.trim() as AbuseMode)) throw new Error(`--abuse takes ${ABUSE_MODES.join(', ')}, got '${s}'`);
  return s.trim() as AbuseMode;
});
const archiveList = (v: string) => v.split(',').map((s) => {
  if (!ARCHIVE_MODES.includes(s.trim() as ArchiveMode)) throw new Error(`--archive takes ${ARCHIVE_MODES.join(', ')}, got '${s}'`);
  return s.trim() as ArchiveMode;
});
const serverList = (v: string) => v.split(',').map((s) => {
  if (!SERVERS.includes(s as ServerName) || s === 'pampero') throw new Error(`--compare takes prosody and/or ejabberd, got '${s}'`);
  return s as ServerName;
});

export function buildCommand(): Command {
  return new Command('pampero-loadtest')
    .description('Load test for XMPP servers: the xmppbench scenarios S1–S7 over TCP, WebSocket or BOSH')
    .addOption(new Option('-s, --scenario <name>', 'what to measure').choices(SCENARIOS).default('chat'))
    .addOption(new Option('-t, --transport <kind>', 'tcp (RFC 6120), websocket (RFC 7395), bosh (XEP-0206)').choices(['tcp', 'websocket', 'bosh']).default('tcp'))
    .option('--host <host>', 'c2s host', '127.0.0.1')
    .option('--port <port>', 'c2s port', int('--port', 1), 5222)
    .option('--ports <list>', 'tcp: spread clients over these c2s ports (the gateways of a fleet); client i uses port i mod n, so chat partners are always on different gateways', intList('--ports'))
    .option('--starttls', 'negotiate STARTTLS before SASL (tcp)', false)
    .addOption(new Option('--sasl <mechanism>', 'SASL mechanism of every login: plain (xmppbench\'s, the default) or scram-sha-1 (RFC 5802, ' +
      'no channel binding, server signature checked; the client caches its keys per password, salt and iterations as real clients do, ' +
      'so with -s login every user is first logged in untimed (--warm-up), then disconnected: that warm-up fills the cache so the timed ' +
      'logins cost the generator no PBKDF2; with --compare the reference servers run with SCRAM-stored accounts)').choices(SASL_CHOICES).default('plain'))
    .option('--ws-url <url>', 'WebSocket endpoint', 'ws://127.0.0.1:5280/xmpp-websocket')
    .option('--bosh-url <url>', 'BOSH endpoint', 'http://127.0.0.1:5280/http-bind')
    .option('--domain <domain>', 'XMPP domain', 'bench.local')
    .option('--user-fmt <pattern>', 'user names, %d = number (default load%d; roster: rost%d)')
    .option('--password <pattern>', 'passwords, %d = number', 'pass%d')
    .option('--first <n>', 'number of the first user', int('--first', 0), 1)
    .option('--resource <r>', 'resource bound by every client', 'bench')
    .option('--timeout <s>', 'per protocol step', num('--timeout', 0.1), 30)
    .option('--allow-remote', 'allow a target outside 127.0.0.0/8 and ::1', false)
    .option('-c, --clients <n>', 'users (login, chat), population (roster), top of --counts (idle), subscribers (pubsub)', int('--clients', 1))
    .option('--concurrency <n>', 'logins (and roster gets) in flight', int('--concurrency', 1))
    .option('--warm-up <passes>', 'login: before the timed pass, log every user in this many times untimed, exactly as timed ' +
      '(presence included), then disconnect; every server gets the same (default: 2 with --sasl scram-sha-1, else 0)', int('--warm-up', 0))
    .option('--ramp-up <s>', 'spread the logins over this many seconds (0: as fast as --concurrency allows)', num('--ramp-up', 0), 0)
    .option('--rate <n>', 'one step at this offered rate (messages/s)', num('--rate', 0.1))
    .option('--rates <list>', 'step-up of offered rates, to find the saturation point', intList('--rates'))
    .option('-d, --duration <s>', 'seconds per step', num('--duration', 0.1))
    .option('--drain <s>', 'wait for stragglers after each step', num('--drain', 0), 3)
    .option('--pause <s>', 'pause between steps', num('--pause', 0), 1)
    .option('--tick-ms <ms>', 'send scheduler tick', num('--tick-ms', 1), 5)
    .option('--p99-ms <ms>', 'a step passes below this p99 (default 100, muc/pubsub 200)', num('--p99-ms', 0.001))
    .option('--retries <n>', 're-run a failing step this many times', int('--retries', 0), 1)
    .option('--size <bytes>', 'pad each measured stanza to about this size (0: unpadded, as xmppbench)', int('--size', 0), 0)
    .option('--counts <list>', 'idle: sessions at each reading', intList('--counts'))
    .option('--settle <s>', 'idle: wait before each reading (10); muc/pubsub: after joins (2/1)', num('--settle', 0))
    .option('--samples <n>', 'roster: users measured', int('--samples', 1), 1000)
    .option('--seed <n>', 'roster: sample seed', int('--seed', 0), 1)
    .option('--expect <n>', 'roster: items each roster should have (-1: any)', int('--expect', -1), 20)
    .option('--rooms <n>', 'muc: rooms', int('--rooms', 1), 1)
    .option('--occupants <n>', 'muc: occupants per room', int('--occupants', 1), 500)
    .option('--senders <n>', 'muc: senders per room, 0 = all occupants', int('--senders', 0), 10)
    .option('--subscribers <n>', 'pubsub: subscribers', int('--subscribers', 1))
    .option('--muc-host <jid>', 'muc service (default conference.DOMAIN)')
    .option('--pubsub-host <jid>', 'pubsub service (default pubsub.DOMAIN)')
    .option('--no-echo', 'do not wait for the reflected initial presence at login')
    .option('-w, --workers <n>', 'generator processes; users and rate are split between them', int('--workers', 1), 1)
    .option('--server-pid <pid>', 'server PID for RSS/CPU from /proc (repeatable)', collect, [])
    .option('--metrics-url <url>', "Pampero's Prometheus /metrics, scraped before and after")
    .option('--deadline <s>', 'hard limit for the whole run', num('--deadline', 1), 900)
    .option('-o, --out <dir>', 'report directory (default /tmp/pampero-loadtest/<date>-<time>)')
    .option('--json-out <file>', 'append the result as one JSON line (xmppbench keys)')
    .option('--label <text>', 'label in reports and JSON', '')
    .option('-q, --quiet', 'no per-second progress lines', false)
    .addOption(new Option('--provision <server>', 'create the scenario\'s accounts on this server with its own bulk path, then exit').choices(SERVERS))
    .option('--provision-count <n>', 'accounts to provision (default: what the scenario needs)', int('--provision-count', 1))
    .option('--compare <servers>', 'run against Pampero, then these (prosody,ejabberd), same generator; needs root', serverList)
    .option('--server-cpu <n>', 'compare: CPU the servers are pinned to', int('--server-cpu', 0), 0)
    .option('--generator-cpu <n>', 'pin the generator to this CPU (compare: default 1)', int('--generator-cpu', 0))
    .option('--pampero-data <dir>', "compare/provision: Pampero's data directory", '/tmp/pampero-bench/pampero')
    .option('--pampero-iterations <n>', 'SCRAM iterations of provisioned Pampero accounts', int('--pampero-iterations', 1), 4096)
    .option('--abuse <modes>', 'start Pampero once per mode and run against each: off (abuse control off), on (every limit on, budgets nobody meets), ' +
      'default (the default policy, 127.0.0.1 allow-listed); with off in the list prints the cost of abuse control in % (e.g. --abuse off,on)', abuseList)
    .option('--flood-logins <per-s>', 'meanwhile flood the c2s port with failed logins at this rate from --flood-from (a separate process); ' +
      'with -s login the login figures are the legitimate users\' (e.g. -s login --abuse default --flood-logins 5000)', num('--flood-logins', 0), 0)
    .option('--flood-from <address>', 'source address of the login flood (a loopback alias)', '127.0.0.2')
    .option('--archive <modes>', 'chat: start Pampero once per mode and run against each: off (message archive off, clients without carbons), ' +
      'on (archive on, every client enables carbons after binding); with off in the list prints the cost in % (e.g. -s chat --archive off,on)', archiveList)
    .option('--rounds <n>', '--archive: run the mode list this many times, alternating (off, on, off, on, …), each run on a fresh copy of the ' +
      'provisioned data directory; prints every round and the medians (for a machine whose speed drifts)', int('--rounds', 1), 1)
    .option('--carbons', 'every client enables Message Carbons (XEP-0280) after binding', false);
}
