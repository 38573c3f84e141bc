import { EventEmitter } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { BULK_FLUSH_BUDGET_MS, BULK_SLICE, outputBacklogged, resetSocket, SMALL_OUTPUT, SocketWriter } from './socket-writer.js';

/** A socket whose kernel takes nothing (the client does not read) unless `kernelTakes`. */
function fakeSocket(kernelTakes = false) {
  const socket = {
    writableLength: 0,
    destroyed: false,
    writable: true,
    writes: [] as string[],
    write(data: string) {
      socket.writes.push(data);
      socket.writableLength += data.length; // Node counts it as buffered until the write completes
      if (kernelTakes) setImmediate(() => (socket.writableLength -= data.length));
      return true;
    },
  };
  return socket;
}

const turn = () => new Promise((r) => setImmediate(r));

/** A socket whose every write keeps the thread busy for `ms` (as a write to a loopback peer can: the kernel does the peer's side too). */
function slowSocket(ms: number, log: string[], name: string) {
  return {
    writableLength: 0, destroyed: false, writable: true, writableNeedDrain: false,
    write(data: string) {
      const until = performance.now() + ms;
      while (performance.now() < until); // the kernel's time, on our thread
      log.push(`${name}:${data.length}`);
      return true;
    },
  } as unknown as Socket;
}

test('what is written in one turn reaches the socket in one write', async () => {
  const socket = fakeSocket(true);
  const writer = new SocketWriter(socket as unknown as Socket, 1024, () => undefined);
  writer.write('<a/>');
  writer.write('<b/>');
  expect(socket.writes).toEqual([]);
  await turn();
  expect(socket.writes).toEqual(['<a/><b/>']);
});

test('a client that does not read is cut off at the first stanza past its bound, and nothing more is queued for it', async () => {
  const socket = fakeSocket();
  let overflows = 0;
  const writer = new SocketWriter(socket as unknown as Socket, 100, () => overflows++);
  writer.write('x'.repeat(150)); // taken into the socket's buffer this turn: not held against it yet
  await turn();
  expect(overflows).toBe(0);
  expect(writer.accepting).toBe(true);
  writer.write('<message>more</message>'); // 150 unsent bytes from an earlier turn > 100
  expect(overflows).toBe(1);
  expect(writer.accepting).toBe(false);
  writer.write('<message>and more</message>');
  await turn();
  expect(socket.writes).toEqual(['x'.repeat(150)]);
  expect(overflows).toBe(1);
});

test('a client that reads is never cut off, however much it gets', async () => {
  const socket = fakeSocket(true);
  let overflows = 0;
  const writer = new SocketWriter(socket as unknown as Socket, 100, () => overflows++);
  for (let i = 0; i < 20; i++) {
    writer.write('y'.repeat(80));
    writer.write('z'.repeat(80));
    await turn();
    await turn();
  }
  expect(overflows).toBe(0);
  expect(socket.writes.join('').length).toBe(20 * 160);
});

test('while the kernel takes nothing, output waits in the writer (one buffered entry, not one per turn) and goes out in one write after the drain', async () => {
  const socket = Object.assign(new EventEmitter(), fakeSocket(), { writableNeedDrain: false });
  let overflows = 0;
  const writer = new SocketWriter(socket as unknown as Socket, 1000, () => overflows++);
  writer.write('a'.repeat(100));
  await turn();
  socket.writableNeedDrain = true; // the kernel stopped taking data
  for (const c of 'bcd') {
    writer.write(c.repeat(100));
    await turn();
  }
  expect(socket.writes).toEqual(['a'.repeat(100)]);
  socket.writableNeedDrain = false;
  socket.writableLength = 0;
  socket.emit('drain');
  await turn(); // at the turn's flush, with everyone's output
  expect(socket.writes).toEqual(['a'.repeat(100), 'b'.repeat(100) + 'c'.repeat(100) + 'd'.repeat(100)]);
  expect(overflows).toBe(0);
});

