import { Element } from 'ltx';
import { stanzaXml } from './stanza-xml.js';

const message = (body: string) => new Element('message', { to: 'slow@localhost', type: 'chat' }).c('body').t(body).root();

test('a stanza handed to many sessions in one go is serialised once', () => {
  const stanza = message('x'.repeat(8192));
  let serialisations = 0;
  const toString = stanza.toString.bind(stanza);
  stanza.toString = () => (serialisations++, toString());
  const copies = Array.from({ length: 100 }, () => stanzaXml(stanza));
  expect(serialisations).toBe(1);
  expect(new Set(copies)).toEqual(new Set([toString()]));
});

test('another stanza, or the same one changed in a later job, is serialised afresh', async () => {
  const first = message('one');
  const second = message('two');
  expect(stanzaXml(first)).toContain('one');
  expect(stanzaXml(second)).toContain('two');
  expect(stanzaXml(first)).toContain('one');
  await Promise.resolve();
  first.getChild('body')!.children = ['changed'];
  expect(stanzaXml(first)).toContain('changed');
});
