/**
 * {@link NetlinkError}, and how operations turn an errno into one. Loads the addon only when a
 * message is first written (for `strerror`), so the wire layer and its tests never need it.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { NativeError } from './native.js';

const names = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!names.has(n)) names.set(n, name);
// Where the C library has two names for one number, say the one the kernel's sources use.
names.set(constants.errno.EOPNOTSUPP, 'EOPNOTSUPP');
names.set(constants.errno.EAGAIN, 'EAGAIN');

const texts = new Map<number, string>();

/** The symbolic name of an errno, e.g. `EEXIST` for 17 (what `ip` shows as `File exists`). */
export function errnoName(errno: number): string {
  return names.get(errno) ?? `E${errno}`;
}

function strerror(errno: number): string {
  let text = texts.get(errno);
  if (text === undefined) {
    // The C library's own wording, as `ip` prints it ("File exists").
    text = (require('./native.js') as typeof import('./native.js')).native.strerror(errno);
    texts.set(errno, text);
  }
  return text;
}

/** What went wrong where: passed to {@link NetlinkError}'s constructor. */
export interface NetlinkErrorInit {
  /** The operation, named as the method is: `createVeth`. */
  op: string;
  /** The objects involved: `{ ifname: 'veth0', netns: 'stationA' }`. */
  object: Readonly<Record<string, unknown>>;
  /** The object as the message names it: `veth0 in netns stationA`. */
  subject: string;
  /** The positive errno. */
  errno: number;
  /** The kernel's extended-ACK text, if it gave one. */
  kernelMessage?: string | null;
  /** The syscall that failed, for failures outside netlink (open, mount, setns). */
  syscall?: string | null;
  /** A sentence for a person: what the errno means here. */
  hint?: string | null;
}

/**
 * A refusal by the kernel, or a failed system call, with everything needed to act on it:
 * where `ip` prints `RTNETLINK answers: File exists`, this says what, where and why.
 *
 * The message reads like `createVeth veth0 in netns stationA: File exists (EEXIST)`, followed
 * by the kernel's own reason when it gave one and a sentence saying what it means.
 *
 * ```ts
 * try { await ns.createBridge('br0') }
 * catch (e) { if (e instanceof NetlinkError && e.code === 'EEXIST') ... }
 * ```
 */
export class NetlinkError extends Error {
  /** The symbolic errno: `'EEXIST'`. */
  readonly code: string;
  /** The errno as a positive number: `17`. */
  readonly errno: number;
  /** The operation: `'createVeth'`. */
  readonly op: string;
  /** The objects involved: `{ ifname: 'veth0', netns: 'stationA' }`. */
  readonly object: Readonly<Record<string, unknown>>;
  /** The kernel's extended-ACK text (`"Invalid prefix for given prefix length"`), or null. */
  readonly kernelMessage: string | null;
  /** The failing system call when the error did not come from a netlink reply, else null. */
  readonly syscall: string | null;

  constructor(init: NetlinkErrorInit) {
    const code = errnoName(init.errno);
    let message = `${init.op} ${init.subject}: ${strerror(init.errno)} (${code})`;
    if (init.kernelMessage) message += `: ${init.kernelMessage}`;
    const hint = init.hint ?? defaultHint(init.errno);
    if (hint) message += ` — ${hint}`;
    super(message);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = init.errno;
    this.op = init.op;
    this.object = init.object;
    this.kernelMessage = init.kernelMessage ?? null;
    this.syscall = init.syscall ?? null;
  }
}

/** What entering another network namespace needs (setns): said wherever it is refused. @internal */
export const ENTER_HINT = 'entering a network namespace needs root (CAP_SYS_ADMIN, and CAP_NET_ADMIN in it)';

function defaultHint(errno: number): string | null {
  switch (errno) {
    case constants.errno.EPERM:
    case constants.errno.EACCES:
      return 'root or CAP_NET_ADMIN is needed';
    default:
      return null;
  }
}

/** Where an operation happens, for error messages: the op, its objects, how to name them. @internal */
export interface ErrorContext {
  op: string;
  object: Readonly<Record<string, unknown>>;
  subject: string;
  /** Sentences for particular errnos, e.g. ENODEV: 'no interface named veth9'. */
  hints?: Readonly<Partial<Record<number, string>>>;
}

/**
 * An error context, or a function making one: hot paths pass a function, so the strings of a
 * message are only built when something fails.
 * @internal
 */
export type Ctx = ErrorContext | (() => ErrorContext);

/** The same context with more (or other) sentences for particular errnos. @internal */
export function withHints(ctx: Ctx, hints: Readonly<Partial<Record<number, string>>>): Ctx {
  return () => {
    const c = typeof ctx === 'function' ? ctx() : ctx;
    return { ...c, hints: { ...c.hints, ...hints } };
  };
}

/** @internal */
export function contextError(
  source: Ctx,
  errno: number,
  kernelMessage: string | null,
  syscall: string | null = null,
): NetlinkError {
  const ctx = typeof source === 'function' ? source() : source;
  return new NetlinkError({
    op: ctx.op,
    object: ctx.object,
    subject: ctx.subject,
    errno,
    kernelMessage,
    syscall,
    hint: ctx.hints?.[errno] ?? null,
  });
}

/** Whether `e` is what a failed native call rejects with: an Error with a numeric errno. @internal */
export function isNativeError(e: unknown): e is NativeError {
  return e instanceof Error && typeof (e as Partial<NativeError>).errno === 'number';
}

/** A failed native call's error as a NetlinkError in `ctx`; anything else unchanged. @internal */
export function fromNative(e: unknown, ctx: Ctx): unknown {
  return isNativeError(e) ? contextError(ctx, e.errno, null, e.syscall) : e;
}

/** Runs a native call, its errno failure reported as a NetlinkError in `ctx`. @internal */
export async function nativeCall<T>(ctx: Ctx, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw fromNative(e, ctx);
  }
}

/**
 * A call's promise, a synchronous throw (bad input, a native TypeError) included as its
 * rejection, as an `async` function would give it, without being one. @internal
 */
export function attempt<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * `missingOk`: a request that fails with `errno` counts as done (with nothing) when `ok` says
 * so; without it, the request itself. @internal
 */
export function unlessMissing<T>(request: Promise<T>, errno: number, ok: boolean): Promise<T | undefined> {
  if (!ok) return request;
  return request.catch((e: unknown) => {
    if ((e as { errno?: unknown }).errno !== errno) throw e;
    return undefined;
  });
}
