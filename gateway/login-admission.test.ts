import { LoginAdmission } from './login-admission.js';

const tick = () => new Promise((r) => setImmediate(r));

test('logins beyond the slots wait their turn in order; beyond the waiting room they are shed at once', async () => {
  const admission = new LoginAdmission({ maxInProgress: 2, maxWaiting: 1, maxWaitMs: 60_000 });
  const releases: Array<() => void> = [];
  const order: string[] = [];
  const login = (name: string) =>
    admission.run(
      () => new Promise<string>((resolve) => { order.push(name); releases.push(() => resolve(`${name} checked`)); }),
      (reason) => `${name} shed (${reason})`,
    );
  const a = login('a');
  const b = login('b');
  const c = login('c');
  const d = login('d');
  await tick();
  expect(order).toEqual(['a', 'b']);
  expect(admission.inProgress).toBe(2);
  expect(admission.waitingCount).toBe(1);
  expect(await d).toBe('d shed (queue-full)');
  releases[0]!();
  expect(await a).toBe('a checked');
  await tick();
  expect(order).toEqual(['a', 'b', 'c']);
  releases[1]!();
  releases[2]!();
  expect([await b, await c]).toEqual(['b checked', 'c checked']);
  expect(admission.inProgress).toBe(0);
});

test('a login that waited too long is shed with its reason, and its slot is not lost', async () => {
  let now = 0;
  const admission = new LoginAdmission({ maxInProgress: 1, maxWaiting: 10, maxWaitMs: 1000 }, () => now);
  let release!: () => void;
  const first = admission.run(() => new Promise<string>((r) => (release = () => r('first'))), () => 'shed');
  const second = admission.run(async () => 'second', (reason) => reason);
  await tick();
  now = 1500;
  release();
  expect(await first).toBe('first');
  expect(await second).toBe('waited-too-long');
  expect(await admission.run(async () => 'third', () => 'shed')).toBe('third');
  expect(admission.inProgress).toBe(0);
});