test('sockets that drain together write their held output within the bulk budget, not all in the drain events', async () => {
  const log: string[] = [];
  const writeMs = BULK_FLUSH_BUDGET_MS / 2;
  const sockets = Array.from({ length: 8 }, (_, i) => Object.assign(new EventEmitter(), slowSocket(writeMs, log, `s${i}`), { writableNeedDrain: true }));
  const writers = sockets.map((socket) => new SocketWriter(socket as unknown as Socket, 1 << 20, () => undefined));
  for (const writer of writers) writer.write('x'.repeat(SMALL_OUTPUT + 1));
  await turn(); // held: every socket waits for a drain
  expect(log).toEqual([]);
  for (const socket of sockets) {
    socket.writableNeedDrain = false;
    socket.emit('drain'); // one poll of the event loop can bring all of them
  }
  expect(log).toEqual([]);
  await turn();
  expect(log.length).toBeGreaterThanOrEqual(1);
  expect(log.length).toBeLessThan(8); // the rest at the next turns
  while (log.length < 8) await turn();
});

test('output held for a drain counts against the bound', async () => {
  const socket = Object.assign(new EventEmitter(), fakeSocket(), { writableNeedDrain: true });
  let overflows = 0;
  const writer = new SocketWriter(socket as unknown as Socket, 250, () => overflows++);
  for (let i = 0; i < 3; i++) {
    writer.write('x'.repeat(100));
    await turn();
  }
  expect(overflows).toBe(0); // 200 held from earlier turns, 100 of this one
  writer.write('x'.repeat(100));
  await turn();
  expect(overflows).toBe(1);
  expect(socket.writes).toEqual([]);
});

test('closing writes the last words even while waiting for a drain', async () => {
  const socket = Object.assign(new EventEmitter(), fakeSocket(), { writableNeedDrain: true });
  const writer = new SocketWriter(socket as unknown as Socket, 1000, () => undefined);
  writer.write('</stream:stream>');
  writer.close();
  expect(socket.writes).toEqual(['</stream:stream>']);
});

test('a client cut off for not reading gets a TCP reset, not a FIN behind output it will never read', async () => {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const ended = new Promise<string>((resolve) => {
    client.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    client.on('end', () => resolve('end (FIN)'));
  });
  const socket = await accepted;
  socket.write('x'.repeat(1024));
  resetSocket(socket);
  expect(await ended).toBe('ECONNRESET');
  expect(socket.destroyed).toBe(true);
  client.destroy();
  await new Promise((r) => server.close(r));
});

test('small output goes out first at every turn, and bulk output past the turn\'s budget waits for the next turn', async () => {
  const log: string[] = [];
  const bulk = Array.from({ length: 3 }, (_, i) => new SocketWriter(slowSocket(BULK_FLUSH_BUDGET_MS + 1, log, `bulk${i}`), 1 << 30, () => undefined));
  const chat = new SocketWriter(slowSocket(0, log, 'chat'), 1 << 30, () => undefined);
  for (const w of bulk) w.write('x'.repeat(SMALL_OUTPUT + 1)); // one 8 KB-ish message to three resources…
  chat.write('<message/>'); // …and a chat message routed after it, in the same turn
  await turn();
  expect(log).toEqual(['chat:10', `bulk0:${SMALL_OUTPUT + 1}`]); // each bulk write spends the whole budget
  expect(outputBacklogged()).toBe(true);
  chat.write('<message/>');
  await turn();
  expect(log.slice(2)).toEqual(['chat:10', `bulk1:${SMALL_OUTPUT + 1}`]);
  await turn();
  expect(log.slice(4)).toEqual([`bulk2:${SMALL_OUTPUT + 1}`]);
  expect(outputBacklogged()).toBe(false);
});

test('bulk output goes out a slice at a time, all of it in one turn when the budget allows', async () => {
  const log: string[] = [];
  const big = new SocketWriter(slowSocket(0, log, 'big'), 1 << 30, () => undefined);
  big.write('x'.repeat(BULK_SLICE * 3 + 100)); // 48 KB: not one write that holds the turn for its whole length
  await turn();
  expect(log).toEqual([`big:${BULK_SLICE}`, `big:${BULK_SLICE}`, `big:${BULK_SLICE}`, 'big:100']);
  expect(outputBacklogged()).toBe(false);
});

