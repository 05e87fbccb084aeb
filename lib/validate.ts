/**
 * Input checks that run before anything reaches the kernel. Each throws a TypeError (wrong
 * type or form) or a RangeError (out of range) that names the bad value.
 * @internal
 * @packageDocumentation
 */
import { SCOPES, TABLES } from './wire/names.js';

/** `IFNAMSIZ - 1`: the longest interface name. @internal */
export const IFNAME_MAX = 15;
/** `ALTIFNAMSIZ - 1`: the longest alternative interface name. @internal */
export const ALTNAME_MAX = 127;
/** `IFALIASZ - 1`: the longest interface alias. @internal */
export const ALIAS_MAX = 255;
/** `NAME_MAX`: the longest namespace name. @internal */
export const NETNS_NAME_MAX = 255;
/** Bounds this library accepts for an MTU; the device may narrow them (the kernel says so). @internal */
export const MTU_MIN = 68;
/** @internal */
export const MTU_MAX = 65536;
/** `PID_MAX_LIMIT`. @internal */
export const PID_MAX = 4194304;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || typeof v !== 'object') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** 1-15 characters of ASCII letters, digits and `._@+-`: always valid, but for `.` and `..`. */
const COMMON_IFNAME = /^[\w.@+-]{1,15}$/u;

/** A lone UTF-16 surrogate: it cannot be encoded, and would silently become U+FFFD. @internal */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * An interface name as the kernel's `dev_valid_name` takes it: 1–15 bytes, not `.` or `..`,
 * no `/`, `:`, white space or NUL, where white space is what the kernel's `isspace` says of each
 * byte (0xA0 too, which is inside the UTF-8 of U+00A0 and others). `%` is refused: the kernel
 * reads a name with `%` as a pattern (`br%d`) and picks the name itself.
 * @internal
 */
export function checkIfname(v: unknown, what = 'interface name'): string {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${show(v)}`);
  // The names people give, checked without encoding them.
  if (COMMON_IFNAME.test(v) && v !== '.' && v !== '..') return v;
  if (LONE_SURROGATE.test(v)) throw new TypeError(`${what} ${show(v)} contains a lone UTF-16 surrogate, which has no UTF-8 form`);
  const b = Buffer.from(v);
  if (b.length === 0 || b.length > IFNAME_MAX)
    throw new RangeError(`${what} ${show(v)} must be 1 to ${IFNAME_MAX} bytes long, not ${b.length}`);
  if (v === '.' || v === '..') throw new TypeError(`${what} ${show(v)} is not allowed`);
  if (v.includes('%')) throw new TypeError(`${what} ${show(v)} must not contain '%': the kernel would take it as a pattern (br%d) and choose the name itself`);
  for (const byte of b) {
    if (byte === 0x2f || byte === 0x3a || byte === 0 || byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0xa0) {
      throw new TypeError(`${what} ${show(v)} must not contain '/', ':', white space or NUL (the kernel counts byte 0xA0, as in U+00A0, as white space)`);
    }
  }
  return v;
}

/**
 * An alternative interface name (`ip link property add dev X altname NAME`): what
 * {@link checkIfname} takes, but up to 127 bytes, and `%` allowed (the kernel reads no pattern
 * in an altname).
 * @internal
 */
export function checkAltName(v: unknown, what = 'altname'): string {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${show(v)}`);
  if (LONE_SURROGATE.test(v)) throw new TypeError(`${what} ${show(v)} contains a lone UTF-16 surrogate, which has no UTF-8 form`);
  const b = Buffer.from(v);
  if (b.length === 0 || b.length > ALTNAME_MAX) throw new RangeError(`${what} ${show(v)} must be 1 to ${ALTNAME_MAX} bytes long, not ${b.length}`);
  if (v === '.' || v === '..') throw new TypeError(`${what} ${show(v)} is not allowed`);
  for (const byte of b) {
    if (byte === 0x2f || byte === 0x3a || byte === 0 || byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0xa0) {
      throw new TypeError(`${what} ${show(v)} must not contain '/', ':', white space or NUL (the kernel counts byte 0xA0, as in U+00A0, as white space)`);
    }
  }
  return v;
}

/** An interface alias (`ip link set ... alias TEXT`): up to 255 bytes, no NUL; empty clears it. @internal */
export function checkAlias(v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`alias must be a string, got ${show(v)}`);
  if (v.includes('\0')) throw new TypeError(`alias ${show(v)} must not contain NUL`);
  if (LONE_SURROGATE.test(v)) throw new TypeError(`alias ${show(v)} contains a lone UTF-16 surrogate, which has no UTF-8 form`);
  const n = Buffer.byteLength(v);
  if (n > ALIAS_MAX) throw new RangeError(`alias must be at most ${ALIAS_MAX} bytes, not ${n}`);
  return v;
}

/**
 * A namespace name: a single path component under /run/netns, so it can never reach outside:
 * not empty, not `.` or `..`, no `/` or NUL, at most 255 bytes.
 * @internal
 */
export function checkNetnsName(v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`netns name must be a string, got ${show(v)}`);
  const bytes = Buffer.byteLength(v);
  if (bytes === 0 || bytes > NETNS_NAME_MAX)
    throw new RangeError(`netns name ${show(v)} must be 1 to ${NETNS_NAME_MAX} bytes long, not ${bytes}`);
  if (v === '.' || v === '..') throw new TypeError(`netns name ${show(v)} is not allowed`);
  if (v.includes('/') || v.includes('\0')) throw new TypeError(`netns name ${show(v)} must not contain '/' or NUL`);
  if (LONE_SURROGATE.test(v)) throw new TypeError(`netns name ${show(v)} contains a lone UTF-16 surrogate, which has no UTF-8 form`);
  return v;
}

