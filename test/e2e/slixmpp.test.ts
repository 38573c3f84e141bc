// End-to-end with slixmpp (Debian's python3-slixmpp, installed by scripts/test-setup.sh):
// STARTTLS, SCRAM, roster get, and a message exchange with an @xmpp/client user.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const script = fileURLToPath(new URL('./slixmpp_client.py', import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('slix', 'slix-pw');
  await server.addUser('echo', 'echo-pw');
});
afterAll(async () => {
  await server.stop();
});

function runSlixmpp(mechanism: string, password = 'slix-pw'): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, `slix@${server.domain}/py`, password, String(server.c2sPort), `echo@${server.domain}`, mechanism], { timeout: 30_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stderr.slice(-2000)}`));
      }
    });
  });
}

describe('slixmpp', () => {
  test.each(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'])('logs in with %s, gets its roster and exchanges messages', async (mechanism) => {
    const echo = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'echo', password: 'echo-pw', resource: `e${mechanism}` });
    echo.on('error', () => {});
    echo.on('stanza', (el: any) => {
      if (el.is('message') && el.getChildText('body')) {
        void echo.send(xml('message', { to: el.attrs.from, type: 'chat' }, xml('body', {}, `pong:${el.getChildText('body')}`)));
      }
    });
    await echo.start();
    await echo.send(xml('presence'));
    const result = await runSlixmpp(mechanism);
    await echo.stop();
    expect(result).toMatchObject({ bound: `slix@${server.domain}/py`, roster: [], reply: 'pong:ping from slixmpp' });
  });

  test('a wrong password is refused', async () => {
    const result = await runSlixmpp('SCRAM-SHA-256', 'nope');
    expect(result.bound).toBeNull();
  });
});
