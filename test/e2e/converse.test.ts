// A real web client: converse.js in headless Chromium logs in over the test server's WebSocket
// and sends a message to an @xmpp/client user over TCP, who checks it arrived. Skipped, with the
// reason, when Debian's Chromium is not installed (scripts/test-setup.sh installs it).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';

const CHROMIUM = '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const converseDist = join(root, 'node_modules', 'converse.js', 'dist');
const available = existsSync(CHROMIUM) && existsSync(converseDist);
if (!available) console.warn(`converse.js browser test skipped: ${existsSync(CHROMIUM) ? 'node_modules/converse.js is missing' : `${CHROMIUM} is missing (apt-get install chromium)`}`);
const describeIfBrowser = available ? describe : describe.skip;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg' };

/** A throwaway static server: the test page and converse.js's dist folder. */
async function servePage(): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!));
    const file = path === '/' || path === '/index.html' ? join(here, '..', 'browser', 'converse.html')
      : path.startsWith('/dist/') ? join(converseDist, path.slice('/dist/'.length)) : '';
    if (!file || !file.startsWith(root)) return void res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describeIfBrowser('converse.js in headless Chromium', () => {
  let server: TestServer;
  let page: { server: Server; port: number };
  let browser: any;
  let profile: string;

  beforeAll(async () => {
    server = await startTestServer();
    await server.addUser('cora', 'cora-pw');
    await server.addUser('otto', 'otto-pw');
    page = await servePage();
    profile = await mkdtemp(join(tmpdir(), 'pampero-chromium-'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await new Promise((r) => page?.server.close(r));
    await server?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test('logs in over WebSocket and sends a message that an @xmpp/client user receives', async () => {
    const otto = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource: 'tcp', username: 'otto', password: 'otto-pw' });
    otto.on('error', () => {});
    const received = new Promise<any>((resolve) => otto.on('stanza', (el: any) => { if (el.is('message') && el.getChildText('body') === 'hello from converse.js') resolve(el); }));
    await otto.start();
    const ottoPresence = new Promise<void>((resolve) => otto.on('stanza', (el: any) => { if (el.is('presence')) resolve(); }));
    await otto.send(xml('presence'));
    await ottoPresence;
    try {
      const tab = await browser.newPage();
      const logs: string[] = [];
      tab.on('console', (m: any) => logs.push(`${m.type()}: ${m.text()}`));
      tab.on('pageerror', (e: Error) => logs.push(`pageerror: ${e.message}`));
      const frames: string[] = [];
      tab.on('websocket', (socket: any) => {
        socket.on('framesent', (f: any) => frames.push(`> ${String(f.payload).slice(0, 300)}`));
        socket.on('framereceived', (f: any) => frames.push(`< ${String(f.payload).slice(0, 300)}`));
      });
      const ws = `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
      await tab.goto(`http://127.0.0.1:${page.port}/?ws=${encodeURIComponent(ws)}&jid=${encodeURIComponent(`cora@${server.domain}/browser`)}&password=cora-pw`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      await tab.waitForFunction(() => (globalThis as any).pampero?.connected === true, undefined, { timeout: 30_000 }).catch((e: Error) => {
        throw new Error(`converse.js did not connect: ${e.message}\n${logs.slice(-20).join('\n')}`);
      });
      // Sent on converse.js's own connection (its chat-box API waits on features this server
      // does not have yet, see docs/web-transports.md), built with its own stanza builder.
      await tab.evaluate((to: string) => {
        const { api, env } = (globalThis as any).pampero;
        api.send(env.$msg({ to, type: 'chat', id: 'converse-1' }).c('body').t('hello from converse.js'));
      }, `otto@${server.domain}`);
      const message = await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error(`no message; browser log:\n${logs.slice(-20).join("\n")}\n${frames.slice(-20).join("\n")}`)), 15_000))]);
      expect((message as any).attrs.from).toBe(`cora@${server.domain}/browser`);
      // And back: converse.js's connection receives what otto answers.
      await tab.evaluate(() => {
        const p = (globalThis as any).pampero;
        p.api.connection.get().addHandler((el: any) => {
          const body = el.getElementsByTagName('body')[0]?.textContent;
          if (body) p.received.push(body);
          return true;
        }, null, 'message');
      });
      await otto.send(xml('message', { to: `cora@${server.domain}/browser`, type: 'chat' }, xml('body', {}, 'hello back')));
      await tab.waitForFunction(() => (globalThis as any).pampero.received.includes('hello back'), undefined, { timeout: 15_000 });
    } finally {
      await otto.stop().catch(() => {});
    }
  }, 90_000);
});
