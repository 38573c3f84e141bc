// A bare-socket XMPP client for tests that must send what no library would (bad XML, floods,
// a client that stops reading). Plain TCP on loopback, SASL PLAIN.
import { connect, type Socket } from 'node:net';

export interface RawClient {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  send(data: string): void;
  /** Resolves when the received text matches, rejects after the timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  closed: Promise<void>;
}

export function header(domain: string): string {
  return `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;
}

/** `localAddress` (e.g. 127.0.0.2) makes the client come from another loopback address. */
export async function openRaw(port: number, localAddress?: string): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = '';
  const waiters = new Set<() => void>();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (const w of waiters) w();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    received: () => buffer,
    send: (data) => { socket.write(data); },
    waitFor: (pattern, timeoutMs = 5000) => new Promise((resolve, reject) => {
      const check = () => {
        const m = buffer.match(pattern);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m[0]);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; got: ${buffer.slice(-500)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    }),
  };
}

/** Opens a stream and logs in with PLAIN, binds `resource` and sends initial presence. */
export async function loginRaw(port: number, domain: string, user: string, password: string, resource = 'raw', localAddress?: string): Promise<RawClient> {
  const c = await openRaw(port, localAddress);
  c.send(header(domain));
  await c.waitFor(/<\/stream:features>/);
  c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString('base64')}</auth>`);
  await c.waitFor(/<success/);
  c.send(header(domain));
  await c.waitFor(/<bind[^>]*>[\s\S]*<\/stream:features>/);
  c.send(`<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
  await c.waitFor(/<iq[^>]*id=["']b1["']/);
  c.send('<presence/>');
  await c.waitFor(/<presence[^>]*from=["'][^"']*\/[^"']*["']/);
  return c;
}
