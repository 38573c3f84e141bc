// The vCard PHOTO and XEP-0084 payload helpers of the XEP-0398 conversion.
import { Element } from 'ltx';
import { avatarInfoOf, avatarItems, photoOf, sha1Hex, withPhoto } from './vcard-photo.js';

const vcardWithName = () => {
  const vcard = new Element('vCard', { xmlns: 'vcard-temp' });
  vcard.c('FN').t('Alice');
  return vcard;
};

test('photoOf reads a BINVAL split over lines, defaults the type, and ignores EXTVAL-only or empty photos', () => {
  const vcard = vcardWithName();
  vcard.c('PHOTO').c('BINVAL').t('AAEC\n  AwQ=\n');
  expect(photoOf(vcard)).toEqual({ type: 'image/png', data: Buffer.from([0, 1, 2, 3, 4]), hash: sha1Hex(Buffer.from([0, 1, 2, 3, 4])) });
  const ext = vcardWithName();
  ext.c('PHOTO').c('EXTVAL').t('https://example.org/a.png');
  expect(photoOf(ext)).toBeUndefined();
  expect(photoOf(undefined)).toBeUndefined();
});

test('withPhoto replaces only the PHOTO; avatarItems describe the image with its SHA-1 as id', () => {
  const old = vcardWithName();
  old.c('PHOTO').c('BINVAL').t('AAAA');
  const updated = withPhoto(old, { type: 'image/webp', data: Buffer.from('img') });
  expect(updated.getChildText('FN')).toBe('Alice');
  expect(updated.getChildren('PHOTO')).toHaveLength(1);
  expect(photoOf(updated)).toMatchObject({ type: 'image/webp', data: Buffer.from('img') });
  const { data, metadata } = avatarItems(photoOf(updated)!);
  expect(data.getText()).toBe(Buffer.from('img').toString('base64'));
  expect(metadata.getChild('info')!.attrs).toEqual({ id: sha1Hex(Buffer.from('img')), type: 'image/webp', bytes: '3' });
});

test('avatarInfoOf: no info is "disabled", the info without url is chosen, URL-only gives nothing', () => {
  const meta = (...infos: Record<string, string>[]) => {
    const el = new Element('metadata', { xmlns: 'urn:xmpp:avatar:metadata' });
    for (const i of infos) el.c('info', i);
    return el;
  };
  expect(avatarInfoOf(meta())).toBe('disabled');
  expect(avatarInfoOf(meta({ id: 'u', type: 'image/gif', bytes: '1', url: 'https://x' }))).toBeUndefined();
  expect(avatarInfoOf(meta({ id: 'u', type: 'image/gif', bytes: '1', url: 'https://x' }, { id: 'l', type: 'image/png', bytes: '2' }))).toEqual({ id: 'l', type: 'image/png', bytes: 2 });
});
