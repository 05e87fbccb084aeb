/**
 * The TLV layer: netlink attributes, and the writer of whole messages, in host byte order.
 * libmnl's `attr.c` is the model: put a value, start and end a nest, walk attributes with
 * bounds checks. Unknown attributes are walked over and stay readable, never rejected.
 * @internal
 * @packageDocumentation
 */
import { endianness } from 'node:os';
import { NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';

const LE = endianness() === 'LE';

/** Rounds up to netlink's 4-byte alignment. @internal */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

// Plain byte arithmetic: every caller has checked the bounds already, and Buffer's own readers
// check them again on each call, which shows in the profile of a dump of thousands of links.
/** @internal */
export const readU16: (b: Buffer, o: number) => number = LE
  ? (b, o) => b[o]! | (b[o + 1]! << 8)
  : (b, o) => (b[o]! << 8) | b[o + 1]!;
/** @internal */
export const readU32: (b: Buffer, o: number) => number = LE
  ? (b, o) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000
  : (b, o) => b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
/** @internal */
export const readI32: (b: Buffer, o: number) => number = LE
  ? (b, o) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)
  : (b, o) => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
/** @internal */
export const writeU32: (b: Buffer, v: number, o: number) => number = LE
  ? (b, v, o) => b.writeUInt32LE(v >>> 0, o)
  : (b, v, o) => b.writeUInt32BE(v >>> 0, o);
/** A u64 as a number: exact below 2^53 (8 PiB of counted bytes). @internal */
export function readU64(b: Buffer, o: number): number {
  const lo = readU32(b, LE ? o : o + 4);
  const hi = readU32(b, LE ? o + 4 : o);
  return hi * 0x1_0000_0000 + lo;
}

