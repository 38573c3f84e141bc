import type { Socket } from 'node:net';
import { INPUT_BYTES_PER_TURN, admitInput, type InputConsumer } from './input-fairness.js';
import { BULK_FLUSH_BUDGET_MS, outputBacklogged, SocketWriter } from './socket-writer.js';

function fakeSocket() {
  const s = { paused: false, destroyed: false, pause() { s.paused = true; }, resume() { s.paused = false; }, isPaused: () => s.paused };
  return s;
}
function consumer() {
  const parts: number[] = [];
  const c: InputConsumer & { parts: number[]; total: () => number } = { parts, consumeInput: (_s, part) => void parts.push(part.length), total: () => parts.reduce((a, b) => a + b, 0) };
  return c;
}
/** A socket for a SocketWriter that takes everything written to it. */
const sinkSocket = () => ({ destroyed: false, writable: true, writableNeedDrain: false, writableLength: 0, write: () => true }) as unknown as Socket;
const nextTurn = () => new Promise((r) => setImmediate(r));
const bytes = (n: number) => Buffer.alloc(n, 0x61);

test('a connection that sends more than its share in one turn is paused until the next turn; the others are not', async () => {
  const fast = fakeSocket();
  const slow = fakeSocket();
  const fastIn = consumer();
  admitInput(fast as unknown as Socket, bytes(INPUT_BYTES_PER_TURN - 1), fastIn);
  admitInput(slow as unknown as Socket, bytes(100), consumer());
  expect(fast.paused).toBe(false);
  admitInput(fast as unknown as Socket, bytes(1), fastIn);
  expect(fast.paused).toBe(true);
  expect(slow.paused).toBe(false);
  await nextTurn();
  expect(fast.paused).toBe(false);
  admitInput(fast as unknown as Socket, bytes(INPUT_BYTES_PER_TURN - 1), fastIn); // a new turn, a new share
  expect(fast.paused).toBe(false);
  await nextTurn();
});

test('a chunk bigger than the share is parsed a share per turn, in order, and the socket reads again once it is all parsed', async () => {
  const socket = fakeSocket();
  const chunk = Buffer.from(Array.from({ length: 40_000 }, (_, i) => 97 + (i % 26)));
  const seen: Buffer[] = [];
  const recording: InputConsumer = { consumeInput: (_s, part) => void seen.push(Buffer.from(part)) };
  admitInput(socket as unknown as Socket, chunk, recording);
  expect(seen.map((b) => b.length)).toEqual([INPUT_BYTES_PER_TURN]);
  expect(socket.paused).toBe(true);
  await nextTurn();
  expect(seen.map((b) => b.length)).toEqual([INPUT_BYTES_PER_TURN, INPUT_BYTES_PER_TURN]);
  expect(socket.paused).toBe(true);
  await nextTurn();
  expect(Buffer.concat(seen).equals(chunk)).toBe(true);
  expect(socket.paused).toBe(false);
  await nextTurn();
});

test('a socket someone else paused is left for them to resume, and what it sent is still parsed', async () => {
  const shaped = fakeSocket();
  const input = consumer();
  shaped.pause();
  admitInput(shaped as unknown as Socket, bytes(INPUT_BYTES_PER_TURN * 2), input);
  await nextTurn();
  expect(input.total()).toBe(INPUT_BYTES_PER_TURN * 2);
  await nextTurn();
  expect(shaped.paused).toBe(true);
});

test('nothing held is parsed for a socket that went away', async () => {
  const socket = fakeSocket();
  const input = consumer();
  admitInput(socket as unknown as Socket, bytes(INPUT_BYTES_PER_TURN + 10), input);
  socket.destroyed = true;
  await nextTurn();
  expect(input.total()).toBe(INPUT_BYTES_PER_TURN);
});

test('the output a connection\'s input causes counts against its share: a fan-out flooder gets one message a turn, and the next once that one is written', async () => {
  const flooder = fakeSocket();
  // 100 resources of the flooded account.
  const writers = Array.from({ length: 100 }, () => new SocketWriter(sinkSocket(), 1 << 30, () => undefined));
  const message = 'x'.repeat(8 * 1024);
  let parsed = 0;
  const fanOut: InputConsumer = {
    consumeInput: () => {
      parsed++;
      for (const w of writers) w.write(message); // what routing one 8 KB message to 100 resources writes
    },
  };
  admitInput(flooder as unknown as Socket, bytes(1024), fanOut);
  expect(flooder.paused).toBe(true); // 1 KB in, 800 KB out: its share of the turn is spent
  admitInput(flooder as unknown as Socket, bytes(1024), fanOut); // already read from the socket: held for the next turn
  expect(parsed).toBe(1);
  expect(outputBacklogged()).toBe(true); // the 800 KB wait for this turn's flush
  const perTurn: number[] = [];
  for (let i = 0; i < 20 && (parsed < 2 || flooder.paused); i++) {
    const before = parsed;
    await nextTurn();
    perTurn.push(parsed - before);
  }
  expect(parsed).toBe(2);
  expect(Math.max(...perTurn)).toBe(1);
  expect(flooder.paused).toBe(false);
  await nextTurn();
  await nextTurn();
});

test('ordinary chat traffic is not paused: a few dozen short messages and their deliveries fit in a turn', async () => {
  const client = fakeSocket();
  const recipient = new SocketWriter(sinkSocket(), 1 << 30, () => undefined);
  const chat: InputConsumer = { consumeInput: () => recipient.write('y'.repeat(350)) };
  for (let i = 0; i < 20; i++) admitInput(client as unknown as Socket, bytes(250), chat);
  expect(client.paused).toBe(false);
  await nextTurn();
});

test('while bulk output of an earlier turn waits to be written, a connection that spent its share stays paused and the others go on', async () => {
  const flooder = fakeSocket();
  const chatter = fakeSocket();
  // Three resources whose every write costs more than a flush's budget for bulk output: one a turn.
  const busy = () => ({ ...sinkSocket(), write: () => { const until = performance.now() + BULK_FLUSH_BUDGET_MS + 1; while (performance.now() < until); return true; } }) as unknown as Socket;
  const writers = Array.from({ length: 3 }, () => new SocketWriter(busy(), 1 << 30, () => undefined));
  let parsed = 0;
  const fanOut: InputConsumer = { consumeInput: () => { parsed++; for (const w of writers) w.write('x'.repeat(8 * 1024)); } };
  admitInput(flooder as unknown as Socket, bytes(1024), fanOut);
  admitInput(flooder as unknown as Socket, bytes(1024), fanOut); // held: its share is spent
  expect(parsed).toBe(1);
  await nextTurn(); // the flush wrote one of the three
  expect(outputBacklogged()).toBe(true);
  const chat = consumer();
  admitInput(chatter as unknown as Socket, bytes(200), chat);
  expect(chat.total()).toBe(200); // everyone else's input goes on
  await nextTurn(); // the second
  expect(parsed).toBe(1); // the flooder's next message waits for its last one to be written
  expect(flooder.paused).toBe(true);
  for (let i = 0; i < 5 && parsed === 1; i++) await nextTurn();
  expect(parsed).toBe(2);
  for (let i = 0; i < 10 && (outputBacklogged() || flooder.paused); i++) await nextTurn();
  expect(flooder.paused).toBe(false);
  await nextTurn();
});
