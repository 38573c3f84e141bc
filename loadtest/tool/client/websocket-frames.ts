// The client side of RFC 6455 framing: masked frames out (§5.3 requires a client to mask), a
// streaming decoder for the server's unmasked frames in (fragments joined, control frames apart).
import { createHash, randomBytes } from 'node:crypto';

export const OP_TEXT = 0x1;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server must answer to this key (RFC 6455 §4.2.2). */
export function expectedAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

// Masks come from a pooled random buffer: one crypto call per 4096 frames, not one per frame.
let maskPool = randomBytes(16384);
let maskPos = maskPool.length;

function nextMask(): Buffer {
  if (maskPos + 4 > maskPool.length) {
    maskPool = randomBytes(16384);
    maskPos = 0;
  }
  const mask = maskPool.subarray(maskPos, maskPos + 4);
  maskPos += 4;
  return mask;
}

export function encodeFrame(payload: Buffer, opcode = OP_TEXT): Buffer {
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) {
    frame[1] = 0x80 | n;
  } else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = nextMask();
  mask.copy(frame, headerLength);
  const body = headerLength + 4;
  for (let i = 0; i < n; i++) frame[body + i] = payload[i] ^ mask[i & 3];
  return frame;
}

export interface DecodedMessage {
  opcode: number;
  payload: Buffer;
}

/** Feeds raw bytes; returns the complete messages (data messages reassembled from fragments). */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;

  constructor(private readonly maxMessageBytes = 16 * 1024 * 1024) {}

  push(chunk: Buffer): DecodedMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: DecodedMessage[] = [];
    let pos = 0;
    const buf = this.buffer;
    while (buf.length - pos >= 2) {
      const b0 = buf[pos];
      const b1 = buf[pos + 1];
      let length = b1 & 0x7f;
      let header = pos + 2;
      if (length === 126) {
        if (buf.length - header < 2) break;
        length = buf.readUInt16BE(header);
        header += 2;
      } else if (length === 127) {
        if (buf.length - header < 8) break;
        length = Number(buf.readBigUInt64BE(header));
        header += 8;
      }
      if (length > this.maxMessageBytes) throw new Error('websocket frame too large');
      const masked = (b1 & 0x80) !== 0; // servers must not mask; accept it anyway
      const maskAt = header;
      if (masked) header += 4;
      if (buf.length - header < length) break;
      let payload = buf.subarray(header, header + length);
      if (masked) {
        const copy = Buffer.allocUnsafe(length);
        for (let i = 0; i < length; i++) copy[i] = payload[i] ^ buf[maskAt + (i & 3)];
        payload = copy;
      }
      pos = header + length;
      this.collect(b0, payload, out);
    }
    this.buffer = pos === buf.length ? Buffer.alloc(0) : buf.subarray(pos);
    return out;
  }

  private collect(b0: number, payload: Buffer, out: DecodedMessage[]): void {
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode >= 0x8) {
      out.push({ opcode, payload: Buffer.from(payload) }); // control frames are never fragmented
      return;
    }
    if (opcode !== 0) this.fragmentOpcode = opcode;
    if (fin && this.fragments.length === 0) {
      out.push({ opcode, payload: Buffer.from(payload) });
      return;
    }
    this.fragments.push(Buffer.from(payload));
    if (fin) {
      out.push({ opcode: this.fragmentOpcode, payload: Buffer.concat(this.fragments) });
      this.fragments = [];
    }
  }
}
