import { encodeFrame, expectedAccept, FrameDecoder, OP_CLOSE, OP_PING, OP_TEXT } from './websocket-frames.js';

/** What a server does with a client frame (RFC 6455 §5.3): read the mask and unmask. */
function unmask(frame: Buffer): { opcode: number; payload: Buffer } {
  let len = frame[1] & 0x7f;
  let pos = 2;
  if (len === 126) { len = frame.readUInt16BE(2); pos = 4; } else if (len === 127) { len = Number(frame.readBigUInt64BE(2)); pos = 10; }
  expect(frame[1] & 0x80).toBe(0x80); // clients must mask
  const mask = frame.subarray(pos, pos + 4);
  const payload = Buffer.from(frame.subarray(pos + 4, pos + 4 + len).map((b, i) => b ^ mask[i & 3]));
  return { opcode: frame[0] & 0x0f, payload };
}

const serverFrame = (payload: string | Buffer, opcode = OP_TEXT, fin = true) => {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const head = p.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, p.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, p.length >> 8, p.length & 0xff]);
  return Buffer.concat([head, p]);
};

describe('WebSocket framing (RFC 6455, client side)', () => {
  it('masks client frames so a server unmasks the original payload, for all three length forms', () => {
    for (const size of [5, 300, 70_000]) {
      const payload = Buffer.alloc(size, 'a');
      const { opcode, payload: back } = unmask(encodeFrame(payload));
      expect(opcode).toBe(OP_TEXT);
      expect(back.equals(payload)).toBe(true);
    }
  });

  it('computes the Sec-WebSocket-Accept of RFC 6455 §1.3', () => {
    expect(expectedAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('decodes frames split across TCP chunks at any byte', () => {
    const wire = Buffer.concat([serverFrame("<message id='1'/>"), serverFrame('x'.repeat(200))]);
    for (let cut = 1; cut < wire.length; cut += 7) {
      const d = new FrameDecoder();
      const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(got.map((m) => m.payload.toString())).toEqual(["<message id='1'/>", 'x'.repeat(200)]);
    }
  });

  it('joins fragmented messages and passes control frames through between fragments', () => {
    const d = new FrameDecoder();
    const got = d.push(Buffer.concat([serverFrame('<pres', OP_TEXT, false), serverFrame('hi', OP_PING), serverFrame('ence/>', 0, true), serverFrame('', OP_CLOSE)]));
    expect(got.map((m) => [m.opcode, m.payload.toString()])).toEqual([[OP_PING, 'hi'], [OP_TEXT, '<presence/>'], [OP_CLOSE, '']]);
  });
});