/** An integer within [min, max]. @internal */
export function checkInt(v: unknown, min: number, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TypeError(`${what} must be an integer, got ${show(v)}`);
  if (v < min || v > max) throw new RangeError(`${what} ${v} is out of range ${min}..${max}`);
  return v;
}

/** @internal */
export function checkMtu(v: unknown, what = 'mtu'): number {
  return checkInt(v, MTU_MIN, MTU_MAX, what);
}

/** @internal */
export function checkPid(v: unknown): number {
  return checkInt(v, 1, PID_MAX, 'pid');
}

/** The longest delay a Node timer takes (2^31 - 1 ms); longer ones fire at once. @internal */
export const TIMER_MAX = 2 ** 31 - 1;

/** A whole number of milliseconds within [min, TIMER_MAX]: a timeout, a grace period. @internal */
export function checkMs(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number of milliseconds, got ${show(v)}`);
  if (!Number.isInteger(v) || v < min || v > TIMER_MAX) throw new RangeError(`${what} ${v} must be a whole number of milliseconds, ${min} to ${TIMER_MAX}`);
  return v;
}

/** An AbortSignal. @internal */
export function checkSignal(v: unknown): AbortSignal {
  if (!(v instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${show(v)}`);
  return v;
}

/** @internal */
export function checkBoolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be true or false, got ${show(v)}`);
  return v;
}

/** What checkOptions gives for options not given: one frozen empty object, not one per call. */
const NO_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null) as Record<string, unknown>);

/**
 * Rejects anything but a plain object (undefined reads as `{}`), and any key not in `known`:
 * a misspelt option is an error, not silently ignored. Returns the object's own properties in
 * an object without a prototype (frozen when none were given), so nothing set on
 * `Object.prototype` is ever read as an option.
 * @internal
 */
export function checkOptions<T extends object>(v: T | undefined, what: string, known: readonly (keyof T & string)[]): Partial<T> {
  if (v === undefined) return NO_OPTIONS as Partial<T>;
  const own = Object.create(null) as Record<string, unknown>;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new TypeError(`${what} must be an object, got ${show(v)}`);
  for (const key of Object.keys(v)) {
    if (!(known as readonly string[]).includes(key))
      throw new TypeError(`${what}: unknown option ${show(key)} (known: ${known.join(', ')})`);
    own[key] = (v as Record<string, unknown>)[key];
  }
  return own as Partial<T>;
}

/** `check(v)` when the option was given, undefined otherwise. @internal */
export function opt<R>(v: unknown, check: (v: unknown) => R): R | undefined {
  return v === undefined ? undefined : check(v);
}

/** An IP version: 4 or 6. @internal */
export function checkFamily(v: unknown): 4 | 6 {
  if (v === 4 || v === 6) return v;
  throw new TypeError(`family must be 4 or 6, got ${show(v)}`);
}

/** A name from a `name → number` table, or a number in 0..max. @internal */
export function checkByName<K extends string>(table: Readonly<Record<K, number>>, v: unknown, what: string, max: number): number {
  if (typeof v === 'string' && Object.hasOwn(table, v)) return table[v as K];
  if (typeof v === 'number') return checkInt(v, 0, max, what);
  throw new TypeError(`${what} must be one of ${Object.keys(table).join(', ')} or a number 0..${max}, got ${show(v)}`);
}

/** A name from a `name → number` table; its number. @internal */
export function checkName<K extends string>(table: Readonly<Record<K, number>>, v: unknown, what: string): number {
  if (typeof v === 'string' && Object.hasOwn(table, v)) return table[v as K];
  throw new TypeError(`${what} must be one of ${Object.keys(table).join(', ')}, got ${show(v)}`);
}

/** A scope given by name or number. @internal */
export function checkScope(v: unknown): number {
  return checkByName(SCOPES, v, 'scope', 255);
}

/** A routing table by name or number (1..2^32-1). @internal */
export function checkTable(v: unknown): number {
  const n = checkByName(TABLES, v, 'table', 0xffffffff);
  if (n === 0) throw new RangeError('table 0 is not a table (RT_TABLE_UNSPEC)');
  return n;
}

/** An array, each element checked; a TypeError naming the value for anything else. @internal */
export function checkArray<R>(v: unknown, what: string, check: (item: unknown, i: number) => R): R[] {
  if (!Array.isArray(v)) throw new TypeError(`${what} must be an array, got ${show(v)}`);
  return v.map((item, i) => check(item, i));
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/iu;

/**
 * An Ethernet address, `aa:bb:cc:dd:ee:ff`: six octets. An interface's own address must be
 * unicast and not all zero; a neighbour's `lladdr` may be anything (`unicast: false`), as
 * `ip neigh add` takes it.
 * @internal
 */
export function checkMac(v: unknown, what = 'MAC address', unicast = true): Buffer {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${show(v)}`);
  if (!MAC.test(v)) throw new TypeError(`${what} ${show(v)} must be six hex octets like 02:00:5e:00:53:01`);
  const b = Buffer.from(v.replace(/:/gu, ''), 'hex');
  if (unicast && (b[0]! & 1) === 1) throw new RangeError(`${what} ${show(v)} is a multicast address; an interface needs a unicast one`);
  if (unicast && b.every((x) => x === 0)) throw new RangeError(`${what} ${show(v)} is all zeros`);
  return b;
}

/** A link type name as the kernel takes it (`macvlan`, `vxlan`): 1-15 of [a-z0-9_-]. @internal */
export function checkKindName(v: unknown): string {
  if (typeof v !== 'string' || !/^[a-z0-9_-]{1,15}$/u.test(v)) throw new TypeError(`kind must be a link type name such as 'macvlan', got ${show(v)}`);
  return v;
}

export { show as showValue };
