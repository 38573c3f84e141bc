// Direct TLS (XEP-0368) on its own port: accepted as TCP and wrapped (gateway/c2s-listener.ts), so
// the authentication timeout bounds the handshake and a failed handshake ends the connection.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ c2s: { authTimeoutSeconds: 1 } });
});
afterAll(async () => {
  await server.stop();
});

function closedWithin(socket: Socket, ms: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('direct TLS', () => {
  test('negotiates the xmpp-client ALPN protocol and answers a stream header over TLS', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: server.c2sTlsPort, rejectUnauthorized: false, ALPNProtocols: ['xmpp-client'], servername: server.domain });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect(socket.alpnProtocol).toBe('xmpp-client');
    socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${server.domain}' version='1.0'>`);
    let received = '';
    await new Promise<void>((resolve) => socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (received.includes('</stream:features>')) resolve();
    }));
    expect(received).toContain('<mechanisms');
    socket.destroy();
  });

  test('a client that never finishes the handshake is closed by the authentication timeout', async () => {
    const socket = netConnect({ host: '127.0.0.1', port: server.c2sTlsPort });
    // The timeout (1 s) ends the session; the socket then lingers for the client's close at most 2 s.
    const ms = await closedWithin(socket, 5000);
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  test('a client speaking plain XML to the TLS port is disconnected at once', async () => {
    const socket = netConnect({ host: '127.0.0.1', port: server.c2sTlsPort }, () => {
      socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${server.domain}' version='1.0'>`);
    });
    const ms = await closedWithin(socket, 900);
    expect(ms).toBeLessThan(900);
  });
});
