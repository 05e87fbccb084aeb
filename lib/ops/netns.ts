/**
 * Namespace operations: create, open, attach and delete names under `/run/netns`, as
 * `ip netns` does, and the per-namespace calls that are no netlink request (sysctl, nsid).
 * Each resolves with what the addon opened; the façade wraps it in a handle.
 * @packageDocumentation
 */
import { readdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { whileBusyTogether } from '../batcher.js';
import { fromNative, nativeCall, type ErrorContext } from '../errors.js';
import type { NsHandle, Where } from '../handle.js';
import { native, type NativeHandle } from '../native.js';
import { checkNetnsName, checkPid, showValue } from '../validate.js';
import { encodeGetNsid, parseNsid } from '../wire/nsid.js';

/** Where named namespaces live, as iproute2 keeps them: `ip netns add NAME` makes `/run/netns/NAME`. */
export const NETNS_RUN_DIR = '/run/netns';

const { ENOENT, ESRCH, EEXIST, EINVAL, ENOTDIR, EACCES, EPERM, ESTALE } = constants.errno;

/** What the addon opened, and where. @internal */
export interface Opened {
  handle: NativeHandle;
  where: Where;
}

function pidAccessHint(pid: number): string {
  return `not allowed to open /proc/${pid}/ns/net: the process is more privileged than this one (ptrace access mode)`;
}

function notANetns(path: string): Record<number, string> {
  return { [EINVAL]: `${path} is not a network namespace`, [ENOTDIR]: `${path} is not a network namespace` };
}

function runDirHints(): Record<number, string> {
  return { [ENOTDIR]: `${NETNS_RUN_DIR} is not a directory (a symlink or a file there is refused)`, [EPERM]: 'root (CAP_SYS_ADMIN) is needed to name a namespace' };
}

/** The context of a call on the name `name`: a missing name and a bad run dir explained. */
function nameCtx(op: string, name: string, hints: Record<number, string>): ErrorContext {
  return {
    op,
    object: { netns: name },
    subject: `netns ${name}`,
    hints: { ...runDirHints(), [ENOENT]: `no namespace named ${name} in ${NETNS_RUN_DIR}`, ...hints },
  };
}

/**
 * Calls on one name made by this process run one after another, so that a create, a delete and
 * a create of the same name can never interleave (the kernel's mount table would stack two
 * namespaces on one name).
 */
const nameLocks = new Map<string, Promise<unknown>>();

function byName<T>(name: string, run: () => Promise<T>): Promise<T> {
  const before = nameLocks.get(name) ?? Promise.resolve();
  const next = before.then(run, run);
  const tail = next.then(() => undefined, () => undefined);
  nameLocks.set(name, tail);
  void tail.then(() => {
    if (nameLocks.get(name) === tail) nameLocks.delete(name);
  });
  return next;
}

/** `ip netns add NAME`, or an anonymous namespace. @internal */
export function create(name: string | undefined): Promise<Opened> {
  const named = name === undefined ? undefined : checkNetnsName(name);
  const path = named === undefined ? '' : `${NETNS_RUN_DIR}/${named}`;
  const ctx: ErrorContext = {
    op: 'create',
    object: { netns: named ?? null },
    subject: named === undefined ? 'anonymous netns' : `netns ${named}`,
    hints: {
      ...runDirHints(),
      [EEXIST]: `a namespace named ${named ?? ''} already exists in ${NETNS_RUN_DIR}`,
      [EPERM]: 'root (CAP_SYS_ADMIN and CAP_NET_ADMIN) is needed to create a namespace',
    },
  };
  const make = (): Promise<Opened> =>
    nativeCall(ctx, async () => {
      const handle = await createNetns(path);
      return { handle, where: named === undefined ? { label: `inode ${handle.ino}` } : { name: named, path, label: named } };
    });
  return named === undefined ? make() : byName(named, make);
}

/**
 * A new namespace named at `path` (empty: anonymous). Namespaces asked for in one tick, or while
 * a batch of them is being made, go together: one thread per CPU makes its share one after
 * another (W1 made chain by chain: a hundred creations, each holding a pool thread, kept the
 * link work of the chains that were ready waiting behind them).
 */
const createNetns = whileBusyTogether<string, NativeHandle>(
  (path) => native.nsCreate(NETNS_RUN_DIR, path),
  (paths) => native.nsCreateMany(NETNS_RUN_DIR, paths),
);

/** Opens `/run/netns/NAME`; never creates. @internal */
export async function open(name: string): Promise<Opened> {
  checkNetnsName(name);
  const path = `${NETNS_RUN_DIR}/${name}`;
  const ctx = nameCtx('open', name, notANetns(path));
  return nativeCall(ctx, async () => ({ handle: await native.nsOpen(path, NETNS_RUN_DIR), where: { name, path, label: name } }));
}

/** Opens `/proc/PID/ns/net`. @internal */
export async function fromPid(pid: number): Promise<Opened> {
  checkPid(pid);
  const path = `/proc/${pid}/ns/net`;
  const ctx: ErrorContext = {
    op: 'fromPid',
    object: { pid },
    subject: `netns of pid ${pid}`,
    hints: { [ENOENT]: `no process with pid ${pid}`, [ESRCH]: `no process with pid ${pid}`, [EACCES]: pidAccessHint(pid) },
  };
  return nativeCall(ctx, async () => ({ handle: await native.nsOpen(path), where: { pid, path, label: `pid ${pid}` } }));
}

/** A path to a namespace file: non-empty, without NUL. */
function checkPath(v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`path must be a string, got ${showValue(v)}`);
  if (v.length === 0 || v.includes('\0')) throw new TypeError(`path ${showValue(v)} must be non-empty, without NUL`);
  return v;
}

