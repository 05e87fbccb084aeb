/**
 * IP addresses and prefixes: parsed into bytes with every malformed input refused by name,
 * and formatted as `ip` prints them (IPv6 per RFC 5952, as glibc's inet_ntop does).
 * @internal
 * @packageDocumentation
 */
import { isIPv6 } from 'node:net';
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

function parseV6(s: string): Buffer {
  const out = Buffer.alloc(16);
  let text = s;
  let tail: Buffer | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // isIPv6 has passed: the tail is a dotted quad.
    const quad = text.slice(lastColon + 1);
    tail = tryV4(quad, quad.length);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (g: string): number[] => (g === '' ? [] : g.split(':').map((x) => parseInt(x, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (tail) tail.copy(out, 12);
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
    if (isIPv6(bare)) throw new TypeError(`${what} ${showValue(v)} has a zone id: give ${showValue(bare)} and name the interface (${showValue(v.slice(zone + 1))}) as dev`);
  }
  if (isIPv6(v)) return { family: 6, bytes: parseV6(v), text: v };
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
