import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { refusalGetsWords, refuseSocket, WORDED_REFUSALS_PER_SECOND } from './admit-socket.js';

test('the first refusals of an address in a second get words, the rest of that second a reset', () => {
  const second = 1_700_000_000_000;
  for (let i = 0; i < WORDED_REFUSALS_PER_SECOND; i++) expect(refusalGetsWords('192.0.2.1', second + i)).toBe(true);
  expect(refusalGetsWords('192.0.2.1', second + 500)).toBe(false);
  expect(refusalGetsWords('192.0.2.2', second + 501)).toBe(true); // another address has its own count
  expect(refusalGetsWords('192.0.2.1', second + 1000)).toBe(true); // a new second
});

describe('a refused socket', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => refuseSocket(socket, 'example.org', 'Too many connections'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.3', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const attempt = () => new Promise<{ data: string; error?: string }>((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.3', localAddress: '127.0.0.4' });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ data, error: err.code }));
    socket.on('close', () => resolve({ data }));
  });

  test('gets our stream header and a policy-violation stream error, then the stream ends (RFC 6120 §4.9.1.1)', async () => {
    const { data } = await attempt();
    expect(data).toMatch(/^<\?xml version='1.0'\?><stream:stream [^>]*from='example.org'/);
    expect(data).toContain('<policy-violation xmlns=');
    expect(data).toContain('Too many connections');
    expect(data.endsWith('</stream:stream>')).toBe(true);
  });

  test('past the worded refusals of a second, a flood from the same address is reset without words', async () => {
    const outcomes = await Promise.all(Array.from({ length: WORDED_REFUSALS_PER_SECOND + 10 }, attempt));
    const reset = outcomes.filter((o) => o.error === 'ECONNRESET' && o.data === '');
    const worded = outcomes.filter((o) => o.data.includes('policy-violation'));
    expect(reset.length).toBeGreaterThan(0);
    expect(worded.length).toBeGreaterThan(0);
    expect(worded.length + reset.length).toBe(outcomes.length);
  });
});
