// The tables both reports show, as data (header + rows), so Markdown and HTML say the same thing.
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { ANCHOR_NAME } from '../scenario-defaults.js';
import type { RunReport } from '../coordinator/run-scenario.js';
import type { StepResult } from '../stats/step-rule.js';

export interface Table {
  title: string;
  header: string[];
  rows: Array<Array<string | number | null>>;
}

const fmt = (v: number | null | undefined, unit = '') => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${v}${unit ? ' ' + unit : ''}`);

export function headlineTable(r: RunReport): Table {
  return { title: 'Result', header: ['figure', 'value', 'better'], rows: r.headline.map((h) => [h.name, fmt(h.value, h.unit), h.better]) };
}

export function parametersTable(r: RunReport): Table {
  const o = r.options;
  const t = o.target;
  const where = t.transport === 'tcp' ? `${t.host}:${t.port}${t.starttls ? ' (STARTTLS)' : ''}` : t.transport === 'websocket' ? t.websocketUrl : t.boshUrl;
  const rows: Table['rows'] = [
    ['scenario', `${o.scenario} (xmppbench ${ANCHOR_NAME[o.scenario]})`],
    ['transport', `${t.transport} → ${where}`],
    ['domain / users', `${t.domain}, ${t.userFormat} / ${t.passwordFormat} from ${t.firstIndex}`],
    ['clients', o.clients], ['logins in flight', o.concurrency], ['ramp-up', fmt(o.rampUpS, 's')],
    ['workers', o.workers], ['deadline', fmt(o.deadlineS, 's')],
  ];
  if (['chat', 'muc', 'pubsub'].includes(o.scenario)) {
    rows.push(['offered rates', o.rates.join(', ')], ['step duration / drain / pause', `${o.durationS} / ${o.drainS} / ${o.pauseS} s`],
      ['pass rule', `0 lost, p99 < ${o.p99LimitMs} ms, ≥ 97 % of offered sent${o.metricsUrl ? ', no archive entry dropped' : ''}, ${o.retries} retry`], ['stanza size', o.stanzaBytes ? `~${o.stanzaBytes} B` : 'unpadded'], ['tick', fmt(o.tickMs, 'ms')]);
  }
  if (o.scenario === 'muc') rows.push(['rooms × occupants, senders/room', `${o.rooms} × ${o.occupants}, ${o.senders || 'all'}`]);
  if (o.scenario === 'pubsub') rows.push(['subscribers', o.subscribers]);
  if (o.scenario === 'idle') rows.push(['session counts / settle', `${o.counts.join(', ')} / ${o.settleS} s`]);
  if (o.scenario === 'roster') rows.push(['samples / seed / expected items', `${o.samples} / ${o.seed} / ${o.expectItems}`]);
  return { title: 'Parameters', header: ['parameter', 'value'], rows };
}

export function stepsTable(r: RunReport): Table | null {
  const steps = r.result.steps as StepResult[] | undefined;
  if (!steps?.length) return null;
  return {
    title: 'Steps',
    header: ['offered/s', 'attempt', 'sent', 'received', 'lost', 'achieved send/s', 'delivered/s', 'p50 ms', 'p99 ms', 'max ms', 'pass'],
    rows: steps.map((s) => [s.offered_per_s, s.attempt, s.sent, s.received, s.lost, s.achieved_send_per_s, s.delivered_per_s,
      fmt(s.lat_ms_p50), fmt(s.lat_ms_p99), fmt(s.lat_ms_max), s.pass ? 'yes' : 'NO']),
  };
}

export function latencyTable(r: RunReport): Table {
  const h = LatencyHistogram.from(r.latency);
  const ms = (us: number) => fmt(Number.isNaN(us) ? null : Math.round(us) / 1000, 'ms');
  return {
    title: `Latency: ${r.latencyLabel}`,
    header: ['samples', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'],
    rows: [[h.count, ms(h.min()), ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max()), ms(h.mean())]],
  };
}

export function resourcesTable(r: RunReport): Table {
  const rss = r.timeline.map((p) => p.serverRssMiB).filter((v): v is number => v !== null);
  return {
    title: 'CPU and memory',
    header: ['what', 'value'],
    rows: [
      ['wall time', fmt(r.cpu.wall, 's')],
      ['server CPU (pids ' + (r.server.pids.join(', ') || 'none given') + ')', fmt(r.cpu.server, 's')],
      ['server RSS peak', rss.length ? fmt(Math.max(...rss), 'MiB') : '– (no --server-pid)'],
      [`generator CPU (${r.generator.processes} process(es), ${r.generator.workers} worker(s))`, fmt(r.cpu.driver, 's')],
      ['generator peak, one process', `${r.generator.peakCorePct} % of a core`],
      ['foreign CPU (anything else on the machine)', fmt(r.cpu.foreign, 's')],
    ],
  };
}

export function environmentTable(r: RunReport): Table {
  const e = r.environment;
  const s = r.server;
  const serverVersion = s.name ? `${s.name} ${s.version ?? ''}` : `unknown${s.error ? ` (${s.error})` : ''}`;
  return {
    title: 'Environment',
    header: ['what', 'value'],
    rows: [
      ['date', e.date], ['server (XEP-0092)', serverVersion], ['server disco#items', s.items.join(', ') || 'none'],
      ...(s.nodeVersion ? [['server Node (from /metrics)', s.nodeVersion] as [string, string]] : []),
      ['generator', `${e.tool}, Node ${e.node}`], ['machine', `${e.machine.nproc} CPUs, ${e.machine.cpu}, ${e.machine.memGiB} GiB`],
      ['kernel / OS', `${e.machine.kernel} / ${e.machine.os}`],
    ],
  };
}

export function metricsTable(r: RunReport): Table | null {
  if (!r.metrics) return null;
  return {
    title: `Server /metrics: what changed during the run (${r.options.metricsUrl})`,
    header: ['metric', 'before', 'after', 'Δ'],
    rows: r.metrics.changed.map((m) => [m.name, fmt(m.before), m.after, fmt(m.delta === null ? null : Math.round(m.delta * 1000) / 1000)]),
  };
}

export function allTables(r: RunReport): Table[] {
  return [headlineTable(r), stepsTable(r), latencyTable(r), resourcesTable(r), parametersTable(r), environmentTable(r), metricsTable(r)]
    .filter((t): t is Table => t !== null);
}
