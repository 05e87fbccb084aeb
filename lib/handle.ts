/**
 * What a {@link Netns} holds: the namespace's descriptor (lent to requests, closed only when
 * nothing uses it), its share of the one netlink socket per namespace, the count of operations
 * in progress, and the finalizer that gives all of it back if a handle is dropped unclosed.
 * Operations (lib/ops) work on an {@link NsHandle}, never on the façade.
 * @internal
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { Connection, type Protocol, type Transport } from './connection.js';
import { whileBusyTogether } from './batcher.js';
import { contextError, ENTER_HINT, fromNative, NetlinkError, type ErrorContext } from './errors.js';
import { native, type NativeHandle, type NativeSocket } from './native.js';
import { C } from './wire/constants.js';

const { EBADF } = constants.errno;

/**
 * A namespace file descriptor lent to requests (IFLA_NET_NS_FD): it is closed only when the
 * handle is closed and no request in flight still names it, so a request never carries a
 * number that meanwhile became another file.
 */
class NsFd {
  private refs = 1;

  constructor(
    readonly fd: number,
    private readonly io: Transport,
  ) {}

  borrow(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.io.close(this.fd);
  }
}

/** One socket per namespace, shared by every handle on it, keyed by (st_dev, st_ino). */
interface SharedConnection {
  conn: Connection | null;
  opening: Promise<Connection> | null;
  refs: number;
}
const connections = new Map<string, SharedConnection>();

function releaseConnection(key: string): void {
  const shared = connections.get(key);
  if (!shared || --shared.refs > 0) return;
  connections.delete(key);
  if (shared.conn) shared.conn.close();
  else shared.opening?.then((c) => c.close(), () => undefined);
}

interface Held {
  fd: NsFd;
  /** The keys of the shared sockets this handle holds a share of. */
  sockets: Set<string>;
}

function releaseAll(held: Held): void {
  for (const key of held.sockets) releaseConnection(key);
  held.sockets.clear();
}

// A safety net: a handle that is dropped without close() gives its descriptors back on GC.
const registry = new FinalizationRegistry<Held>((held) => {
  releaseAll(held);
  held.fd.release();
});

/**
 * A socket of the protocol inside the namespace behind `nsfd`, made by a thread that enters
 * it. Sockets asked for in one tick, or while a batch of them is being made (a plan opening
 * every namespace of a topology), go together, to one thread that enters each namespace in turn
 * (a thread costs ~34 us to make, entering ~6 us).
 */
const openSocket: Record<Protocol, (nsfd: number) => Promise<NativeSocket>> = {
  route: together(C.NETLINK_ROUTE),
  netfilter: together(C.NETLINK_NETFILTER),
};

function together(protocol: number): (nsfd: number) => Promise<NativeSocket> {
  return whileBusyTogether<number, NativeSocket>(
    (fd) => native.socketOpen(fd, protocol),
    (fds) => native.socketOpenMany(fds, protocol),
  );
}

/** Where a namespace was found, for its handle and for error messages. @internal */
export interface Where {
  name?: string;
  pid?: number;
  path?: string;
  /** How errors name it: its name, `pid 1234`, its path, `current`, `inode 4026532217`. */
  label: string;
}

/** @internal */
export class NsHandle {
  readonly name: string | null;
  readonly pid: number | null;
  readonly path: string | null;
  readonly dev: number;
  readonly ino: number;
  /** How errors name this namespace. */
  label: string;

  readonly #fd: NsFd;
  readonly #key: string;
  readonly #held: Held;
  #conn: Connection | null = null;
  #nft: Connection | null = null;
  /** close() was called: new work is refused. */
  #closed = false;
  /** The descriptors were given back: close() was called and nothing was in progress. */
  #released = false;
  /** Operations started and not yet settled. */
  #busy = 0;
  /** Watchers on this handle: closing it ends them. */
  readonly #watchers = new Set<{ close(): void }>();

