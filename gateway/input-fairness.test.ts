import type { Socket } from 'node:net';
import { INPUT_BYTES_PER_TURN, meterInput } from './input-fairness.js';

function fakeSocket() {
  const s = { paused: false, destroyed: false, pause() { s.paused = true; }, resume() { s.paused = false; }, isPaused: () => s.paused };
  return s;
}
const nextTurn = () => new Promise((r) => setImmediate(r));

test('a connection that sends more than its share in one turn is paused until the next turn; the others are not', async () => {
  const fast = fakeSocket();
  const slow = fakeSocket();
  meterInput(fast as unknown as Socket, INPUT_BYTES_PER_TURN - 1);
  meterInput(slow as unknown as Socket, 100);
  expect(fast.paused).toBe(false);
  meterInput(fast as unknown as Socket, 1);
  expect(fast.paused).toBe(true);
  expect(slow.paused).toBe(false);
  await nextTurn();
  expect(fast.paused).toBe(false);
  meterInput(fast as unknown as Socket, INPUT_BYTES_PER_TURN - 1); // a new turn, a new share
  expect(fast.paused).toBe(false);
  await nextTurn();
});

test('a socket someone else paused is left for them to resume', async () => {
  const shaped = fakeSocket();
  shaped.pause();
  meterInput(shaped as unknown as Socket, INPUT_BYTES_PER_TURN * 2);
  await nextTurn();
  expect(shaped.paused).toBe(true);
});