/** Opens any nsfs file or bind mount of one. @internal */
export async function fromPath(path: string): Promise<Opened> {
  checkPath(path);
  const ctx: ErrorContext = { op: 'fromPath', object: { path }, subject: `netns ${path}`, hints: { [ENOENT]: `no such file: ${path}`, ...notANetns(path) } };
  return nativeCall(ctx, async () => ({ handle: await native.nsOpen(path), where: { path, label: path } }));
}

/** The namespace this process runs in; synchronous, as opening `/proc/self/ns/net` never blocks. @internal */
export function current(): Opened {
  const path = '/proc/self/ns/net';
  try {
    return { handle: native.nsOpenSync(path), where: { path, label: 'current' } };
  } catch (e) {
    throw fromNative(e, { op: 'current', object: { path }, subject: 'current netns' });
  }
}

/** `ip netns list`: the names under `/run/netns`, sorted. @internal */
export async function list(): Promise<string[]> {
  try {
    return (await readdir(NETNS_RUN_DIR)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** `ip netns attach NAME PID`, or a name for the namespace of a handle. @internal */
export function attach(name: string, target: number | NsHandle): Promise<Opened> {
  checkNetnsName(name);
  const path = `${NETNS_RUN_DIR}/${name}`;
  const byPid = typeof target === 'number';
  if (byPid) checkPid(target);
  const what = byPid ? `pid ${target}` : `netns ${target.label}`;
  const ctx: ErrorContext = {
    op: 'attach',
    object: { netns: name, ...(byPid ? { pid: target } : { target: target.label }) },
    subject: `netns ${name} to ${what}`,
    hints: {
      ...runDirHints(),
      [EEXIST]: `a namespace named ${name} already exists in ${NETNS_RUN_DIR}`,
      ...(byPid ? { [ENOENT]: `no process with pid ${target}`, [ESRCH]: `no process with pid ${target}`, [EACCES]: pidAccessHint(target) } : {}),
    },
  };
  const where: Where = { name, path, label: name };
  return byName(name, () =>
    nativeCall(ctx, async () => {
      if (byPid) return { handle: await native.nsAttach(NETNS_RUN_DIR, path, `/proc/${target}/ns/net`), where };
      return target.withFd(async (fd) => ({ handle: await native.nsAttach(NETNS_RUN_DIR, path, `/proc/self/fd/${fd}`), where }));
    }),
  );
}

/**
 * `ip netns delete NAME`. Given the handle it was opened as, the name goes only while it still
 * names that namespace: a stale handle never removes a name made again since.
 * @internal
 */
export function remove(name: string, mine?: NsHandle): Promise<void> {
  checkNetnsName(name);
  const path = `${NETNS_RUN_DIR}/${name}`;
  const ctx = nameCtx('delete', name, {
    [EINVAL]: `${path} is not a network namespace: nothing was unmounted or removed`,
    [ESTALE]: `the name ${name} now names another namespace (deleted and made again since this handle was opened): it was left alone`,
  });
  return byName(name, () => nativeCall(ctx, () => (mine ? native.nsDelete(path, mine.dev, mine.ino) : native.nsDelete(path))));
}

/** The id `other` has in `h`'s namespace (`ip netns list-id`), or null. @internal */
export async function nsidOf(h: NsHandle, other: NsHandle): Promise<number | null> {
  const ctx = { op: 'nsidOf', object: { netns: h.label, other: other.label }, subject: `netns ${other.label} in netns ${h.label}` };
  const conn = await h.connection('nsidOf');
  const [id] = await other.withFd((fd) => conn.request(encodeGetNsid(fd), ctx, parseNsid));
  return id === undefined || id < 0 ? null : id;
}