/** A big-endian u32 (nf_tables' integers). @internal */
export function readBe32(b: Buffer, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/** A big-endian u64 as a number: exact below 2^53 (an nf_tables handle). @internal */
export function readBe64(b: Buffer, o: number): number {
  return readBe32(b, o) * 0x1_0000_0000 + readBe32(b, o + 4);
}

/** A NUL-terminated (or bounded) string attribute's text. @internal */
export function readString(b: Buffer, start: number, end: number): string {
  let stop = start;
  while (stop < end && b[stop] !== 0) stop++;
  return b.toString('utf8', start, stop);
}

/** Messages are written into slabs of this size, each keeping the part it was given. */
const SLAB_SIZE = 16384;
let slab = Buffer.allocUnsafe(SLAB_SIZE);
let slabUsed = 0;

/**
 * Builds one netlink message: the header, a fixed family struct, then attributes.
 * Grows as needed; {@link MessageWriter.finish} returns the bytes.
 * @internal
 */
export class MessageWriter {
  private buf: Buffer;
  /** Where this message starts in `buf` (a slab shared with other messages), 8-aligned. */
  private readonly base: number;
  private len: number;
  /** The end of the room reserved for it in `buf`. */
  private limit: number;

  constructor(type: number, flags: number, capacity = 256) {
    // Carved from the current slab, as Node's Buffer pool does, so that a message costs one
    // Buffer (its view) rather than a pooled one and a view of it.
    const room = (capacity + 7) & ~7;
    if (room > SLAB_SIZE / 4) {
      this.buf = Buffer.allocUnsafe(room);
      this.base = 0;
    } else {
      if (slabUsed + room > SLAB_SIZE) {
        slab = Buffer.allocUnsafe(SLAB_SIZE);
        slabUsed = 0;
      }
      this.buf = slab;
      this.base = slabUsed;
      slabUsed += room;
    }
    this.len = this.base;
    this.limit = this.base + room;
    this.u32(0); // nlmsg_len, set by finish()
    this.u16(type);
    this.u16(flags);
    this.u32(0); // nlmsg_seq, set when the request is sent
    this.u32(0); // nlmsg_pid: 0, the kernel assigns our port id
  }

  private room(n: number): void {
    const need = this.len + n;
    if (need <= this.limit) return;
    // The last message carved from the slab grows in place while the slab has room.
    if (this.buf === slab && this.limit === slabUsed && need <= SLAB_SIZE) {
      slabUsed = this.limit = Math.min(SLAB_SIZE, (this.base + 2 * (need - this.base) + 7) & ~7);
      return;
    }
    // Else into a buffer of its own, at the same offsets (nestStart's are held by callers);
    // the bytes before `base` are never read.
    let size = 2 * (this.limit - this.base);
    while (this.base + size < need) size *= 2;
    const grown = Buffer.allocUnsafe(this.base + size);
    this.buf.copy(grown, this.base, this.base, this.len);
    this.buf = grown;
    this.limit = this.base + size;
  }

  /** Where the next byte goes, as {@link MessageWriter.nestEnd} takes it. */
  get offset(): number {
    return this.len;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.len = LE ? this.buf.writeUInt16LE(v, this.len) : this.buf.writeUInt16BE(v, this.len);
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.len = LE ? this.buf.writeUInt32LE(v >>> 0, this.len) : this.buf.writeUInt32BE(v >>> 0, this.len);
    return this;
  }
  i32(v: number): this {
    this.room(4);
    this.len = LE ? this.buf.writeInt32LE(v, this.len) : this.buf.writeInt32BE(v, this.len);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** Zero bytes up to the next 4-byte boundary. */
  pad(): this {
    const to = align4(this.len);
    this.room(to - this.len);
    while (this.len < to) this.buf[this.len++] = 0;
    return this;
  }

  private attrHeader(type: number, payload: number): void {
    if (NLA_HDRLEN + payload > 0xffff) throw new RangeError(`netlink attribute too long (${payload} bytes)`);
    this.u16(NLA_HDRLEN + payload);
    this.u16(type);
  }

  putU8(type: number, v: number): this {
    this.attrHeader(type, 1);
    return this.u8(v).pad();
  }
  putU16(type: number, v: number): this {
    this.attrHeader(type, 2);
    return this.u16(v).pad();
  }
  /** A 16-bit value in network byte order (`NLA_BE16`: a VLAN protocol, a UDP port). */
  putBe16(type: number, v: number): this {
    this.attrHeader(type, 2);
    this.room(2);
    this.len = this.buf.writeUInt16BE(v, this.len);
    return this.pad();
  }
  putU32(type: number, v: number): this {
    this.attrHeader(type, 4);
    return this.u32(v);
  }
  /** A 16-bit value in network byte order, unframed (nfnetlink's `res_id`). */
  be16(v: number): this {
    this.room(2);
    this.len = this.buf.writeUInt16BE(v, this.len);
    return this;
  }
  /** A 32-bit value in network byte order (nf_tables' integers are all big-endian). */
  putBe32(type: number, v: number): this {
    this.attrHeader(type, 4);
    this.room(4);
    this.len = this.buf.writeUInt32BE(v >>> 0, this.len);
    return this;
  }
  /** A 64-bit value in network byte order (an nf_tables handle); exact below 2^53. */
  putBe64(type: number, v: number): this {
    this.attrHeader(type, 8);
    this.room(8);
    this.len = this.buf.writeUInt32BE(Math.floor(v / 0x1_0000_0000), this.len);
    this.len = this.buf.writeUInt32BE(v >>> 0, this.len);
    return this;
  }
  putI32(type: number, v: number): this {
    this.attrHeader(type, 4);
    return this.i32(v);
  }
  /** A string with its terminating NUL, as the kernel's NLA_STRING / NLA_NUL_STRING take. */
  putStrz(type: number, s: string): this {
    const n = Buffer.byteLength(s);
    this.attrHeader(type, n + 1);
    this.room(n + 1);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
    this.buf[this.len++] = 0;
    return this.pad();
  }
  putBytes(type: number, b: Uint8Array): this {
    this.attrHeader(type, b.length);
    return this.bytes(b).pad();
  }
  /** Opens a nested attribute; pass the result to {@link MessageWriter.nestEnd}. */
  nestStart(type: number): number {
    const at = this.len;
    this.attrHeader(type, 0);
    return at;
  }
  nestEnd(at: number): this {
    const length = this.len - at;
    if (length > 0xffff) throw new RangeError(`netlink attribute too long (${length} bytes)`);
    if (LE) this.buf.writeUInt16LE(length, at);
    else this.buf.writeUInt16BE(length, at);
    return this;
  }

  /** The finished message, its length field set. */
  finish(): Buffer {
    const length = this.len - this.base;
    if (LE) this.buf.writeUInt32LE(length, this.base);
    else this.buf.writeUInt32BE(length, this.base);
    // The unused rest of the last message carved goes back to the slab.
    if (this.buf === slab && this.limit === slabUsed) slabUsed = this.limit = (this.len + 7) & ~7;
    return this.buf.subarray(this.base, this.len);
  }
}

/**
 * Calls `visit(type, start, end)` for each attribute in `buf[start, end)`, type flags masked
 * off. Stops at the first attribute whose length does not fit: a truncated tail is ignored,
 * never read past.
 * @internal
 */
export function eachAttr(
  buf: Buffer,
  start: number,
  end: number,
  visit: (type: number, start: number, end: number) => void,
): void {
  let at = start;
  while (at + NLA_HDRLEN <= end) {
    const len = readU16(buf, at);
    if (len < NLA_HDRLEN || at + len > end) return;
    visit(readU16(buf, at + 2) & NLA_TYPE_MASK, at + NLA_HDRLEN, at + len);
    at += align4(len);
  }
}

/**
 * Finds the payload of the first attribute of `type` in `buf[start, end)`.
 * @internal
 */
export function findAttr(buf: Buffer, start: number, end: number, type: number): [number, number] | undefined {
  let found: [number, number] | undefined;
  eachAttr(buf, start, end, (t, s, e) => {
    if (found === undefined && t === type) found = [s, e];
  });
  return found;
}
