// A real web client: converse.js in headless Chromium logs in once over WebSocket and once over
// BOSH, shows its roster (a contact with a subscription both ways, made over TCP beforehand),
// and chats through its chat box with an @xmpp/client user over TCP. Each run leaves a
// screenshot in test-artifacts/ (git-ignored). Skipped, with the reason, when Debian's Chromium
// or node_modules/converse.js is missing (scripts/test-setup.sh installs Chromium).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { nextStanza } from '../support/next-stanza.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const CHROMIUM = '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const converseDist = join(root, 'node_modules', 'converse.js', 'dist');
const ARTIFACTS = join(root, 'test-artifacts');
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

type XmppClient = ReturnType<typeof client>;

describeIfBrowser('converse.js in headless Chromium', () => {
  let server: TestServer;
  let page: { server: Server; port: number };
  const profiles: string[] = [];
  let otto: XmppClient;

  function tcpClient(username: string, resource: string): XmppClient {
    const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource, username, password: `${username}-pw` });
    xmpp.on('error', () => {});
    return xmpp;
  }

  beforeAll(async () => {
    server = await startTestServer();
    await server.addUser('cora', 'cora-pw');
    await server.addUser('otto', 'otto-pw');
    otto = tcpClient('otto', 'tcp');
    await otto.start();
    // Cora and Otto subscribe to each other (RFC 6121 §3) over TCP before converse.js logs in.
    const cora = tcpClient('cora', 'setup');
    await cora.start();
    // Subscription requests go to available resources (RFC 6121 §3.1.3): both send presence first.
    await Promise.all([cora.send(xml('presence')), otto.send(xml('presence'))]);
    for (const [from, to] of [[cora, otto], [otto, cora]] as const) {
      const toJid = to === otto ? `otto@${server.domain}` : `cora@${server.domain}`;
      const fromJid = from === otto ? `otto@${server.domain}` : `cora@${server.domain}`;
      const asked = nextStanza(to, (el) => el.is('presence') && el.attrs.type === 'subscribe');
      await from.send(xml('presence', { to: toJid, type: 'subscribe' }));
      await asked;
      const approved = nextStanza(from, (el) => el.is('presence') && el.attrs.type === 'subscribed');
      await to.send(xml('presence', { to: fromJid, type: 'subscribed' }));
      await approved;
    }
    const roster = await cora.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    expect(roster.getChild('query').getChild('item').attrs).toMatchObject({ jid: `otto@${server.domain}`, subscription: 'both' });
    await cora.stop();

    page = await servePage();
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await otto?.stop().catch(() => {});
    if (page) await new Promise((r) => page.server.close(r));
    await server?.stop();
    for (const profile of profiles) await rm(profile, { recursive: true, force: true });
  });

  /** Chromium with a fresh profile (nothing converse.js cached from another run). */
  async function launchBrowser(): Promise<any> {
    const profile = await mkdtemp(join(tmpdir(), 'pampero-chromium-'));
    profiles.push(profile);
    const { chromium } = await import('playwright-core');
    return chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  }

  test.each(['websocket', 'bosh'] as const)('logs in over %s, shows its roster and chats with a TCP user from its chat box', async (transport) => {
    const endpoint = transport === 'websocket'
      ? `ws=${encodeURIComponent(`ws://127.0.0.1:${server.httpPort}/xmpp-websocket`)}`
      : `bosh=${encodeURIComponent(`http://127.0.0.1:${server.httpPort}/http-bind`)}`;
    const resource = `browser-${transport}`;
    const browser = await launchBrowser();
    const tab = browser.pages()[0] ?? await browser.newPage();
    const logs: string[] = [];
    tab.on('console', (m: any) => logs.push(`${m.type()}: ${m.text()}`));
    tab.on('pageerror', (e: Error) => logs.push(`pageerror: ${e.message}`));
    const trail = () => `\nbrowser log:\n${logs.slice(-30).join('\n')}`;
    const step = async <T>(what: string, p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (err) {
        await tab.screenshot({ path: join(ARTIFACTS, `converse-${transport}-failed.png`) }).catch(() => {});
        throw new Error(`${what}: ${(err as Error).message}${trail()}`);
      }
    };
    try {
      await tab.goto(`http://127.0.0.1:${page.port}/?${endpoint}&jid=${encodeURIComponent(`cora@${server.domain}/${resource}`)}&password=cora-pw`, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      await step('converse.js did not connect', tab.waitForFunction(() => (globalThis as any).pampero?.connected === true, undefined, { timeout: 30_000 }));
      expect(await tab.evaluate(() => (globalThis as any).pampero.connectionType)).toBe(transport);

      // The roster: Otto, subscribed both ways, online.
      const contact = tab.locator(`converse-roster-contact a.open-chat[data-jid="otto@${server.domain}"]`);
      await step('the roster contact did not show', contact.waitFor({ state: 'visible', timeout: 20_000 }));

      // Cora writes in the chat box; Otto receives it over TCP.
      const text = `hello over ${transport}`;
      const received = nextStanza(otto, (el) => el.is('message') && el.getChildText('body') === text, 20_000);
      await contact.click();
      const textarea = tab.locator('converse-chat textarea.chat-textarea');
      await step('the chat box did not open', textarea.waitFor({ state: 'visible', timeout: 15_000 }));
      await textarea.fill(text);
      await textarea.press('Enter');
      const message = await step('Otto did not receive the message', received);
      expect(message.attrs.from).toBe(`cora@${server.domain}/${resource}`);

      // Otto answers; the answer shows in Cora's chat box.
      const answer = `answer to ${transport}`;
      await otto.send(xml('message', { to: message.attrs.from, type: 'chat' }, xml('body', {}, answer)));
      await step('the answer did not show in the chat box', tab.locator('converse-chat .chat-msg__text', { hasText: answer }).waitFor({ state: 'visible', timeout: 15_000 }));
      await tab.screenshot({ path: join(ARTIFACTS, `converse-${transport}.png`) });
      expect(await tab.evaluate(() => (globalThis as any).pampero.errors)).toEqual([]);
    } finally {
      await browser.close().catch(() => {});
    }
  }, 90_000);
});
