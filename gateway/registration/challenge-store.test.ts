import { answers, ChallengeStore, fixCaptchaTextForTests } from './challenge-store.js';

function store(overrides: Partial<ConstructorParameters<typeof ChallengeStore>[0]> = {}) {
  let now = 1_000_000;
  const challenges = new ChallengeStore({ kinds: 'both', ttlMs: 60_000, max: 10, now: () => now, ...overrides });
  return { challenges, advance: (ms: number) => (now += ms) };
}

afterEach(() => fixCaptchaTextForTests(undefined));

test('a challenge carries an image with its content id and a question, and is answerable once', () => {
  const { challenges } = store();
  const challenge = challenges.issue('192.0.2.1')!;
  expect(challenge.ocr!.answer).toMatch(/^[A-Z2-9]{5}$/);
  expect(challenge.ocr!.cid).toMatch(/^sha1\+[0-9a-f]{40}@bob\.xmpp\.org$/);
  expect(challenge.qa!.question).toMatch(/^What is \w+ (plus|minus) \w+\?/);
  expect(challenges.image(challenge.ocr!.cid, '192.0.2.1')).toBe(challenge.ocr);
  expect(challenges.take(challenge.id, '192.0.2.1')).toBe(challenge);
  expect(challenges.take(challenge.id, '192.0.2.1')).toBeUndefined();
  expect(challenges.size).toBe(0);
});

test('a challenge is only answerable from the address it was given to', () => {
  const { challenges } = store();
  const challenge = challenges.issue('192.0.2.1')!;
  expect(challenges.take(challenge.id, '192.0.2.2')).toBeUndefined();
  expect(challenges.image(challenge.ocr!.cid, '192.0.2.2')).toBeUndefined();
  expect(challenges.take(challenge.id, '192.0.2.1')).toBe(challenge);
});

test('challenges expire', () => {
  const { challenges, advance } = store();
  const challenge = challenges.issue('192.0.2.1')!;
  advance(60_001);
  expect(challenges.take(challenge.id, '192.0.2.1')).toBeUndefined();
  expect(challenges.size).toBe(0);
});

test('the store is bounded overall, and per address a new challenge replaces the oldest', () => {
  const { challenges } = store({ max: 4, perAddress: 2 });
  const first = challenges.issue('192.0.2.1')!;
  challenges.issue('192.0.2.1');
  challenges.issue('192.0.2.1');
  expect(challenges.size).toBe(2);
  expect(challenges.take(first.id, '192.0.2.1')).toBeUndefined();
  challenges.issue('192.0.2.2');
  challenges.issue('192.0.2.3');
  expect(challenges.size).toBe(4);
  expect(challenges.issue('192.0.2.4')).toBeUndefined();
});

test('answers: the image text in any case and spacing, the question as digits or a word', () => {
  fixCaptchaTextForTests('AB3XY');
  const { challenges } = store({ kinds: 'both' });
  const challenge = challenges.issue('192.0.2.1')!;
  expect(answers(challenge, 'ocr', 'ab3 xy')).toBe(true);
  expect(answers(challenge, 'ocr', 'AB3XZ')).toBe(false);
  expect(answers(challenge, 'ocr', undefined)).toBe(false);
  const expected = Number(challenge.qa!.answer);
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  expect(answers(challenge, 'qa', String(expected))).toBe(true);
  expect(answers(challenge, 'qa', words[expected]!.toUpperCase())).toBe(true);
  expect(answers(challenge, 'qa', String(expected + 1))).toBe(false);
});

test('the kinds asked for are the kinds issued', () => {
  const ocr = store({ kinds: 'ocr' }).challenges.issue('a')!;
  expect([ocr.ocr !== undefined, ocr.qa !== undefined]).toEqual([true, false]);
  const qa = store({ kinds: 'qa' }).challenges.issue('a')!;
  expect([qa.ocr !== undefined, qa.qa !== undefined]).toEqual([false, true]);
});
