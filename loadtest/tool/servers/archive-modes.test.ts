import { archiveMarkdown, type ArchiveOutcome } from './archive-modes.js';
import { parseOptions } from '../parse-options.js';
import { median } from './pampero-modes.js';
import { scenarioParams, type RunReport } from '../coordinator/run-scenario.js';
import { enableCarbons, XmppClient } from '../client/xmpp-client.js';
import type { XmppTransport } from '../client/transport.js';

const report = (deliveredPerS: number, p99: number, serverCpuS: number, offeredPerS = deliveredPerS): RunReport => ({
  result: { best_step: { offered_per_s: offeredPerS, delivered_per_s: deliveredPerS, lat_ms_p99: p99 } },
  cpu: { wall: 20, server: serverCpuS, driver: 5, foreign: 0 },
} as unknown as RunReport);

test('--archive takes off and on, only for chat, and not with --abuse, --compare or --carbons', () => {
  const o = parseOptions(['-s', 'chat', '-c', '20', '--rates', '100', '--archive', 'off,on']);
  expect(o.archiveModes).toEqual(['off', 'on']);
  expect(o.carbons).toBe(false);
  expect(parseOptions(['-s', 'chat', '-c', '20']).archiveModes).toEqual([]);
  expect(() => parseOptions(['--archive', 'full'])).toThrow(/--archive takes off, on/);
  expect(() => parseOptions(['-s', 'login', '--archive', 'off,on'])).toThrow(/chat scenario/);
  expect(() => parseOptions(['--archive', 'off,on', '--abuse', 'off'])).toThrow(/separate runs/);
  expect(() => parseOptions(['--archive', 'off,on', '--compare', 'prosody'])).toThrow(/separate runs/);
  expect(() => parseOptions(['--archive', 'off,on', '--carbons'])).toThrow(/--carbons/);
});

test('--carbons reaches the workers in the scenario parameters', () => {
  expect(scenarioParams(parseOptions(['-s', 'chat', '-c', '20', '--carbons'])).carbons).toBe(true);
  expect(scenarioParams(parseOptions(['-s', 'chat', '-c', '20'])).carbons).toBe(false);
});

test('the archive table gives per mode delivered/s, p99 and server CPU, and the throughput cost against off', () => {
  const o = parseOptions(['-s', 'chat', '-c', '20', '--archive', 'off,on']);
  const outcomes: ArchiveOutcome[] = [{ mode: 'off', round: 1, report: report(10_000, 40, 10) }, { mode: 'on', round: 1, report: report(8_000, 60, 15) }];
  const md = archiveMarkdown(outcomes, o);
  expect(md).toContain('| mode | delivered msg/s (p99 < 100 ms, 0 lost) | p99 (ms) | server CPU | cost vs off |');
  expect(md).toContain('| off | 10000 | 40 | 10 s (50 % of a core) |  |');
  expect(md).toContain('| on (archive + carbons) | 8000 | 60 | 15 s (75 % of a core) | 20 % |');
});

test('a mode that failed is listed as not measured, and without off there is no cost', () => {
  const o = parseOptions(['-s', 'chat', '-c', '20', '--archive', 'off,on']);
  const md = archiveMarkdown([{ mode: 'off', round: 1, report: null, error: 'port in use' }, { mode: 'on', round: 1, report: report(8_000, 60, 15) }], o);
  expect(md).toContain('| off | not measured: port in use |');
  expect(md).toContain('| on (archive + carbons) | 8000 | 60 | 15 s (75 % of a core) | – |');
});

test('--rounds repeats the --archive modes, 1 by default, and needs --archive', () => {
  expect(parseOptions(['-s', 'chat', '-c', '20', '--archive', 'off,on']).rounds).toBe(1);
  expect(parseOptions(['-s', 'chat', '-c', '20', '--archive', 'off,on', '--rounds', '3']).rounds).toBe(3);
  expect(() => parseOptions(['-s', 'chat', '-c', '20', '--rounds', '3'])).toThrow(/--rounds repeats the modes of --archive/);
  expect(() => parseOptions(['-s', 'chat', '-c', '20', '--archive', 'off,on', '--rounds', '0'])).toThrow(/--rounds must be an integer ≥ 1/);
});

