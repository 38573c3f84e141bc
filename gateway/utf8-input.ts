// UTF-8 bytes from a socket to text, for the stream parser. A TCP read can end in the middle of a
// multi-byte character; the few bytes of it are carried over to the next read. This replaces a
// StringDecoder per connection, which holds a native buffer of its own for the connection's whole
// life (≈ 400 bytes of every idle session, docs/benchmarks.md, fifth session): here an idle
// connection holds nothing but an empty field.

/** Bytes at the end of `chunk` that start a character the chunk does not complete (0–3). */
export function incompleteTail(chunk: Uint8Array): number {
  const n = chunk.length;
  for (let i = 1; i <= 3 && i <= n; i++) {
    const byte = chunk[n - i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead byte is further back
    if (byte < 0x80) return 0;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > i ? i : 0;
  }
  return 0; // complete, or not UTF-8 at all (decoded as U+FFFD like any malformed sequence)
}

export class Utf8Input {
  /** The start of a character split by the last read, if any. */
  private carry: Buffer | undefined;

  /** The text of `chunk`, without a split character at its end (kept for the next call). */
  write(chunk: Buffer): string {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTail(bytes);
    this.carry = cut === 0 ? undefined : Buffer.from(bytes.subarray(bytes.length - cut));
    return bytes.toString('utf8', 0, bytes.length - cut);
  }

  /** Forgets a carried partial character (stream restart). */
  reset(): void {
    this.carry = undefined;
  }
}
