import { LinkWatchdog } from './component-watchdog.js';

function watchdog(opts: { iqTimeoutMs?: number; stallMs?: number; waiting?: () => boolean } = {}) {
  let now = 1000;
  const timedOut: string[] = [];
  const stalls: string[] = [];
  const dog = new LinkWatchdog({
    iqTimeoutMs: opts.iqTimeoutMs ?? 0, stallMs: opts.stallMs ?? 0, domain: () => 'muc.example',
    waitingToWrite: opts.waiting ?? (() => false),
    timedOut: (key) => timedOut.push(key), stalled: (why) => stalls.push(why), now: () => now,
  });
  return { dog, timedOut, stalls, advance: (ms: number) => ((now += ms), dog.check()) };
}

test('an IQ the component does not answer in time is timed out once, and its late answer is recognised', () => {
  const { dog, timedOut, advance } = watchdog({ iqTimeoutMs: 2000 });
  dog.sent('a@x/r\0q1');
  advance(1000);
  dog.sent('a@x/r\0q2');
  advance(1000);
  expect(timedOut).toEqual(['a@x/r\0q1']);
  dog.forget('a@x/r\0q2'); // answered
  advance(5000);
  expect(timedOut).toEqual(['a@x/r\0q1']);
  expect(dog.lateAnswer('a@x/r\0q1')).toBe(true);
  expect(dog.lateAnswer('a@x/r\0q1')).toBe(false);
  dog.stop();
});

test('a link that cannot write for the stall time is declared stalled; one that drains is not', () => {
  let waiting = true;
  const { dog, stalls, advance } = watchdog({ stallMs: 3000, waiting: () => waiting });
  advance(100);
  advance(2000);
  waiting = false;
  dog.drained();
  advance(2000);
  expect(stalls).toEqual([]);
  waiting = true;
  advance(100);
  advance(3000);
  expect(stalls).toEqual(['nothing written for 3 s']);
});

test('a link that owes an answer and says nothing for the stall time is declared stalled; any byte from it resets that', () => {
  const { dog, stalls, advance } = watchdog({ iqTimeoutMs: 60_000, stallMs: 3000 });
  dog.sent('a@x/r\0q1');
  advance(2500);
  dog.heard();
  advance(2500);
  expect(stalls).toEqual([]);
  dog.sent('a@x/r\0q2');
  advance(3000);
  expect(stalls).toEqual(['no answer and no byte for 3 s']);
});
