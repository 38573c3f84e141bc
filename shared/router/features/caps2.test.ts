import { Element } from 'ltx';
import { pino } from 'pino';
import { Router } from '../router.js';
import { CAPS2, caps2Element, caps2HashInput, caps2Nodes, HASHES, serverCaps2 } from './caps2.js';
import type { Stores } from '../../storage/types.js';

const DISCO = 'http://jabber.org/protocol/disco#info';

function query(identities: Array<Record<string, string>>, features: string[], forms: Element[] = []): Element {
  const q = new Element('query', { xmlns: DISCO });
  for (const f of features) q.c('feature', { var: f });
  for (const i of identities) q.c('identity', i);
  for (const form of forms) q.cnode(form);
  return q;
}

// XEP-0390 §4.5.1, the simple example (features shuffled as in the XEP).
const SIMPLE_FEATURES = [
  'http://jabber.org/protocol/si', 'http://jabber.org/protocol/bytestreams', 'http://jabber.org/protocol/chatstates',
  'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'urn:xmpp:ping', 'jabber:iq:time',
  'jabber:iq:privacy', 'jabber:iq:version', 'http://jabber.org/protocol/rosterx', 'urn:xmpp:time', 'jabber:x:oob',
  'http://jabber.org/protocol/ibb', 'http://jabber.org/protocol/si/profile/file-transfer', 'urn:xmpp:receipts',
  'jabber:iq:roster', 'jabber:iq:last',
];

// §4.5.2, the complex example: two identities with xml:lang and a XEP-0128 form.
const COMPLEX_FEATURES = [
  'games:board', 'http://jabber.org/protocol/activity', 'http://jabber.org/protocol/activity+notify', 'http://jabber.org/protocol/bytestreams',
  'http://jabber.org/protocol/chatstates', 'http://jabber.org/protocol/commands', 'http://jabber.org/protocol/disco#info',
  'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/evil', 'http://jabber.org/protocol/feature-neg',
  'http://jabber.org/protocol/geoloc', 'http://jabber.org/protocol/geoloc+notify', 'http://jabber.org/protocol/ibb',
  'http://jabber.org/protocol/iqibb', 'http://jabber.org/protocol/mood', 'http://jabber.org/protocol/mood+notify',
  'http://jabber.org/protocol/rosterx', 'http://jabber.org/protocol/si', 'http://jabber.org/protocol/si/profile/file-transfer',
  'http://jabber.org/protocol/tune', 'http://www.facebook.com/xmpp/messages', 'http://www.xmpp.org/extensions/xep-0084.html#ns-metadata+notify',
  'jabber:iq:avatar', 'jabber:iq:browse', 'jabber:iq:dtcp', 'jabber:iq:filexfer', 'jabber:iq:ibb', 'jabber:iq:inband', 'jabber:iq:jidlink',
  'jabber:iq:last', 'jabber:iq:oob', 'jabber:iq:privacy', 'jabber:iq:roster', 'jabber:iq:time', 'jabber:iq:version', 'jabber:x:data',
  'jabber:x:event', 'jabber:x:oob', 'urn:xmpp:avatar:metadata+notify', 'urn:xmpp:ping', 'urn:xmpp:receipts', 'urn:xmpp:time',
];

function softwareInfoForm(): Element {
  const x = new Element('x', { xmlns: 'jabber:x:data', type: 'result' });
  x.c('field', { type: 'hidden', var: 'FORM_TYPE' }).c('value').t('urn:xmpp:dataforms:softwareinfo');
  x.c('field', { var: 'software' }).c('value').t('Tkabber');
  x.c('field', { var: 'software_version' }).c('value').t('0.11.1-svn-20111216-mod (Tcl/Tk 8.6b2)');
  x.c('field', { var: 'os' }).c('value').t('Windows');
  x.c('field', { var: 'os_version' }).c('value').t('XP');
  return x;
}

const sha256 = (c: Element | undefined) => c?.getChildren('hash', HASHES).find((h) => h.attrs.algo === 'sha-256')?.getText();

describe('XEP-0390 hash function input', () => {
  test('the simple example of §4.5.1 hashes to the published SHA-256', () => {
    const q = query([{ category: 'client', name: 'BombusMod', type: 'mobile' }], SIMPLE_FEATURES);
    expect(caps2HashInput(q)!.length).toBe(0x1d9); // the length of the XEP's hexdump
    expect(sha256(caps2Element(q))).toBe('kzBZbkqJ3ADrj7v08reD1qcWUwNGHaidNUgD7nHpiw8=');
  });

  test('the complex example of §4.5.2 (xml:lang identities, a form) hashes to the published SHA-256', () => {
    const q = query(
      [
        { category: 'client', name: 'Tkabber', type: 'pc', 'xml:lang': 'en' },
        { category: 'client', name: 'Ткаббер', type: 'pc', 'xml:lang': 'ru' },
      ],
      COMPLEX_FEATURES,
      [softwareInfoForm()],
    );
    expect(caps2HashInput(q)!.length).toBe(0x543);
    expect(sha256(caps2Element(q))).toBe('u79ZroNJbdSWhdSp311mddz44oHHPsEBntQ5b1jqBSY=');
  });

  test('the algorithm aborts on a foreign child and on a form without FORM_TYPE', () => {
    const foreign = query([], ['a']);
    foreign.c('other', { xmlns: 'urn:example' });
    expect(caps2HashInput(foreign)).toBeUndefined();
    const form = new Element('x', { xmlns: 'jabber:x:data', type: 'result' });
    form.c('field', { var: 'os' }).c('value').t('x');
    expect(caps2HashInput(query([], ['a'], [form]))).toBeUndefined();
  });

  test('hash nodes are urn:xmpp:caps#ALGO.BASE64 (§4.3)', () => {
    const c = caps2Element(query([{ category: 'client', name: 'BombusMod', type: 'mobile' }], SIMPLE_FEATURES))!;
    expect(caps2Nodes(c)).toEqual(['urn:xmpp:caps#sha-256.kzBZbkqJ3ADrj7v08reD1qcWUwNGHaidNUgD7nHpiw8=']);
  });
});

describe("the server's own hash", () => {
  const router = new Router({ domain: 'localhost', rosterDomain: 'roster.localhost', stores: { accountData: {} } as unknown as Stores, offlineQuota: 1, iqTimeoutMs: 1000, logger: pino({ level: 'silent' }), serverVersion: 'test' });

  test('the server advertises urn:xmpp:caps and its hash changes when a feature is added', () => {
    expect(router.serverIq.features.has(CAPS2)).toBe(true);
    const before = serverCaps2(router).nodes;
    expect(before).toHaveLength(1);
    router.serverIq.features.add('urn:example:new');
    expect(serverCaps2(router).nodes).not.toEqual(before);
  });
});
