import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { CAPTCHA_ALPHABET, CAPTCHA_HEIGHT, captchaWidth, crc32, renderCaptchaPng } from './captcha-image.js';

/** A tiny PNG reader: chunks with their CRCs checked, the grey pixels unfiltered (filter 0 only). */
function readPng(png: Buffer): { width: number; height: number; pixels: Buffer[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(zlibCrc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data });
    at += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const header = chunks[0]!.data;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  expect([header[8], header[9]]).toEqual([8, 0]);
  const raw = inflateSync(chunks[1]!.data);
  expect(raw.length).toBe(height * (width + 1));
  const pixels = Array.from({ length: height }, (_, y) => {
    expect(raw[y * (width + 1)]).toBe(0);
    return raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
  });
  return { width, height, pixels };
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

test('the CRC-32 of PNG chunks matches zlib', () => {
  for (const text of ['', 'IEND', 'a longer run of bytes for the table']) expect(crc32(Buffer.from(text))).toBe(zlibCrc32(Buffer.from(text)));
});

test('a CAPTCHA is a valid grey-scale PNG of the announced size with the text inked in its middle', () => {
  const png = renderCaptchaPng('AB3XY', seeded(7));
  const { width, height, pixels } = readPng(png);
  expect([width, height]).toEqual([captchaWidth(5), CAPTCHA_HEIGHT]);
  // Every letter inks a good share of its own column band (dark pixels, under 100).
  for (let letter = 0; letter < 5; letter++) {
    let dark = 0;
    for (const row of pixels) for (let x = 16 + 36 * letter; x < 16 + 36 * (letter + 1); x++) if (row[x]! < 100) dark++;
    expect(dark).toBeGreaterThan(150);
  }
});

test('every letter of the alphabet has a glyph, and the same seed draws the same picture', () => {
  expect(() => renderCaptchaPng(CAPTCHA_ALPHABET, seeded(1))).not.toThrow();
  expect(renderCaptchaPng('K7M2P', seeded(3)).equals(renderCaptchaPng('K7M2P', seeded(3)))).toBe(true);
  expect(renderCaptchaPng('K7M2P', seeded(3)).equals(renderCaptchaPng('K7M2P', seeded(4)))).toBe(false);
  expect(() => renderCaptchaPng('O', seeded(1))).toThrow(/no glyph/);
});
