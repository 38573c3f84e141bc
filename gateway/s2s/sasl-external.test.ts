import type { PeerCertificate } from 'node:tls';
import { Element } from 'ltx';
import { certificateNamesDomain, externalAuthzid, offersExternal } from './sasl-external.js';

const cert = (subjectaltname: string | undefined, cn = 'unrelated.example') => ({ subject: { CN: cn }, subjectaltname }) as unknown as PeerCertificate;

describe('a certificate names a server domain (XEP-0178 §3, RFC 6125)', () => {
  test('a dNSName equal to it, in any case', () => {
    expect(certificateNamesDomain(cert('DNS:other.example, DNS:Example.COM'), 'example.com')).toBe(true);
    expect(certificateNamesDomain(cert('DNS:other.example'), 'example.com')).toBe(false);
  });

  test('a *. wildcard covers one label, not the domain itself nor two labels', () => {
    expect(certificateNamesDomain(cert('DNS:*.example.com'), 'chat.example.com')).toBe(true);
    expect(certificateNamesDomain(cert('DNS:*.example.com'), 'example.com')).toBe(false);
    expect(certificateNamesDomain(cert('DNS:*.example.com'), 'a.chat.example.com')).toBe(false);
  });

  test('an id-on-xmppAddr otherName equal to it, also without any dNSName', () => {
    expect(certificateNamesDomain(cert('othername:XmppAddr:example.com'), 'example.com')).toBe(true);
    expect(certificateNamesDomain(cert('DNS:other.example, othername:XmppAddr:example.com'), 'example.com')).toBe(true);
    expect(certificateNamesDomain(cert('othername:XmppAddr:example.org'), 'example.com')).toBe(false);
  });

  test('a quoted entry is one name, not several', () => {
    expect(certificateNamesDomain(cert('DNS:"evil.example, DNS:example.com"'), 'example.com')).toBe(false);
  });

  test('no subjectAltName: the CN, as Node checks server names', () => {
    expect(certificateNamesDomain(cert(undefined, 'example.com'), 'example.com')).toBe(true);
    expect(certificateNamesDomain(cert(undefined), 'example.com')).toBe(false);
  });
});

test("the authzid of <auth mechanism='EXTERNAL'>: '=' or nothing is none, else base64 of a domain (RFC 6120 §6.4.2)", () => {
  expect(externalAuthzid('=')).toEqual({ authzid: '' });
  expect(externalAuthzid('')).toEqual({ authzid: '' });
  expect(externalAuthzid(Buffer.from('Example.com').toString('base64'))).toEqual({ authzid: 'example.com' });
  expect(externalAuthzid('not base64!')).toBeUndefined();
});

test('EXTERNAL is found among the offered mechanisms', () => {
  const withMechanisms = (...names: string[]) => {
    const root = new Element('stream:features');
    const mechanisms = root.c('mechanisms', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl' });
    for (const name of names) mechanisms.c('mechanism').t(name);
    return root;
  };
  expect(offersExternal(withMechanisms('PLAIN', 'EXTERNAL'))).toBe(true);
  expect(offersExternal(withMechanisms('PLAIN'))).toBe(false);
  expect(offersExternal(new Element('stream:features'))).toBe(false);
});
