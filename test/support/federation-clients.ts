// The users of the federation tests (test/e2e/s2s*.test.ts): @xmpp/client logins on a test server
// with the first SASL mechanism it offers (password `<username>-pw`), kept in the caller's list so
// an afterEach can stop them.
import { client, xml } from '@xmpp/client';
import type { TestServer } from './test-server.js';
import { nextStanza } from './next-stanza.js';

export type XmppClient = ReturnType<typeof client>;

/** A client for `username` on `server`, not started yet. */
function login(server: TestServer, username: string, clients: XmppClient[]): XmppClient {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource: 'test',
    credentials: async (authenticate: (c: object, m: string) => Promise<void>, mechanisms: string[]) => {
      await authenticate({ username, password: `${username}-pw` }, mechanisms[0]!);
    },
  });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  return xmpp;
}

/** Logged in, available, and its own presence seen back (the session is bound and routable). */
export async function online(server: TestServer, username: string, clients: XmppClient[]): Promise<XmppClient> {
  const xmpp = login(server, username, clients);
  await xmpp.start();
  const echoed = nextStanza(xmpp, (el) => el.is('presence') && el.attrs.from === xmpp.jid?.toString(), 10_000);
  await xmpp.send(xml('presence'));
  await echoed;
  return xmpp;
}
