// Bad input gets the right stream error (RFC 6120 §4.9.3) and nothing else suffers.
import { connect } from 'node:net';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { header, loginRaw, openRaw } from '../support/raw-client.js';

let server: TestServer;
beforeAll(async () => {
  // Archiving off: the flood below would otherwise be written to the (memory-mapped) LMDB archive,
  // which shows in RSS though it is not buffered memory; the write-buffer bound is what is tested.
  server = await startTestServer({ c2s: { maxStanzaBytes: 10_000, maxWriteBufferBytes: 256 * 1024 }, archive: { enabled: false } });
  for (const u of ['eve', 'frank', 'grace', 'heidi']) await server.addUser(u, `${u}-pw`);
});
afterAll(async () => {
  await server.stop();
});

async function streamErrorFor(payload: string, authenticated = true): Promise<string> {
  const c = authenticated ? await loginRaw(server.c2sPort, server.domain, 'eve', 'eve-pw', `r${Math.random()}`) : await openRaw(server.c2sPort);
  if (!authenticated) c.send(header(server.domain));
  c.send(payload);
  const error = await c.waitFor(/<stream:error>[\s\S]*?<\/stream:error>/);
  await c.closed;
  return error;
}

describe('bad input', () => {
  test('malformed XML gets not-well-formed and the stream is closed', async () => {
    expect(await streamErrorFor('<message><body>oops</message>')).toContain('<not-well-formed');
  });

  test('after a stream error the connection ends cleanly: what the client still sends is read, not answered with a reset', async () => {
    // A client under load may write after our close tag. Before, the server destroyed the socket at
    // once, so those writes met a reset (EPIPE/ECONNRESET), and Node's clients then dropped the socket
    // before reading the stream error (a draining gateway's see-other-host went unseen).
    const socket = connect({ port: server.c2sPort, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    let failure: Error | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (err) => (failure = err));
    const closed = new Promise<boolean>((resolve) => socket.once('close', resolve));
    socket.write(header(server.domain));
    socket.write('<message><body>oops</message>');
    const deadline = Date.now() + 5000;
    while (!text.includes('</stream:stream>') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(text).toContain('<not-well-formed');
    for (let i = 0; i < 5; i++) {
      socket.write(`<message><body>${'late '.repeat(2000)}</body></message>`);
      await new Promise((r) => setTimeout(r, 30));
    }
    socket.end();
    expect(await closed).toBe(false); // no transmission error
    expect(failure).toBeUndefined();
  });

  test('an oversize stanza gets policy-violation', async () => {
    expect(await streamErrorFor(`<message to='frank@${server.domain}'><body>${'x'.repeat(20_000)}</body></message>`)).toContain('<policy-violation');
  });

  test('an entity-expansion payload is refused with restricted-xml', async () => {
    const bomb = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>`;
    expect(await streamErrorFor(bomb, false)).toContain('<restricted-xml');
    expect(await streamErrorFor('<message><body>&lol2;</body></message>')).toContain('<restricted-xml');
  });

  test('a wrong stream namespace gets invalid-namespace, an unknown host host-unknown', async () => {
    const c = await openRaw(server.c2sPort);
    c.send(`<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='${server.domain}' version='1.0'>`);
    expect(await c.waitFor(/<stream:error>[\s\S]*?<\/stream:error>/)).toContain('<invalid-namespace');
    const d = await openRaw(server.c2sPort);
    d.send(header('elsewhere.example'));
    expect(await d.waitFor(/<stream:error>[\s\S]*?<\/stream:error>/)).toContain('<host-unknown');
  });

  test('stanzas before authentication are refused with not-authorized', async () => {
    expect(await streamErrorFor("<message to='frank@localhost'><body>x</body></message>", false)).toContain('<not-authorized');
  });

  test('a client that stops reading is cut off while others keep chatting', async () => {
    const rssBefore = process.memoryUsage().rss;
    const frank = await loginRaw(server.c2sPort, server.domain, 'frank', 'frank-pw', 'slow');
    frank.socket.pause(); // stops reading: the kernel buffers fill, then ours
    const eve = await loginRaw(server.c2sPort, server.domain, 'eve', 'eve-pw', 'fast');
    const grace = await loginRaw(server.c2sPort, server.domain, 'grace', 'grace-pw', 'fast');
    const heidi = await loginRaw(server.c2sPort, server.domain, 'heidi', 'heidi-pw', 'fast');
    const body = 'y'.repeat(8000);
    const flood = async () => {
      // 24 MB: more than loopback's kernel buffers (a few MB each way) plus our 256 KiB limit.
      for (let i = 0; i < 3000; i++) {
        if (!eve.socket.write(`<message to='frank@${server.domain}/slow' type='chat'><body>${body}</body></message>`)) {
          await new Promise((r) => eve.socket.once('drain', r));
        }
      }
    };
    await flood();
    frank.socket.resume(); // drain what the kernel holds: if the server gave up on frank, the close follows
    await frank.closed;
    grace.send(`<message to='heidi@${server.domain}/fast' type='chat'><body>still here</body></message>`);
    await heidi.waitFor(/still here/);
    // The server buffered at most its limit for frank, not the 24 MB sent to him.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    eve.socket.destroy();
    grace.socket.destroy();
    heidi.socket.destroy();
  }, 150_000); // 24 MB through the server: seconds alone, a minute or more beside the whole suite
});
