import { parse, type Element } from 'ltx';
import { RemoteIqDeadlines } from './remote-iq-deadlines.js';

const iq = (xml: string) => parse(xml) as Element;

test('an IQ to a session on another node that gets no answer in time is answered for, and its late answer dropped', () => {
  let now = 0;
  const timedOut: string[] = [];
  const deadlines = new RemoteIqDeadlines(2000, 100, (request) => timedOut.push(request.attrs.id), () => now);
  deadlines.sent(iq(`<iq type='get' id='q1' from='a@x/r' to='c@x/r'><ping xmlns='urn:xmpp:ping'/></iq>`), 'c@x/r');
  deadlines.sent(iq(`<iq type='get' id='q2' from='a@x/r' to='c@x/r'><ping xmlns='urn:xmpp:ping'/></iq>`), 'c@x/r');
  deadlines.sent(iq(`<message id='m1' from='a@x/r' to='c@x/r'/>`), 'c@x/r'); // not an IQ request: no deadline
  expect(deadlines.pending).toBe(2);
  expect(deadlines.arrived(iq(`<iq type='result' id='q2' from='c@x/r' to='a@x/r'/>`))).toBe(true);
  now = 2500;
  deadlines.check();
  expect(timedOut).toEqual(['q1']);
  expect(deadlines.arrived(iq(`<iq type='result' id='q1' from='c@x/r' to='a@x/r'/>`))).toBe(false);
  expect(deadlines.arrived(iq(`<message from='c@x/r' to='a@x/r'/>`))).toBe(true);
  deadlines.stop();
});

test('beyond its bound the oldest pending IQ is answered at once', () => {
  const timedOut: string[] = [];
  const deadlines = new RemoteIqDeadlines(60_000, 2, (request) => timedOut.push(request.attrs.id));
  for (const id of ['q1', 'q2', 'q3']) deadlines.sent(iq(`<iq type='set' id='${id}' from='a@x/r' to='c@x/r'><query xmlns='jabber:iq:version'/></iq>`), 'c@x/r');
  expect(timedOut).toEqual(['q1']);
  expect(deadlines.pending).toBe(2);
  deadlines.stop();
});