  /**
   * `owner` is the object whose loss (garbage collection) releases this handle; `io` is what
   * the socket and the descriptor go through: the addon, or a fake kernel in tests.
   */
  constructor(h: NativeHandle, where: Where, owner: object, private readonly io: Transport = native) {
    this.name = where.name ?? null;
    this.pid = where.pid ?? null;
    this.path = where.path ?? null;
    this.dev = h.dev;
    this.ino = h.ino;
    this.label = where.label;
    this.#fd = new NsFd(h.fd, io);
    this.#key = `${h.dev}:${h.ino}`;
    this.#held = { fd: this.#fd, sockets: new Set() };
    if (h.sock !== undefined && h.portid !== undefined) {
      // The socket made along with a new namespace: nothing else can hold one for it yet.
      this.#conn = new Connection(io, h.sock, h.portid);
      connections.set(this.#key, { conn: this.#conn, opening: null, refs: 1 });
      this.#held.sockets.add(this.#key);
    }
    registry.register(owner, this.#held, this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether both are on the same namespace (same nsfs device and inode). */
  same(other: NsHandle): boolean {
    return this.dev === other.dev && this.ino === other.ino;
  }

  /** Refuses new work, and gives everything back once what is in progress has settled. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [...this.#watchers]) w.close();
    if (this.#busy === 0) this.#release();
  }

  rememberWatcher(w: { close(): void }): void {
    this.#watchers.add(w);
  }

  forgetWatcher(w: { close(): void }): void {
    this.#watchers.delete(w);
  }

  #release(): void {
    this.#released = true;
    registry.unregister(this);
    releaseAll(this.#held);
    this.#conn = null;
    this.#nft = null;
    this.#fd.release();
  }

  /**
   * Runs an operation, refused once closed, and counted until it settles. No `async` frame of
   * its own: the operation's promise with one reaction (an `async` wrapper made a second promise
   * and an extra turn per call).
   */
  run<T>(op: string, operation: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.closedError(op));
    this.#busy++;
    let p: Promise<T>;
    try {
      p = operation();
    } catch (e) {
      this.#settled();
      return Promise.reject(e);
    }
    return p.then(this.#done, this.#failed) as Promise<T>;
  }

  #settled(): void {
    if (--this.#busy === 0 && this.#closed && !this.#released) this.#release();
  }

  readonly #done = (v: unknown): unknown => {
    this.#settled();
    return v;
  };

  readonly #failed = (e: unknown): never => {
    this.#settled();
    // A kernel's refusal is made where its answer was read, in no caller's stack. Taken again
    // here, in the reaction the caller's await follows, the stack gains the frames of the callers
    // awaiting this call (V8's async stack traces), so the user's own line shows.
    if (e instanceof NetlinkError) Error.captureStackTrace(e);
    throw e;
  };

  closedError(op: string): NetlinkError {
    return contextError({ op, object: { netns: this.label }, subject: `netns ${this.label}`, hints: { [EBADF]: 'this handle is closed' } }, EBADF, null);
  }

  /**
   * The namespace's rtnetlink socket: opened on first use by a thread that enters the
   * namespace, then shared by every handle on it. `op` names the call that needed it, for its
   * errors.
   */
  connection(op = 'connect'): Connection | Promise<Connection> {
    if (this.#conn) return this.#conn;
    if (this.#released) return Promise.reject(this.closedError(op));
    return this.#connect(op, 'route');
  }

  /** The namespace's nfnetlink socket (nf_tables), opened and shared the same way. */
  netfilter(op = 'connect'): Connection | Promise<Connection> {
    if (this.#nft) return this.#nft;
    if (this.#released) return Promise.reject(this.closedError(op));
    return this.#connect(op, 'netfilter');
  }

  async #connect(op: string, protocol: Protocol): Promise<Connection> {
    const key = protocol === 'route' ? this.#key : `${this.#key}:${protocol}`;
    let shared = connections.get(key);
    if (!this.#held.sockets.has(key)) {
      if (!shared) {
        shared = { conn: null, opening: null, refs: 0 };
        connections.set(key, shared);
      }
      shared.refs++;
      this.#held.sockets.add(key);
    }
    if (!shared) throw this.closedError(op);
    let conn = shared.conn;
    if (!conn) {
      let opening = shared.opening;
      if (!opening) {
        const s = shared;
        this.#fd.borrow();
        opening = openSocket[protocol](this.#fd.fd)
          .then((r) => {
            const c = new Connection(this.io, r.fd, r.portid, protocol, r.sndbuf);
            s.conn = c;
            return c;
          })
          .catch((e: unknown) => {
            s.opening = null;
            throw fromNative(e, this.#enterContext(op));
          })
          .finally(() => this.#fd.release());
        s.opening = opening;
      }
      conn = await opening;
    }
    if (!this.#released) {
      if (protocol === 'route') this.#conn = conn;
      else this.#nft = conn;
    }
    return conn;
  }

  /** Entering another namespace needs CAP_SYS_ADMIN as well as CAP_NET_ADMIN over it. */
  #enterContext(op: string): ErrorContext {
    return { op, object: { netns: this.label }, subject: `netns ${this.label}`, hints: { [constants.errno.EPERM]: ENTER_HINT } };
  }

  /** The namespace fd, held open until {@link NsHandle.returnFd}. */
  borrowFd(): number {
    if (this.#closed) throw this.closedError('use');
    this.#fd.borrow();
    return this.#fd.fd;
  }

  returnFd(): void {
    this.#fd.release();
  }

  /** Runs `use` with the namespace's descriptor, held open until it settles. */
  async withFd<T>(use: (fd: number) => Promise<T>): Promise<T> {
    const fd = this.borrowFd();
    try {
      return await use(fd);
    } finally {
      this.returnFd();
    }
  }
}
