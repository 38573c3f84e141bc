import { StringDecoder } from 'node:string_decoder';
import { incompleteTail, Utf8Input } from './utf8-input.js';

describe('Utf8Input', () => {
  const text = "<message><body>héllo € 𝄞 ok</body></message>";
  const bytes = Buffer.from(text);

  test('a character split between two reads comes out whole, at every split point', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const input = new Utf8Input();
      expect(input.write(bytes.subarray(0, cut)) + input.write(bytes.subarray(cut))).toBe(text);
    }
  });

  test('one byte per read gives the same text', () => {
    const input = new Utf8Input();
    let out = '';
    for (const b of bytes) out += input.write(Buffer.from([b]));
    expect(out).toBe(text);
  });

  test('malformed bytes become U+FFFD as with a StringDecoder', () => {
    const bad = [Buffer.from([0xc3, 0x41]), Buffer.from([0x80, 0x41]), Buffer.from([0xff]), Buffer.from([0xe2, 0x82])];
    for (const chunk of bad) {
      const input = new Utf8Input();
      const decoder = new StringDecoder('utf8');
      expect(input.write(chunk) + input.write(Buffer.from('x'))).toBe(decoder.write(chunk) + decoder.write(Buffer.from('x')));
    }
  });

  test('reset forgets a carried partial character (stream restart)', () => {
    const input = new Utf8Input();
    expect(input.write(Buffer.from([0x41, 0xe2, 0x82]))).toBe('A');
    input.reset();
    expect(input.write(Buffer.from('<a/>'))).toBe('<a/>');
  });

  test('incompleteTail counts only the bytes of an unfinished character', () => {
    expect(incompleteTail(Buffer.from('abc'))).toBe(0);
    expect(incompleteTail(Buffer.from('€'))).toBe(0);
    expect(incompleteTail(Buffer.from('€').subarray(0, 2))).toBe(2);
    expect(incompleteTail(Buffer.from('𝄞').subarray(0, 3))).toBe(3);
    expect(incompleteTail(Buffer.alloc(0))).toBe(0);
  });
});