test('bulk writers take turns a slice each when the budget runs out', async () => {
  const log: string[] = [];
  // Every write takes longer than the whole budget: one slice a turn.
  const [one, two] = ['one', 'two'].map((name) => new SocketWriter(slowSocket(BULK_FLUSH_BUDGET_MS + 0.2, log, name), 1 << 30, () => undefined));
  one!.write('1'.repeat(BULK_SLICE * 2));
  two!.write('2'.repeat(BULK_SLICE * 2));
  await turn();
  expect(log).toEqual([`one:${BULK_SLICE}`]);
  expect(outputBacklogged()).toBe(true);
  for (let i = 0; i < 3; i++) await turn();
  expect(log).toEqual([`one:${BULK_SLICE}`, `two:${BULK_SLICE}`, `one:${BULK_SLICE}`, `two:${BULK_SLICE}`]);
  await turn();
  expect(outputBacklogged()).toBe(false);
});

test('a turn that produces more than 64 KB for one socket writes a slice of it at once', () => {
  const socket = fakeSocket(true);
  const writer = new SocketWriter(socket as unknown as Socket, 1 << 30, () => undefined);
  for (let i = 0; i < 8; i++) writer.write('m'.repeat(8192)); // 64 KB pending: written before the turn ends, a slice of it
  expect(socket.writes).toEqual(['m'.repeat(BULK_SLICE)]);
  expect(writer.pendingLength).toBe(8 * 8192 - BULK_SLICE);
});

test('a slice of bulk output never ends between the two halves of a surrogate pair', async () => {
  const socket = fakeSocket(true);
  const writer = new SocketWriter(socket as unknown as Socket, 1 << 30, () => undefined);
  const text = 'x'.repeat(BULK_SLICE - 1) + '\u{1F600}' + 'y'.repeat(100); // the emoji's high half is the slice's last character
  writer.write(text);
  for (let i = 0; i < 3 && writer.pendingLength > 0; i++) await turn();
  expect(socket.writes).toEqual([text.slice(0, BULK_SLICE - 1), text.slice(BULK_SLICE - 1)]);
  expect(Buffer.from(socket.writes[1]!, 'utf8').subarray(0, 4).toString()).toBe('\u{1F600}');
});

test('output held for a drain goes out in slices with the flush after the drain', async () => {
  const socket = Object.assign(new EventEmitter(), fakeSocket(true), { writableNeedDrain: true });
  const writer = new SocketWriter(socket as unknown as Socket, 1 << 30, () => undefined);
  writer.write('z'.repeat(BULK_SLICE + 10));
  await turn();
  expect(socket.writes).toEqual([]); // held: the socket needs a drain
  socket.writableNeedDrain = false;
  socket.emit('drain');
  expect(socket.writes).toEqual([]); // not in the drain event
  await turn();
  expect(socket.writes).toEqual(['z'.repeat(BULK_SLICE), 'z'.repeat(10)]);
});

test('bulk output within the budget all goes out in its turn', async () => {
  const log: string[] = [];
  const writers = Array.from({ length: 50 }, (_, i) => new SocketWriter(slowSocket(0, log, `w${i}`), 1 << 30, () => undefined));
  for (const w of writers) w.write('y'.repeat(SMALL_OUTPUT * 2));
  await turn();
  expect(log).toHaveLength(50);
  expect(outputBacklogged()).toBe(false);
});

test('output written to a writer while the flush runs (a cut-off\'s teardown writes presence to others) goes out at the next turn', async () => {
  const log: string[] = [];
  const first = new SocketWriter(slowSocket(0, log, 'first'), 1 << 30, () => undefined);
  // The second one's write tells the first (already flushed in this turn) something more.
  const tellsFirst = { ...(slowSocket(0, log, 'second') as object), write(data: string) { log.push(`second:${data.length}`); first.write('<presence/>'); return true; } } as unknown as Socket;
  const second = new SocketWriter(tellsFirst, 1 << 30, () => undefined);
  first.write('<a/>');
  second.write('<b/>');
  await turn();
  expect(log).toEqual(['first:4', 'second:4']);
  await turn();
  expect(log).toEqual(['first:4', 'second:4', 'first:11']);
});
