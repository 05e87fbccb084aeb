/**
 * IP addresses and prefixes: parsed into bytes with every malformed input refused by name,
 * and formatted as `ip` prints them (IPv6 per RFC 5952, as glibc's inet_ntop does).
 * @internal
 * @packageDocumentation
 */
import { C } from './constants.js';
import { showValue } from '../validate.js';

/** An IP version: 4 or 6, as `ip -4` / `ip -6` select. */
export type Family = 4 | 6;

/** An address with its family and bytes. @internal */
export interface IpAddress {
  family: Family;
  bytes: Buffer;
  text: string;
}

/** An address with a prefix length. @internal */
export interface IpPrefix extends IpAddress {
  prefixLength: number;
}

/** The kernel's address family number for 4 or 6. @internal */
export function afOf(family: Family): number {
  return family === 4 ? C.AF_INET : C.AF_INET6;
}

/**
 * A dotted quad's bytes, or null if `s` is not one: the test node's isIPv4 makes (four decimal
 * octets of 0-255, no leading zeros, nothing else), without its regular expression. Addresses
 * are parsed for every request: this is the hot path.
 */
function tryV4(s: string, end: number): Buffer | null {
  if (end < 7 || end > 15) return null;
  const out = Buffer.allocUnsafe(4);
  let at = 0;
  let octet = 0;
  let digits = 0;
  for (let i = 0; i <= end; i++) {
    const c = i === end ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || at === 4) return null;
      out[at++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return null; // a leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else {
      return null;
    }
  }
  return at === 4 ? out : null;
}

/** A hex digit's value, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Groups parsed so far by tryV6 (it never runs twice at once). */
const v6Groups = new Uint16Array(8);

/**
 * An IPv6 address's bytes, or null if `s` is not one: what Node's isIPv6 accepts (eight
 * groups of 1-4 hex digits, or fewer with one `::` standing for at least one zero group, the
 * last two optionally a dotted quad), read in one pass, without its regular expression (the
 * expression and a split into groups cost 900 bytes and a few microseconds an address).
 */
function tryV6(s: string): Buffer | null {
  const end = s.length;
  if (end < 2 || end > 45) return null;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let v = 0;
    let j = i;
    for (let d = hexDigit(s.charCodeAt(j)); d >= 0 && j < end; d = hexDigit(s.charCodeAt(++j))) v = v * 16 + d;
    if (j < end && s.charCodeAt(j) === 46) {
      // The last 32 bits as a dotted quad, to the end.
      const quad = n <= 6 ? tryV4(s.slice(i), end - i) : null;
      if (!quad) return null;
      v6Groups[n++] = (quad[0]! << 8) | quad[1]!;
      v6Groups[n++] = (quad[2]! << 8) | quad[3]!;
      break;
    }
    if (j === i || j - i > 4 || n === 8) return null;
    v6Groups[n++] = v;
    if (j === end) break;
    if (s.charCodeAt(j) !== 58 || j + 1 === end) return null;
    i = j + 1;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = n;
      i++;
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return null;
  const out = Buffer.alloc(16);
  const after = gap < 0 ? 0 : n - gap;
  const head = n - after;
  for (let k = 0; k < head; k++) out.writeUInt16BE(v6Groups[k]!, 2 * k);
  for (let k = 0; k < after; k++) out.writeUInt16BE(v6Groups[head + k]!, 16 - 2 * (after - k));
  return out;
}

/** Parses a bare address; TypeError naming the value if it is not one. @internal */
export function parseIp(v: unknown, what = 'address'): IpAddress {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${showValue(v)}`);
  const quad = tryV4(v, v.length);
  if (quad) return { family: 4, bytes: quad, text: v };
  const zone = v.indexOf('%');
  if (zone >= 0) {
    // Netlink carries the interface apart from the address (dev, oif), never as a zone id.
    const bare = v.slice(0, zone);
    if (tryV6(bare)) throw new TypeError(`${what} ${showValue(v)} has a zone id: give ${showValue(bare)} and name the interface (${showValue(v.slice(zone + 1))}) as dev`);
  }
  const six = tryV6(v);
  if (six) return { family: 6, bytes: six, text: v };
  throw new TypeError(`${what} ${showValue(v)} is not an IPv4 or IPv6 address`);
}

/**
 * Parses `A.B.C.D/N` or `X:Y::Z/N` (a bare address means a host prefix: /32 or /128).
 * RangeError for a prefix length out of range, TypeError for anything malformed.
 * @internal
 */
export function parsePrefix(v: unknown, what = 'address'): IpPrefix {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string like 192.0.2.1/24, got ${showValue(v)}`);
  const slash = v.indexOf('/');
  // The common case first: a dotted quad with a plain prefix length, with no intermediate objects.
  if (slash > 0 && slash < v.length - 1 && v.length - slash <= 3) {
    const quad = tryV4(v, slash);
    const d1 = v.charCodeAt(slash + 1) - 48;
    const d2 = slash + 2 < v.length ? v.charCodeAt(slash + 2) - 48 : -1;
    if (quad && d1 >= 0 && d1 <= 9 && (d2 === -1 || (d2 >= 0 && d2 <= 9 && d1 !== 0))) {
      const prefixLength = d2 === -1 ? d1 : d1 * 10 + d2;
      if (prefixLength <= 32) return { family: 4, bytes: quad, text: v, prefixLength };
    }
  }
  const addr = parseIp(slash < 0 ? v : v.slice(0, slash), what);
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return { family: addr.family, bytes: addr.bytes, text: v, prefixLength: max };
  const p = v.slice(slash + 1);
  if (!/^\d{1,3}$/u.test(p)) throw new TypeError(`${what} ${showValue(v)} has a malformed prefix length`);
  // `ip` reads /010 as octal (8): a leading zero is ambiguous, as in 010.0.0.1.
  if (p.length > 1 && p[0] === '0') throw new TypeError(`${what} ${showValue(v)}: prefix length ${showValue(p)} has a leading zero, which ip reads as octal; write ${Number(p)}`);
  const prefixLength = Number(p);
  if (prefixLength > max) throw new RangeError(`${what} ${showValue(v)}: prefix length ${prefixLength} is out of range 0..${max}`);
  return { family: addr.family, bytes: addr.bytes, text: v, prefixLength };
}

/** The address with every host bit set: IPv4's directed broadcast. @internal */
export function broadcastOf(bytes: Buffer, prefixLength: number): Buffer {
  const out = Buffer.from(bytes);
  for (let bit = prefixLength; bit < out.length * 8; bit++) out[bit >> 3]! |= 0x80 >> (bit & 7);
  return out;
}

/** Clears the host bits of a prefix (as nft does with `ip saddr 192.0.2.5/24`), its text as `ip` prints a prefix. @internal */
export function networkOf(p: IpPrefix): IpPrefix {
  const bytes = Buffer.from(p.bytes);
  for (let bit = p.prefixLength; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { ...p, bytes, text: `${formatAddress(bytes, 0, bytes.length)}/${p.prefixLength}` };
}

/** Formats 4 or 16 bytes as `ip` prints them. @internal */
export function formatAddress(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 4) return `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}`;
  if (len !== 16) return buf.toString('hex', start, end);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(buf.readUInt16BE(start + i * 2));
  // IPv4-mapped and IPv4-compatible forms, as inet_ntop writes them.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && (g[5] === 0xffff || (g[5] === 0 && g[6] !== 0))) {
    const v4 = `${buf[start + 12]}.${buf[start + 13]}.${buf[start + 14]}.${buf[start + 15]}`;
    return g[5] === 0xffff ? `::ffff:${v4}` : `::${v4}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}
