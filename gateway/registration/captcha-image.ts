// The picture of an `ocr` CAPTCHA (XEP-0158 §3.2): the challenge text drawn from a 5×7 bitmap
// font, each letter scaled, turned and shifted by its own random amount, the whole line waved,
// over speckles and crossing lines — a grey-scale PNG written with node:zlib, no native code.
import { deflateSync } from 'node:zlib';

/** Letters and digits that cannot be confused with each other (no 0/O, 1/I/L). */
export const CAPTCHA_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** 5×7 glyphs, rows top to bottom, `#` inked. */
const FONT: Record<string, string> = {
  A: '.###. #...# #...# ##### #...# #...# #...#', B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.', D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####', F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####', H: '#...# #...# #...# ##### #...# #...# #...#',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..', K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#', N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  P: '####. #...# #...# ####. #.... #.... #....', Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#', S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..', U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..', W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#', Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####', '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.', '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.', '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...', '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
};
const GLYPHS = new Map(Object.entries(FONT).map(([ch, rows]) => [ch, rows.split(' ')]));

export const CAPTCHA_HEIGHT = 70;
const CELL = 36;
const MARGIN = 16;

export function captchaWidth(length: number): number {
  return MARGIN * 2 + CELL * length;
}

interface PlacedGlyph {
  rows: string[];
  cx: number;
  cy: number;
  cos: number;
  sin: number;
  scale: number;
}

/** Draws `text` (letters of CAPTCHA_ALPHABET) as a PNG; `random` in [0, 1) decides every distortion. */
export function renderCaptchaPng(text: string, random: () => number): Buffer {
  const width = captchaWidth(text.length);
  const height = CAPTCHA_HEIGHT;
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const glyphs: PlacedGlyph[] = [...text].map((ch, i) => {
    const rows = GLYPHS.get(ch);
    if (!rows) throw new Error(`no glyph for ${JSON.stringify(ch)}`);
    const angle = between(-0.35, 0.35);
    return { rows, cx: MARGIN + CELL * i + CELL / 2 + between(-3, 3), cy: height / 2 + between(-7, 7), cos: Math.cos(angle), sin: Math.sin(angle), scale: between(5.2, 6.4) };
  });
  const wave = { amplitude: between(1.5, 3.5), period: between(6, 10), phase: between(0, Math.PI * 2) };
  const pixels = Buffer.alloc(height * width);
  for (let y = 0; y < height; y++) {
    const shift = wave.amplitude * Math.sin(y / wave.period + wave.phase);
    for (let x = 0; x < width; x++) {
      const inked = glyphs.some((g) => glyphInked(g, x + shift, y));
      pixels[y * width + x] = inked ? 30 + Math.floor(random() * 50) : 200 + Math.floor(random() * 55);
    }
  }
  for (let n = Math.floor(width * height * 0.03); n > 0; n--) pixels[Math.floor(random() * pixels.length)] = Math.floor(random() * 140);
  for (let n = 0; n < 3; n++) drawLine(pixels, width, height, [between(0, width), between(0, height)], [between(0, width), between(0, height)], 60 + Math.floor(random() * 60));
  return encodeGreyPng(pixels, width, height);
}

function glyphInked(g: PlacedGlyph, x: number, y: number): boolean {
  const dx = x - g.cx;
  const dy = y - g.cy;
  // Inverse rotation into glyph space, origin at the glyph's centre (2.5, 3.5).
  const fx = (dx * g.cos + dy * g.sin) / g.scale + 2.5;
  const fy = (-dx * g.sin + dy * g.cos) / g.scale + 3.5;
  if (fx < 0 || fy < 0 || fx >= 5 || fy >= 7) return false;
  return g.rows[Math.floor(fy)]![Math.floor(fx)] === '#';
}

function drawLine(pixels: Buffer, width: number, height: number, [x0, y0]: number[], [x1, y1]: number[], shade: number): void {
  const steps = Math.ceil(Math.max(Math.abs(x1! - x0!), Math.abs(y1! - y0!)));
  for (let i = 0; i <= steps; i++) {
    const x = Math.round(x0! + ((x1! - x0!) * i) / Math.max(steps, 1));
    const y = Math.round(y0! + ((y1! - y0!) * i) / Math.max(steps, 1));
    if (x >= 0 && x < width && y >= 0 && y < height) pixels[y * width + x] = shade;
  }
}

// PNG (ISO/IEC 15948): signature, IHDR (8-bit grey), one IDAT (zlib, filter 0 on every row), IEND.
function encodeGreyPng(pixels: Buffer, width: number, height: number): Buffer {
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) pixels.copy(raw, y * (width + 1) + 1, y * width, (y + 1) * width);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
