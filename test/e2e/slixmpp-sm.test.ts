// XEP-0198 with slixmpp's xep_0198 plugin (Debian's python3-slixmpp): acks for every stanza it
// sends, then a connection that dies without </stream> and a resumption on a new one, with
// every message sent meanwhile delivered exactly once.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loginRaw, type RawClient } from '../support/raw-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = fileURLToPath(new URL('./slixmpp_sm_client.py', import.meta.url));
let server: TestServer;
let bob: RawClient | undefined;

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('slix', 'slix-pw');
  await server.addUser('bob', 'bob-pw');
});
afterAll(async () => {
  bob?.socket.destroy();
  await server.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('slixmpp gets its stanzas acked, loses its connection, resumes, and gets every message once', async () => {
  bob = await loginRaw(server.c2sPort, server.domain, 'bob', 'bob-pw', 'desk');
  const child = spawn('/usr/bin/python3', [script, `slix@${server.domain}/phone`, 'slix-pw', String(server.c2sPort), `bob@${server.domain}/desk`, '3', '6'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  const steps: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  lines.on('line', (line) => {
    try {
      steps.push(JSON.parse(line));
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  const step = async (name: string): Promise<Record<string, any>> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = steps.find((s) => s.step === name);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`slixmpp never reached ${name}: ${stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
    }
  };
  try {
    const enabled = await step('enabled');
    expect(enabled.enabled).toMatchObject({ id: true });
    expect(enabled.acked).toBe(3); // the three messages, each acked by the server (window 1)
    await bob.waitFor(/sm-3/);

    const to = `slix@${server.domain}/phone`;
    bob.send(`<message to='${to}' type='chat'><body>away-1</body></message>`);
    bob.send(`<message to='slix@${server.domain}' type='chat'><body>away-2</body></message>`);
    child.stdin.write('drop\n');
    await step('dropped');
    await sleep(200);
    for (let i = 3; i <= 6; i++) bob.send(`<message to='${to}' type='chat'><body>away-${i}</body></message>`);
    child.stdin.write('resume\n');
    const done = await step('done');
    expect(done.resumed).toBe(true);
    expect(done.away).toEqual({ 'away-1': 1, 'away-2': 1, 'away-3': 1, 'away-4': 1, 'away-5': 1, 'away-6': 1 });
  } finally {
    child.kill();
  }
}, 40_000);