test('with rounds, each on run is costed against the off run of its round, and the medians close the table', () => {
  const o = parseOptions(['-s', 'chat', '-c', '20', '--archive', 'off,on', '--rounds', '3']);
  const md = archiveMarkdown([
    { mode: 'off', round: 1, report: report(10_000, 40, 10) }, { mode: 'on', round: 1, report: report(9_000, 60, 15) },
    { mode: 'off', round: 2, report: report(20_000, 40, 10) }, { mode: 'on', round: 2, report: report(14_000, 60, 15) },
    { mode: 'off', round: 3, report: report(12_000, 40, 10) }, { mode: 'on', round: 3, report: null, error: 'crashed' },
  ], o);
  expect(md).toContain('| on (archive + carbons), round 1 | 9000 | 60 | 15 s (75 % of a core) | 10 % |');
  expect(md).toContain('| on (archive + carbons), round 2 | 14000 | 60 | 15 s (75 % of a core) | 30 % |');
  expect(md).toContain('| on (archive + carbons), round 3 | not measured: crashed |');
  expect(md).toContain('Medians over 3 rounds: off 12000 msg/s, on 11500 msg/s; cost 20 % (rounds: 10 %, 30 %).');
});

test('a run that passed the highest step offered is named in a warning: the ladder, not the server, set its figure', () => {
  const o = parseOptions(['-s', 'chat', '-c', '20', '--rates', '5000,10000', '--archive', 'off,on', '--rounds', '2']);
  const md = archiveMarkdown([
    { mode: 'off', round: 1, report: report(9_990, 40, 10, 10_000) }, { mode: 'on', round: 1, report: report(4_990, 60, 15, 5_000) },
    { mode: 'off', round: 2, report: report(4_990, 40, 10, 5_000) }, { mode: 'on', round: 2, report: report(4_990, 60, 15, 5_000) },
  ], o);
  expect(md).toContain('**Warning:** off, round 1 passed the highest step offered (10000 msg/s)');
  const fine = archiveMarkdown([{ mode: 'off', round: 1, report: report(4_990, 40, 10, 5_000) }, { mode: 'on', round: 1, report: report(4_990, 60, 15, 5_000) }],
    parseOptions(['-s', 'chat', '-c', '20', '--rates', '5000,10000', '--archive', 'off,on']));
  expect(fine).not.toContain('Warning');
});

test('the median of an odd count is the middle value, of an even count the mean of the middle two', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([])).toBeNull();
});

function fakeServer(answer: (sent: string) => string | undefined): { client: XmppClient; sent: string[] } {
  const sent: string[] = [];
  const transport = {
    kind: 'tcp', stanzaNs: '', closed: false, onText: () => {}, onClose: () => {},
    openStream() {}, close() {},
    send(xml: string) {
      sent.push(xml);
      const reply = answer(xml);
      if (reply) setImmediate(() => transport.onText(reply));
    },
  } as XmppTransport;
  return { client: new XmppClient(transport, 0), sent };
}

test('a client enables carbons with an IQ set and waits for its result', async () => {
  const { client, sent } = fakeServer(() => `<iq type="result" id="carbons1" to='load1@bench.local/bench'/>`);
  await enableCarbons(client, 1000);
  expect(sent).toEqual(["<iq type='set' id='carbons1'><enable xmlns='urn:xmpp:carbons:2'/></iq>"]);
  expect(client.buffer).toBe('');
});

test('a carbons error fails the login step', async () => {
  const { client } = fakeServer(() => "<iq type='error' id='carbons1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  await expect(enableCarbons(client, 1000)).rejects.toThrow(/enabling carbons failed/);
});
