// XEP-0157 on fake sessions: the serverinfo form appears in disco#info only when configured.
import { Element } from 'ltx';
import { accountHarness } from './test-support/account-harness.js';
import { SERVERINFO } from './contact-addresses.js';
import { capsVersion } from './caps.js';
import { readConfig } from '../../config/index.js';

const info = () => new Element('query', { xmlns: 'http://jabber.org/protocol/disco#info' });

describe('XEP-0157 contact addresses', () => {
  test('configured addresses are a serverinfo form in the server disco#info, and change the caps hash', async () => {
    const h = accountHarness(undefined, { contactAddresses: { abuse: ['mailto:abuse@example.org'], support: ['xmpp:support@example.org', 'https://example.org/help'], admin: [] } });
    const a = h.session('a');
    const query = (await h.ask(a, 'get', info(), 'localhost')).getChild('query')!;
    const form = query.getChild('x', 'jabber:x:data')!;
    expect(form.attrs.type).toBe('result');
    const fields = Object.fromEntries(form.getChildren('field').map((f) => [f.attrs.var, f.getChildren('value').map((v) => v.getText())]));
    expect(fields).toEqual({
      FORM_TYPE: [SERVERINFO],
      'abuse-addresses': ['mailto:abuse@example.org'],
      'support-addresses': ['xmpp:support@example.org', 'https://example.org/help'],
    });
    expect(capsVersion(h.router)).not.toBe(capsVersion(accountHarness().router));
  });

  test('the addresses come from the config file or the environment, comma-separated', () => {
    const config = readConfig({ env: { PAMPERO_CONTACT_ADDRESSES__ABUSE: 'mailto:abuse@example.org, xmpp:abuse@example.org' }, cwd: '/tmp' });
    expect(config.contactAddresses.abuse).toEqual(['mailto:abuse@example.org', 'xmpp:abuse@example.org']);
    expect(config.contactAddresses.support).toEqual([]);
  });

  test('without addresses there is no form', async () => {
    const h = accountHarness();
    const a = h.session('a');
    expect((await h.ask(a, 'get', info(), 'localhost')).getChild('query')!.getChild('x', 'jabber:x:data')).toBeUndefined();
  });
});
