// The fault runs' load processes (raw-clients.ts, startInlineChild): waiting for their messages
// leaves nothing behind, however many waits there are.
import { startInlineChild, type InlineChild } from './raw-clients.js';

const ECHO = String.raw`
process.on('message', (m) => {
  if (m.op === 'stop') process.exit(0);
  if (m.op === 'echo') process.send({ kind: m.reply });
});
process.send({ kind: 'ready' });
`;

let child: InlineChild;
beforeAll(async () => {
  child = startInlineChild(ECHO, {});
  await child.next('ready', 10_000);
});
afterAll(() => child?.stop());

test('many waits for a load process leave no exit listeners on it', async () => {
  const before = child.child.listenerCount('exit');
  for (let i = 0; i < 30; i++) {
    child.send({ op: 'echo', reply: `answer ${i}` });
    await child.next(`answer ${i}`, 5000);
  }
  expect(child.child.listenerCount('exit')).toBe(before);
});

test('a wait that timed out does not swallow the message when it comes later', async () => {
  await expect(child.next('late', 50)).rejects.toThrow('sent no late in 50 ms');
  child.send({ op: 'echo', reply: 'late' });
  await expect(child.next('late', 5000)).resolves.toMatchObject({ kind: 'late' });
});
