// What the router hands the archive for one routed chat message: two entries, one serialisation.
import { Element } from 'ltx';
import { pino } from 'pino';
import { parseJid } from '../../jid.js';
import type { AccountStore, ArchiveEntry, ArchiveStore } from '../../storage/types.js';
import type { SessionDirectory } from '../session-directory.js';
import type { RoutedSession } from '../session.js';
import { isArchivable, MessageArchive } from './message-archive.js';
import { parse } from 'ltx';

const log = pino({ level: 'silent' });
const options = { maxQueue: 100, maxQueueBytes: 1 << 20, maxPageSize: 50, retentionDays: 0, purgeIntervalSeconds: 60, purgeBatch: 100 };

function archive() {
  const written: Array<ArchiveEntry & { owner: string }> = [];
  const store = { append: async (entries: Array<ArchiveEntry & { owner: string }>) => { written.push(...entries); }, getPrefs: async () => undefined } as unknown as ArchiveStore;
  const accounts = { get: async () => ({}) } as unknown as AccountStore;
  const sessions = { resourcesOf: () => [{}] } as unknown as SessionDirectory;
  return { mam: new MessageArchive(store, accounts, undefined, sessions, options, log), written };
}
const chat = (...extra: Element[]) => {
  const m = new Element('message', { from: 'alice@x/phone', to: 'bob@x/pc', type: 'chat', id: 'm1' });
  m.c('body').t('hi & bye');
  for (const e of extra) m.cnode(e);
  return m;
};
const alice = { jid: parseJid('alice@x/phone')! } as unknown as RoutedSession;

test('a routed chat message is archived for both parties with the same XML; only the delivered copy has the stanza-id', async () => {
  const { mam, written } = archive();
  const message = chat();
  const delivered = mam.received(message, parseJid('bob@x/pc')!); // routing delivers first
  mam.sent(alice, message, parseJid('bob@x/pc')!);
  await mam.stop();
  const [bob, al] = [written.find((e) => e.owner === 'bob@x')!, written.find((e) => e.owner === 'alice@x')!];
  expect(bob.xml).toBe(message.toString());
  expect(al.xml).toBe(message.toString());
  expect(al.with).toBe('bob@x/pc');
  expect(bob.with).toBe('alice@x/phone');
  expect(delivered.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs).toEqual({ xmlns: 'urn:xmpp:sid:0', by: 'bob@x', id: bob.id });
  expect(message.getChild('stanza-id')).toBeUndefined();
});

test('a forged stanza-id is left out of the recipient\'s entry but the sender\'s entry keeps the message as sent', async () => {
  const { mam, written } = archive();
  const forged = new Element('stanza-id', { xmlns: 'urn:xmpp:sid:0', by: 'bob@x', id: 'fake' });
  const message = chat(forged);
  mam.received(message, parseJid('bob@x/pc')!);
  mam.sent(alice, message, parseJid('bob@x/pc')!);
  await mam.stop();
  expect(written.find((e) => e.owner === 'bob@x')!.xml).not.toContain('fake');
  expect(written.find((e) => e.owner === 'alice@x')!.xml).toBe(message.toString());
  expect(message.toString()).toContain('fake');
});

test('the delivered copy reuses the archived XML: the same text ltx writes, and written afresh once changed', async () => {
  const { mam, written } = archive();
  const message = chat(new Element('active', { xmlns: 'http://jabber.org/protocol/chatstates' }));
  message.attrs.from = `alice@x/phone"&'<>`;
  const delivered = mam.received(message, parseJid('bob@x/pc')!);
  await mam.stop();
  const plain = new Element(delivered.name, delivered.attrs);
  plain.children = delivered.children;
  expect(delivered.toString()).toBe(plain.toString());
  expect(delivered.toString()).toBe(`${written[0].xml.slice(0, -'</message>'.length)}<stanza-id xmlns="urn:xmpp:sid:0" by="bob@x" id="${written[0].id}"/></message>`);
  delivered.c('delay', { xmlns: 'urn:xmpp:delay', stamp: 'now' });
  expect(delivered.toString()).toContain('<delay xmlns="urn:xmpp:delay" stamp="now"/></message>');
  delivered.attrs = { ...delivered.attrs, to: 'carol@x' };
  expect(delivered.toString()).toContain('to="carol@x"');
});

test('a copy not archived (the queue full) carries no stanza-id, and changing it leaves the routed message alone', async () => {
  const { mam } = archive();
  mam.writer.enqueue = () => false;
  const message = chat();
  const delivered = mam.received(message, parseJid('bob@x/pc')!);
  expect(delivered.getChild('stanza-id')).toBeUndefined();
  delivered.c('delay', { xmlns: 'urn:xmpp:delay', stamp: 'now' });
  expect(message.getChild('delay')).toBeUndefined();
  expect(delivered.toString()).toContain('<delay xmlns="urn:xmpp:delay" stamp="now"/></message>');
  await mam.stop();
});

test('the stamp of a recipient whose JID needs escaping is escaped as ltx escapes it', async () => {
  const { mam, written } = archive();
  const delivered = mam.received(chat(), { ...parseJid('bob@x/pc')!, bare: `b'ob@x` });
  await mam.stop();
  expect(delivered.toString()).toBe(`${written[0].xml.slice(0, -'</message>'.length)}<stanza-id xmlns="urn:xmpp:sid:0" by="b&apos;ob@x" id="${written[0].id}"/></message>`);
});

test('what is archived (XEP-0313 §5.1.1, XEP-0334 hints): chat and normal messages with a body or a store hint', () => {
  const archivable = (xml: string) => isArchivable(parse(xml) as Element);
  expect(archivable('<message type="chat"><body>hi</body></message>')).toBe(true);
  expect(archivable('<message><body>normal</body></message>')).toBe(true);
  expect(archivable('<message type="chat"><body xmlns="jabber:client">hi</body></message>')).toBe(true);
  expect(archivable('<message type="chat"><store xmlns="urn:xmpp:hints"/><active xmlns="http://jabber.org/protocol/chatstates"/></message>')).toBe(true);
  expect(archivable('<message type="chat"><active xmlns="http://jabber.org/protocol/chatstates"/></message>')).toBe(false);
  expect(archivable('<message type="groupchat"><body>room</body></message>')).toBe(false);
  expect(archivable('<message type="headline"><body>news</body></message>')).toBe(false);
  expect(archivable('<message type="error"><body>x</body></message>')).toBe(false);
  expect(archivable('<message type="chat"><body>x</body><no-store xmlns="urn:xmpp:hints"/></message>')).toBe(false);
  expect(archivable('<message type="chat"><no-permanent-store xmlns="urn:xmpp:hints"/><body>x</body></message>')).toBe(false);
  expect(archivable('<message><result xmlns="urn:xmpp:mam:2" id="1"><forwarded xmlns="urn:xmpp:forward:0"/></result><body>x</body></message>')).toBe(false);
});
