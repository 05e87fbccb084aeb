/**
 * Network sysctls of a namespace (`ip netns exec NS sysctl KEY[=VALUE]`), read and written by
 * a thread of the addon that enters the namespace; the calling thread never moves.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { ENTER_HINT, nativeCall } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { native } from '../native.js';
import { LONE_SURROGATE, showValue } from '../validate.js';

const { ENOENT, EINVAL, EACCES, EPERM } = constants.errno;

/**
 * A key, as sysctl(8) takes it, to its path under /proc/sys: `net.ipv4.ip_forward`; a `/` in a
 * dotted key stands for a dot inside a name (`net.ipv4.conf.eth0/100.forwarding`), and a key
 * whose first separator is `/` is a path whose dots are literal (`net/ipv4/conf/eth0.100/forwarding`).
 * Only `net.*`; no component may be empty, `.` or `..`, so nothing can leave /proc/sys/net.
 * @internal
 */
export function sysctlPath(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`sysctl key must be a string, got ${showValue(key)}`);
  const slash = key.indexOf('/');
  const dot = key.indexOf('.');
  const asPath = slash >= 0 && (dot < 0 || slash < dot);
  const parts = asPath ? key.split('/') : key.split('.').map((p) => p.replaceAll('/', '.'));
  if (parts[0] !== 'net' || parts.length < 2) throw new TypeError(`sysctl key ${showValue(key)} must start with "net." (only network sysctls are per namespace)`);
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) {
    throw new TypeError(`sysctl key ${showValue(key)} has an empty, '.', '..' or NUL component`);
  }
  if (LONE_SURROGATE.test(key)) throw new TypeError(`sysctl key ${showValue(key)} contains a lone UTF-16 surrogate`);
  return parts.join('/');
}

function checkValue(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`sysctl value ${showValue(v)} must be a finite number`);
    return String(v);
  }
  if (typeof v !== 'string') throw new TypeError(`sysctl value must be a string or a number, got ${showValue(v)}`);
  if (v.trim() === '') throw new TypeError('sysctl value must not be empty: writing nothing would change nothing');
  // The kernel reads a write up to its first newline and ignores the rest.
  if (/[\0\n]/u.test(v)) throw new TypeError(`sysctl value ${showValue(v)} must be one line, without NUL`);
  return v;
}

/** Reads (no value) or writes a network sysctl of `h`'s namespace. @internal */
export function sysctl(h: NsHandle, key: string, value?: string | number): Promise<string | undefined> {
  const path = sysctlPath(key);
  const text = value === undefined ? undefined : checkValue(value);
  const readOnly = text !== undefined && process.getuid?.() === 0 ? { [EACCES]: `${key} is read-only` } : {};
  const ctx = {
    op: 'sysctl',
    object: { key, netns: h.label, ...(value === undefined ? {} : { value }) },
    subject: `${key} in netns ${h.label}`,
    hints: {
      [ENOENT]: `no sysctl ${key} in this namespace`,
      [EINVAL]: `the kernel refused ${showValue(value)} for ${key}`,
      [EPERM]: ENTER_HINT,
      ...readOnly,
    },
  };
  return h.withFd((fd) => nativeCall(ctx, async () => (await native.sysctl(fd, path, text))?.trim()));
}
