/**
 * The addon's exact shape, declared once. Everything else talks to native code through this.
 * @internal
 * @packageDocumentation
 */
import { join, resolve } from 'node:path';

/** An open namespace file: its descriptor and identity. @internal */
export interface NativeHandle {
  fd: number;
  dev: number;
  ino: number;
  /** Set when the namespace's netlink socket was made along with it. */
  sock?: number;
  portid?: number;
}

/** A netlink socket made inside a namespace. @internal */
export interface NativeSocket {
  fd: number;
  portid: number;
  /** Its send buffer: the largest datagram it takes. */
  sndbuf: number;
}

/**
 * What an exchange answered: `true` when every reply was a plain ACK, one per request (a
 * change's only answer: no buffer is made for it), else the replies, back to back. @internal
 */
export type Answer = Buffer | true;

/** What a failed native call rejects with. @internal */
export interface NativeError extends Error {
  errno: number;
  syscall: string;
  /** `transact`: the replies received before the failure. */
  replies?: Buffer;
}

/** @internal */
export interface NativeStats {
  threads: number;
  sendCalls: number;
  messagesSent: number;
  recvCalls: number;
  repliesDropped: number;
  quickAnswered: number;
  quickDeferred: number;
  quickDirect: number;
  /** Times the I/O thread was moved off the caller's CPU (native/io.cc). */
  quickSteered: number;
}

/** A running watcher's socket (native/watch.cc). @internal */
export interface WatchControl {
  stop(): void;
  /** Stops reading the socket (the consumer fell behind); resume() reads again. */
  pause(): void;
  resume(): void;
  /** Undefined once stopped. */
  drain(): [messages: Buffer, overflow: boolean, errno: number] | undefined;
}

/** @internal */
export interface Binding {
  constants: Record<string, number>;
  strerror(errno: number): string;
  close(fd: number): void;
  /** close(fd) on the libuv pool (a netfilter socket's close can take the kernel milliseconds). */
  closeLater(fd: number): Promise<void>;
  stats(): NativeStats;
  /** With `dir`, `path` is `dir/NAME`: `dir` must be a real directory (not a symlink) and NAME is opened in it. */
  nsOpen(path: string, dir?: string): Promise<NativeHandle>;
  nsOpenSync(path: string): NativeHandle;
  nsCreate(dir: string, path: string): Promise<NativeHandle>;
  /** Several namespaces, made by one thread per CPU: per path its handle, or its failure. */
  nsCreateMany(dir: string, paths: string[]): Promise<(NativeHandle | NativeError)[]>;
  nsAttach(dir: string, path: string, source: string): Promise<NativeHandle>;
  /** With `dev` and `ino`, the name goes only while it names that namespace (else `ESTALE`). */
  nsDelete(path: string, dev?: number, ino?: number): Promise<void>;
  /** A netlink socket inside the namespace: NETLINK_ROUTE, or the `protocol` given (NETLINK_NETFILTER). */
  socketOpen(nsfd: number, protocol?: number): Promise<NativeSocket>;
  /** Sockets of several namespaces, by one thread that enters each in turn: per namespace its socket, or its failure. */
  socketOpenMany(nsfds: number[], protocol: number): Promise<(NativeSocket | NativeError)[]>;
  /**
   * Sends the requests (whole messages, back to back) and resolves with their answer: `true`
   * when every reply is a plain ACK (error 0), one per request (no buffer is made), else the
   * replies themselves.
   */
  transact(fd: number, portid: number, requests: Buffer): Promise<Answer>;
  /**
   * `transact` for a dump, on the pool: each time 64 KiB or more of replies have been read
   * (whole messages, up to the end of a datagram) they go to `onPart` at once, in order, and the
   * promise resolves with the rest after the last part.
   */
  transactParts(fd: number, portid: number, requests: Buffer, onPart: (replies: Buffer) => void): Promise<Answer>;
  /**
   * Several sockets' exchanges in one pool job, one after another: per socket its answer (as
   * `transact`'s), or its failure (a NativeError with the replies read so far).
   */
  transactMany(fds: number[], portids: number[], requests: Buffer[]): Promise<(Answer | NativeError)[]>;
  /**
   * The same, for batches of quick requests only (native/io.cc): a small one the caller waits
   * for made by the calling thread itself while such exchanges stay within a millisecond, any
   * other by the hot I/O thread, in order. Made in place or answered while the caller waited
   * (most are), it returns the answer itself (as `transact`'s), with no promise and no turn of
   * the microtask queue; else a promise of it. `wait: false`: the caller goes on at once.
   */
  transactQuick(fd: number, portid: number, requests: Buffer, wait?: boolean): Answer | Promise<Answer>;
  /**
   * For tests: how long the caller waits and the I/O thread stays hot, and the longest exchange
   * the caller makes itself before it leaves them to the I/O thread (ns; 0: never); returns the
   * previous [caller, thread, direct].
   */
  quickTimings(callerNs?: number, threadNs?: number, directNs?: number): [number, number, number];
  /** The index of an interface in the socket's namespace, or -errno. Synchronous (SIOCGIFINDEX). */
  ifindex(sock: number, name: string): number;
  /** The name of an interface in the socket's namespace, or -errno. Synchronous (SIOCGIFNAME). */
  ifname(sock: number, index: number): string | number;
  sysctl(nsfd: number, key: string, value?: string): Promise<string | undefined>;
  tuntapCreate(nsfd: number, name: string, flags: number, owner: number, group: number): Promise<void>;
  /** A non-blocking socket inside the namespace, subscribed to `groups`; `rcvbuf` is what the kernel granted. */
  watchOpen(nsfd: number, groups: number[], rcvbuf: number): Promise<{ fd: number; portid: number; rcvbuf: number }>;
  /** Reads `fd` whenever it is readable; stop() also closes it; drain() reads what is queued now. */
  watchStart(fd: number, onMessages: (messages: Buffer, overflow: boolean, errno: number) => void): WatchControl;
  /** For tests: the next time `site` (native/fault.h) is reached it fails with `errno`; 0 disarms. */
  injectFault(site: string, errno: number): void;
}

// node-gyp-build finds build/Release or the prebuild shipped under prebuilds/.
const load = require('node-gyp-build') as (dir: string) => unknown;

/**
 * The addon. Developer builds only: `NETNS_LINK_ADDON=/path/to/netns_link.node` loads that file
 * instead, e.g. the sanitized build-asan/netns_link.node that `npm run test:asan` points it at,
 * without replacing build/Release. Not meant for production.
 * @internal
 */
export const native = (process.env.NETNS_LINK_ADDON ? require(resolve(process.env.NETNS_LINK_ADDON)) : load(join(__dirname, '..'))) as Binding;
