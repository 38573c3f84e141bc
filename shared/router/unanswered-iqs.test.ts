import { Element } from 'ltx';
import { pino } from 'pino';
import { UnansweredIqs } from './unanswered-iqs.js';

function table(max = 10, iqTimeoutMs = 2000) {
  let now = 1000;
  const bounced: Array<[string, string]> = [];
  const rerouted: string[] = [];
  const router = {
    bounce: (el: Element, condition: string) => void bounced.push([el.attrs.id, condition]),
    rerouteToComponent: (el: Element) => void rerouted.push(el.attrs.id),
  };
  const iqs = new UnansweredIqs({
    router,
    logger: pino({ level: 'silent' }),
    max,
    deadlines: { iqTimeoutMs, stallMs: 0, domain: () => 'muc.example', waitingToWrite: () => false, stalled: () => undefined, now: () => now },
  });
  const advance = (ms: number) => {
    now += ms;
    iqs.watchdog.check();
  };
  return { iqs, bounced, rerouted, advance };
}

const iq = (type: string, id: string, from: string, to: string) => new Element('iq', { type, id, from, to });
const request = (id: string, from = 'a@example/r') => iq('get', id, from, 'muc.example');
const answer = (id: string, to = 'a@example/r') => iq('result', id, 'muc.example', to);

test("a client's IQ the component does not answer in time gets remote-server-timeout once, and the late answer is dropped", () => {
  const { iqs, bounced, advance } = table();
  iqs.sent(request('q1'));
  advance(1000);
  iqs.sent(request('q2'));
  advance(1000);
  expect(bounced).toEqual([['q1', 'remote-server-timeout']]);
  expect(iqs.arrived(answer('q2'))).toBe(true); // in time
  advance(5000);
  expect(bounced).toEqual([['q1', 'remote-server-timeout']]);
  expect(iqs.arrived(answer('q1'))).toBe(false); // late
  iqs.end([]);
});

test("the router's own IQs (from a domain) get no deadline here but are still re-routed when the link closes", () => {
  const { iqs, bounced, rerouted, advance } = table();
  iqs.sent(request('own1', 'example'));
  advance(10_000);
  expect(bounced).toEqual([]);
  iqs.reroute(iqs.end([]));
  expect(rerouted).toEqual(['own1']);
});

test('on close, what was queued and what was not answered is re-routed, each stanza once; answered IQs and other stanzas are not', () => {
  const { iqs, rerouted } = table();
  const queued = request('q3');
  iqs.sent(request('q1'));
  iqs.sent(request('q2'));
  iqs.sent(queued);
  iqs.sent(new Element('message', { id: 'm1', from: 'a@example/r', to: 'room@muc.example' }));
  expect(iqs.arrived(answer('q2'))).toBe(true);
  expect(iqs.arrived(new Element('message', { id: 'm2', from: 'room@muc.example', to: 'a@example/r' }))).toBe(true);
  const stranded = iqs.end([queued]);
  expect([...stranded].map((s) => s.attrs.id)).toEqual(['q3', 'q1']);
  expect(rerouted).toEqual([]);
  iqs.reroute(stranded);
  expect(rerouted).toEqual(['q3', 'q1']);
});

test('beyond its bound the oldest request is forgotten: no deadline, not re-routed', () => {
  const { iqs, bounced, rerouted, advance } = table(2);
  for (const id of ['q1', 'q2', 'q3']) iqs.sent(request(id));
  advance(5000);
  expect(bounced.map(([id]) => id)).toEqual(['q2', 'q3']);
  iqs.sent(request('q4'));
  iqs.reroute(iqs.end([]));
  expect(rerouted).toEqual(['q4']);
});

test('a request sent again with the same sender and id is remembered once, with the new deadline', () => {
  const { iqs, bounced, advance } = table();
  iqs.sent(request('q1'));
  advance(1500);
  iqs.sent(request('q1'));
  advance(1000);
  expect(bounced).toEqual([]);
  advance(1000);
  expect(bounced).toEqual([['q1', 'remote-server-timeout']]);
  iqs.end([]);
});
