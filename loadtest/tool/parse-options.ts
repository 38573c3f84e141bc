// Commander's raw values → LoadtestOptions, with the per-scenario defaults filled in.
import { buildCommand, type LoadtestOptions } from './options.js';
import { DEFAULTS } from './scenario-defaults.js';
import { assertAllowedTarget } from './target.js';
import type { TransportKind } from './client/transport.js';
import type { SaslChoice } from './client/sasl-auth.js';
import type { ScenarioName } from './worker/worker-protocol.js';

type Raw = Record<string, unknown>;

export function optionsFrom(raw: Raw): LoadtestOptions {
  const scenario = raw.scenario as ScenarioName;
  const d = DEFAULTS[scenario];
  const fanout = scenario === 'muc' || scenario === 'pubsub';
  const clients = (raw.clients as number | undefined) ?? d.clients;
  const rates = raw.rate !== undefined ? [raw.rate as number] : (raw.rates as number[] | undefined) ?? d.rates.split(',').filter(Boolean).map(Number);
  if (rates.some((r) => r <= 0)) throw new Error('rates must be > 0');
  const counts = (raw.counts as number[] | undefined) ?? (raw.clients !== undefined ? [0, Math.floor(clients / 2), clients] : [0, 5000, 10000]);
  const domain = raw.domain as string;
  const options: LoadtestOptions = {
    scenario,
    target: {
      transport: raw.transport as TransportKind,
      host: raw.host as string,
      port: raw.port as number,
      ...(raw.ports ? { ports: raw.ports as number[] } : {}),
      starttls: raw.starttls as boolean,
      websocketUrl: raw.wsUrl as string,
      boshUrl: raw.boshUrl as string,
      domain,
      userFormat: (raw.userFmt as string | undefined) ?? d.userFormat,
      passwordFormat: raw.password as string,
      firstIndex: raw.first as number,
      resource: raw.resource as string,
      timeoutMs: (raw.timeout as number) * 1000,
      sasl: raw.sasl as SaslChoice,
    },
    allowRemote: raw.allowRemote as boolean,
    clients,
    concurrency: (raw.concurrency as number | undefined) ?? d.concurrency,
    rampUpS: raw.rampUp as number,
    warmUpPasses: raw.warmUp as number | undefined,
    rates,
    durationS: (raw.duration as number | undefined) ?? d.durationS,
    drainS: raw.drain as number,
    pauseS: raw.pause as number,
    tickMs: raw.tickMs as number,
    p99LimitMs: (raw.p99Ms as number | undefined) ?? d.p99LimitMs,
    retries: raw.retries as number,
    stanzaBytes: raw.size as number,
    counts,
    settleS: (raw.settle as number | undefined) ?? (scenario === 'idle' ? 10 : scenario === 'muc' ? 2 : 1),
    samples: raw.samples as number,
    seed: raw.seed as number,
    expectItems: raw.expect as number,
    rooms: raw.rooms as number,
    occupants: raw.occupants as number,
    senders: raw.senders as number,
    subscribers: (raw.subscribers as number | undefined) ?? (scenario === 'pubsub' ? clients : 500),
    mucHost: (raw.mucHost as string | undefined) ?? `conference.${domain}`,
    pubsubHost: (raw.pubsubHost as string | undefined) ?? `pubsub.${domain}`,
    workers: raw.workers as number,
    serverPids: raw.serverPid as number[],
    metricsUrl: raw.metricsUrl as string | undefined,
    deadlineS: raw.deadline as number,
    outDir: raw.out as string | undefined,
    jsonOut: raw.jsonOut as string | undefined,
    label: raw.label as string,
    quiet: raw.quiet as boolean,
    noEcho: raw.echo === false,
    provision: raw.provision as LoadtestOptions['provision'],
    provisionCount: raw.provisionCount as number | undefined,
    compare: (raw.compare as LoadtestOptions['compare'] | undefined) ?? [],
    serverCpu: raw.serverCpu as number,
    generatorCpu: raw.generatorCpu as number | undefined,
    pamperoData: raw.pamperoData as string,
    pamperoIterations: raw.pamperoIterations as number,
    abuseModes: (raw.abuse as LoadtestOptions['abuseModes'] | undefined) ?? [],
    floodLogins: raw.floodLogins as number,
    floodFrom: raw.floodFrom as string,
    archiveModes: (raw.archive as LoadtestOptions['archiveModes'] | undefined) ?? [],
    rounds: raw.rounds as number,
    carbons: raw.carbons as boolean,
  };
  if (options.abuseModes.length > 0 && options.compare.length > 0) throw new Error('--abuse and --compare are separate runs; give one of them');
  if (options.archiveModes.length > 0 && (options.compare.length > 0 || options.abuseModes.length > 0)) throw new Error('--archive, --abuse and --compare are separate runs; give one of them');
  if (options.archiveModes.length > 0 && scenario !== 'chat') throw new Error('--archive measures the chat scenario (-s chat)');
  if (options.rounds > 1 && options.archiveModes.length === 0) throw new Error('--rounds repeats the modes of --archive; give --archive too');
  if (options.archiveModes.length > 0 && options.carbons) throw new Error('--archive sets carbons per mode; leave out --carbons');
  if (scenario === 'roster' && options.samples > options.clients) throw new Error('--samples must not exceed --clients (the population)');
  if (fanout && options.durationS <= 0) throw new Error('--duration must be > 0');
  if (scenario === 'chat' && clients < 2) throw new Error('chat needs at least 2 clients');
  if (options.metricsUrl) assertLoopbackUrl(options.metricsUrl, options.allowRemote);
  assertAllowedTarget(options.target, options.allowRemote);
  return options;
}

function assertLoopbackUrl(url: string, allowRemote: boolean): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!allowRemote && !(host === 'localhost' || host.startsWith('127.') || host === '::1')) {
    throw new Error(`refusing ${url}: not loopback (--allow-remote)`);
  }
}

/** Parses argv (without node and the script) into options; throws on a mistake. */
export function parseOptions(argv: string[]): LoadtestOptions {
  const command = buildCommand().exitOverride().configureOutput({ writeErr: () => {} });
  command.parse(argv, { from: 'user' });
  return optionsFrom(command.opts());
}
