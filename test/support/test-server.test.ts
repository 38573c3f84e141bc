import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { openStores } from '../../shared/storage/open.js';
import { startTestServer } from './test-server.js';

function firstReply(port: number, send: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(send));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('</stream:features>')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.once('error', reject);
    socket.setTimeout(5000, () => reject(new Error(`no stream features, got: ${text}`)));
  });
}

test('startTestServer runs an all-in-one on free loopback ports, adds users and components, and cleans up', async () => {
  const server = await startTestServer({ c2s: { maxStanzaBytes: 10_000 } });
  try {
    expect(server.config).toMatchObject({
      domain: 'localhost',
      dataDir: server.dataDir,
      c2s: { port: server.c2sPort, tlsPort: server.c2sTlsPort, allowPlainFromLoopback: true, maxStanzaBytes: 10_000 },
      log: { level: 'silent' },
    });
    expect(new Set([server.c2sPort, server.c2sTlsPort, server.componentPort, server.httpPort]).size).toBe(4);
    expect(await server.addUser('Alice', 'pw')).toBe('alice@localhost');
    await server.addComponent('echo.localhost', 's');
    const features = await firstReply(
      server.c2sPort,
      `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>`,
    );
    expect(features).toContain('<stream:features');
    await server.removeComponent('echo.localhost');
  } finally {
    await server.stop();
  }
  expect(existsSync(server.dataDir)).toBe(false);
  await expect(server.stop()).resolves.toBeUndefined(); // stopping twice is harmless
});

test('what addUser stored is in the data directory the server uses', async () => {
  const server = await startTestServer();
  try {
    await server.addUser('bob', 'pw');
    const stores = await openStores({ dataDir: server.dataDir });
    try {
      expect(await stores.accounts.list()).toContain('bob@localhost');
    } finally {
      await stores.close();
    }
  } finally {
    await server.stop();
  }
});
