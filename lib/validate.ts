/**
 * Input checks that run before anything reaches the kernel. Each throws a TypeError (wrong
 * type or form) or a RangeError (out of range) that names the bad value.
 * @internal
 * @packageDocumentation
 */

/** `IFNAMSIZ - 1`: the longest interface name. @internal */
export const IFNAME_MAX = 15;
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

/**
 * An interface name as the kernel's `dev_valid_name` takes it: 1–15 bytes, not `.` or `..`,
 * no `/`, `:`, white space or NUL.
 * @internal
 */
export function checkIfname(v: unknown, what = 'interface name'): string {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${show(v)}`);
  const bytes = Buffer.byteLength(v);
  if (bytes === 0 || bytes > IFNAME_MAX)
    throw new RangeError(`${what} ${show(v)} must be 1 to ${IFNAME_MAX} bytes long, not ${bytes}`);
  if (v === '.' || v === '..') throw new TypeError(`${what} ${show(v)} is not allowed`);
  if (/[/:\s\0]/u.test(v)) throw new TypeError(`${what} ${show(v)} must not contain '/', ':', white space or NUL`);
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

/** @internal */
export function checkBoolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be true or false, got ${show(v)}`);
  return v;
}

/**
 * Rejects anything but a plain object (undefined reads as `{}`), and any key not in `known`:
 * a misspelt option is an error, not silently ignored.
 * @internal
 */
export function checkOptions<T extends object>(v: T | undefined, what: string, known: readonly (keyof T & string)[]): Partial<T> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new TypeError(`${what} must be an object, got ${show(v)}`);
  for (const key of Object.keys(v)) {
    if (!(known as readonly string[]).includes(key))
      throw new TypeError(`${what}: unknown option ${show(key)} (known: ${known.join(', ')})`);
  }
  return v;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/iu;

/**
 * An interface's Ethernet address, `aa:bb:cc:dd:ee:ff`: six octets, unicast, not all zero.
 * @internal
 */
export function checkMac(v: unknown, what = 'MAC address'): Buffer {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${show(v)}`);
  if (!MAC.test(v)) throw new TypeError(`${what} ${show(v)} must be six hex octets like 02:00:5e:00:53:01`);
  const b = Buffer.from(v.replace(/:/gu, ''), 'hex');
  if ((b[0]! & 1) === 1) throw new RangeError(`${what} ${show(v)} is a multicast address; an interface needs a unicast one`);
  if (b.every((x) => x === 0)) throw new RangeError(`${what} ${show(v)} is all zeros`);
  return b;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `aa:bb:cc:dd:ee:ff` from bytes. @internal */
export function formatMac(buf: Buffer, start: number, end: number): string {
  let s = HEX[buf[start]!]!;
  for (let i = start + 1; i < end; i++) s += `:${HEX[buf[i]!]!}`;
  return s;
}

/** A link type name as the kernel takes it (`macvlan`, `vxlan`): 1-15 of [a-z0-9_-]. @internal */
export function checkKindName(v: unknown): string {
  if (typeof v !== 'string' || !/^[a-z0-9_-]{1,15}$/u.test(v)) throw new TypeError(`kind must be a link type name such as 'macvlan', got ${show(v)}`);
  return v;
}

const reverse = new WeakMap<object, Map<number, string>>();

/**
 * The name a number has in a `name → number` table (`{ bridge: 4, ... }`), or the number when
 * it has none: how the kernel's numeric modes, scopes and types are read back.
 * @internal
 */
export function nameOf<K extends string>(table: Readonly<Record<K, number>>, n: number): K | number {
  let names = reverse.get(table);
  if (!names) {
    names = new Map(Object.entries(table).map(([k, v]) => [v as number, k]));
    reverse.set(table, names);
  }
  return (names.get(n) as K | undefined) ?? n;
}

export { show as showValue };
