/**
 * Network namespaces: {@link Netns}, a handle on one, and the operations made inside it.
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { findAttr, MessageWriter, readI32 } from './attr.js';
import { Connection } from './connection.js';
import { C } from './constants.js';
import { contextError, NetlinkError, type ErrorContext } from './errors.js';
import * as A from './address.js';
import { containerPid, type ContainerOptions } from './container.js';
import * as L from './link.js';
import type * as K from './kinds/public.js';
import * as N from './neighbor.js';
import * as P from './process.js';
import * as R from './route.js';
import * as U from './rule.js';
import { isNativeError, native, type NativeHandle } from './native.js';
import { checkKindName, checkNetnsName, checkPid, showValue } from './validate.js';

/** Where named namespaces live, as iproute2 keeps them: `ip netns add NAME` makes `/run/netns/NAME`. */
export const NETNS_RUN_DIR = '/run/netns';

const { ENOENT, ESRCH, EEXIST, EINVAL, EBADF, ENOTDIR, EACCES, EPERM } = constants.errno;

function pidAccessHint(pid: number): string {
  return `not allowed to open /proc/${pid}/ns/net: the process is more privileged than this one (ptrace access mode)`;
}

/**
 * A namespace file descriptor lent to requests (IFLA_NET_NS_FD): it is closed only when the
 * handle is closed and no request in flight still names it, so a request never carries a
 * number that meanwhile became another file.
 */
class NsFd {
  private refs = 1;

  constructor(readonly fd: number) {}

  borrow(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) native.close(this.fd);
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
  key: string;
  hasConnection: boolean;
}

// A safety net: a handle that is dropped without close() gives its descriptors back on GC.
const registry = new FinalizationRegistry<Held>((held) => {
  if (held.hasConnection) releaseConnection(held.key);
  held.fd.release();
});

function nativeError(e: unknown, ctx: ErrorContext): unknown {
  return isNativeError(e) ? contextError(ctx, e.errno, null, e.syscall) : e;
}

function checkPath(v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`path must be a string, got ${showValue(v)}`);
  if (v.length === 0 || v.includes('\0')) throw new TypeError(`path ${showValue(v)} must be non-empty, without NUL`);
  return v;
}

function notANetns(path: string): Record<number, string> {
  return { [EINVAL]: `${path} is not a network namespace`, [ENOTDIR]: `${path} is not a network namespace` };
}

/**
 * A handle on a network namespace: an open file descriptor on it (which keeps it alive) and a
 * netlink socket made inside it, shared by all handles on the same namespace.
 *
 * Get one with {@link Netns.create} (`ip netns add`), {@link Netns.open} (a name under
 * `/run/netns`), {@link Netns.fromPid} (a process's, e.g. a container's), {@link Netns.fromPath}
 * or {@link Netns.current}. Release it with {@link Netns.close}, or with {@link Netns.delete}
 * to also remove its name.
 *
 * ```ts
 * const a = await Netns.create('stationA');           // ip netns add stationA
 * await a.createVeth('veth0', { peer: 'veth1' });      // ip -n stationA link add veth0 type veth peer name veth1
 * ```
 */
export class Netns {
  /** The name under `/run/netns`, or null for a namespace without one. */
  readonly name: string | null;
  /** The pid this namespace was opened through ({@link Netns.fromPid}), else null. */
  readonly pid: number | null;
  /** The file it was opened from (`/run/netns/NAME`, `/proc/PID/ns/net`), or null if it was made anonymous. */
  readonly path: string | null;
  /** The namespace's inode number: what `lsns -t net` and `ls -i /run/netns` print. */
  readonly inode: number;
  /** The device of the nsfs file system; with {@link Netns.inode} it identifies the namespace. */
  readonly dev: number;

  readonly #fd: NsFd;
  readonly #key: string;
  readonly #held: Held;
  #conn: Connection | null = null;
  /** close() was called: new work is refused. */
  #closed = false;
  /** The descriptors were given back: close() was called and nothing was in progress. */
  #released = false;
  /** Operations started and not yet settled. */
  #busy = 0;
  #label: string;

  private constructor(handle: NativeHandle, where: { name?: string; pid?: number; path?: string; label: string }) {
    this.name = where.name ?? null;
    this.pid = where.pid ?? null;
    this.path = where.path ?? null;
    this.inode = handle.ino;
    this.dev = handle.dev;
    this.#label = where.label;
    this.#fd = new NsFd(handle.fd);
    this.#key = `${handle.dev}:${handle.ino}`;
    this.#held = { fd: this.#fd, key: this.#key, hasConnection: false };
    if (handle.sock !== undefined && handle.portid !== undefined) {
      // The socket made along with a new namespace: nothing else can hold one for it yet.
      this.#conn = new Connection(handle.sock, handle.portid);
      connections.set(this.#key, { conn: this.#conn, opening: null, refs: 1 });
      this.#held.hasConnection = true;
    }
    registry.register(this, this.#held, this);
  }

  /**
   * How errors name this namespace: its name, `pid 1234`, its path, `current`, or
   * `inode 4026532217` for an anonymous one.
   */
  get label(): string {
    return this.#label;
  }

  /** Whether {@link Netns.close} or {@link Netns.delete} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  // -------------------------------------------------------------------------------------------
  // Getting a handle

  /**
   * Creates a network namespace. With a name it is what `ip netns add NAME` makes: a bind
   * mount at `/run/netns/NAME` (that directory made a shared mount, as iproute2 does), so
   * `ip netns list` shows it and `ip -n NAME` works in it. Without a name the namespace is
   * anonymous, alive while this handle (or a process in it) holds it.
   *
   * Rejects with `EEXIST` if the name is taken. Its `lo` is down, as after `ip netns add`.
   */
  static async create(name?: string): Promise<Netns> {
    const named = name === undefined ? undefined : checkNetnsName(name);
    const path = named === undefined ? '' : `${NETNS_RUN_DIR}/${named}`;
    const ctx: ErrorContext = {
      op: 'create',
      object: { netns: named ?? null },
      subject: named === undefined ? 'anonymous netns' : `netns ${named}`,
      hints: {
        [EEXIST]: `a namespace named ${named ?? ''} already exists in ${NETNS_RUN_DIR}`,
        [EPERM]: 'root (CAP_SYS_ADMIN and CAP_NET_ADMIN) is needed to create a namespace',
      },
    };
    try {
      const h = await native.nsCreate(NETNS_RUN_DIR, path);
      return named === undefined
        ? new Netns(h, { label: `inode ${h.ino}` })
        : new Netns(h, { name: named, path, label: named });
    } catch (e) {
      throw nativeError(e, ctx);
    }
  }

  /**
   * Opens the namespace named `name` under `/run/netns`, whether this library, `ip netns add`
   * or `ip netns attach` made it (a symlink made by hand into `/proc/PID/ns/net` opens too).
   * Never creates one: an unknown name rejects with `ENOENT`.
   */
  static async open(name: string): Promise<Netns> {
    checkNetnsName(name);
    const path = `${NETNS_RUN_DIR}/${name}`;
    const ctx: ErrorContext = {
      op: 'open',
      object: { netns: name },
      subject: `netns ${name}`,
      hints: { [ENOENT]: `no namespace named ${name} in ${NETNS_RUN_DIR}`, ...notANetns(path) },
    };
    try {
      return new Netns(await native.nsOpen(path), { name, path, label: name });
    } catch (e) {
      throw nativeError(e, ctx);
    }
  }

  /**
   * Opens the network namespace of process `pid` (`/proc/PID/ns/net`): a container's, given
   * the pid `docker inspect -f '{{.State.Pid}}'` prints. Rejects with `ENOENT` if no such
   * process runs.
   */
  static async fromPid(pid: number): Promise<Netns> {
    checkPid(pid);
    const path = `/proc/${pid}/ns/net`;
    const ctx: ErrorContext = {
      op: 'fromPid',
      object: { pid },
      subject: `netns of pid ${pid}`,
      hints: { [ENOENT]: `no process with pid ${pid}`, [ESRCH]: `no process with pid ${pid}`, [EACCES]: pidAccessHint(pid) },
    };
    try {
      return new Netns(await native.nsOpen(path), { pid, path, label: `pid ${pid}` });
    } catch (e) {
      throw nativeError(e, ctx);
    }
  }

  /**
   * Opens a running Docker container's network namespace: asks the engine for its pid over
   * the engine's Unix socket (`GET /containers/{id}/json`, what `docker inspect -f
   * '{{.State.Pid}}' ID` prints), then opens `/proc/PID/ns/net`. Rejects with `ENOENT` for an
   * unknown container, `ESRCH` for one not running, and a connection errno (`ENOENT`,
   * `ECONNREFUSED`, `EACCES`) when no engine answers.
   */
  static async fromContainer(idOrName: string, options?: ContainerOptions): Promise<Netns> {
    const pid = await containerPid(idOrName, options);
    const ns = await Netns.fromPid(pid);
    ns.#label = `container ${idOrName}`;
    return ns;
  }

  /** Opens the network namespace at `path`: any nsfs file or bind mount of one. */
  static async fromPath(path: string): Promise<Netns> {
    checkPath(path);
    const ctx: ErrorContext = {
      op: 'fromPath',
      object: { path },
      subject: `netns ${path}`,
      hints: { [ENOENT]: `no such file: ${path}`, ...notANetns(path) },
    };
    try {
      return new Netns(await native.nsOpen(path), { path, label: path });
    } catch (e) {
      throw nativeError(e, ctx);
    }
  }

  /** The namespace this process runs in (the host's, usually). Synchronous: nothing waits. */
  static current(): Netns {
    const path = '/proc/self/ns/net';
    try {
      return new Netns(native.nsOpenSync(path), { path, label: 'current' });
    } catch (e) {
      throw nativeError(e, { op: 'current', object: { path }, subject: 'current netns' });
    }
  }

  /** The names under `/run/netns`, sorted: what `ip netns list` shows. */
  static async list(): Promise<string[]> {
    try {
      return (await readdir(NETNS_RUN_DIR)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /**
   * Gives a running process's namespace (or the namespace of a handle) a name, as
   * `ip netns attach NAME PID` does: a bind mount at `/run/netns/NAME`, not a symlink, so the
   * name stays valid as long as the namespace lives. Resolves with a handle on it.
   *
   * The name's file is created exclusively and never followed: a symlink planted there makes
   * this fail with `EEXIST`.
   */
  static async attach(name: string, target: number | Netns): Promise<Netns> {
    checkNetnsName(name);
    const path = `${NETNS_RUN_DIR}/${name}`;
    const isNetns = target instanceof Netns;
    if (!isNetns) checkPid(target);
    const what = isNetns ? `netns ${target.label}` : `pid ${target}`;
    const ctx: ErrorContext = {
      op: 'attach',
      object: { netns: name, ...(isNetns ? { target: target.label } : { pid: target }) },
      subject: `netns ${name} to ${what}`,
      hints: {
        [EEXIST]: `a namespace named ${name} already exists in ${NETNS_RUN_DIR}`,
        [ENOENT]: `no process with pid ${String(target)}`,
        [ESRCH]: `no process with pid ${String(target)}`,
        ...(isNetns ? {} : { [EACCES]: pidAccessHint(target) }),
      },
    };
    let lent: Netns | null = null;
    try {
      let source: string;
      if (isNetns) {
        source = `/proc/self/fd/${target.borrowFd()}`;
        lent = target;
      } else {
        source = `/proc/${target}/ns/net`;
      }
      return new Netns(await native.nsAttach(NETNS_RUN_DIR, path, source), { name, path, label: name });
    } catch (e) {
      throw nativeError(e, ctx);
    } finally {
      lent?.returnFd();
    }
  }

  /**
   * Removes the name `name` from `/run/netns`, as `ip netns delete NAME`, without opening it.
   * The namespace itself goes once nothing holds it (no process in it, no open handle).
   */
  static async delete(name: string): Promise<void> {
    checkNetnsName(name);
    try {
      await native.nsDelete(`${NETNS_RUN_DIR}/${name}`);
    } catch (e) {
      throw nativeError(e, {
        op: 'delete',
        object: { netns: name },
        subject: `netns ${name}`,
        hints: { [ENOENT]: `no namespace named ${name} in ${NETNS_RUN_DIR}` },
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // This handle

  /**
   * `ip netns delete NAME` for this namespace: removes its name (if it has one) and closes
   * this handle. The namespace, with its links, goes once nothing else holds it.
   */
  async delete(): Promise<void> {
    try {
      if (this.name !== null && !this.#closed) await Netns.delete(this.name);
    } finally {
      this.close();
    }
  }

  /**
   * Releases this handle: its file descriptor, and the namespace's socket once no other handle
   * uses it. New calls are refused at once (`EBADF`); operations already started finish first.
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#busy === 0) this.#release();
  }

  #release(): void {
    this.#released = true;
    registry.unregister(this);
    if (this.#held.hasConnection) releaseConnection(this.#key);
    this.#conn = null;
    this.#fd.release();
  }

  /** Runs an operation on this handle, refused once closed, and counted until it settles. */
  #track<T>(op: string, run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError(op));
    this.#busy++;
    let p: Promise<T>;
    try {
      p = run();
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.finally(() => {
      if (--this.#busy === 0 && this.#closed && !this.#released) this.#release();
    });
  }

  /** Whether both handles are on the same namespace (same nsfs device and inode). */
  equals(other: Netns): boolean {
    return other instanceof Netns && this.dev === other.dev && this.inode === other.inode;
  }

  /** @internal */
  [inspect.custom](): string {
    const tail = this.#closed ? 'closed' : `inode ${this.inode}`;
    return this.#label.startsWith('inode ') ? `Netns <${tail}>` : `Netns <${this.#label} ${tail}>`;
  }

  /** @internal */
  toString(): string {
    return `netns ${this.#label}`;
  }

  #closedError(op: string): NetlinkError {
    return contextError({ op, object: { netns: this.#label }, subject: `netns ${this.#label}`, hints: { [EBADF]: 'this handle is closed' } }, EBADF, null);
  }

  /**
   * The namespace's socket: opened on first use by a thread that enters the namespace, then
   * shared by every handle on it.
   * @internal
   */
  connection(): Connection | Promise<Connection> {
    if (this.#conn) return this.#conn;
    if (this.#released) return Promise.reject(this.#closedError('connect'));
    return this.#connect();
  }

  async #connect(): Promise<Connection> {
    let shared = connections.get(this.#key);
    if (!this.#held.hasConnection) {
      if (!shared) {
        shared = { conn: null, opening: null, refs: 0 };
        connections.set(this.#key, shared);
      }
      shared.refs++;
      this.#held.hasConnection = true;
    }
    if (!shared) throw this.#closedError('connect');
    if (shared.conn) return (this.#conn = shared.conn);
    let opening = shared.opening;
    if (!opening) {
      const s = shared;
      this.#fd.borrow();
      opening = native
        .socketOpen(this.#fd.fd)
        .then((r) => {
          const conn = new Connection(r.fd, r.portid);
          s.conn = conn;
          return conn;
        })
        .catch((e: unknown) => {
          s.opening = null;
          throw nativeError(e, { op: 'connect', object: { netns: this.#label }, subject: `netns ${this.#label}` });
        })
        .finally(() => this.#fd.release());
      s.opening = opening;
    }
    const conn = await opening;
    if (!this.#released) this.#conn = conn;
    return conn;
  }

  /** The namespace fd, held open until {@link Netns.returnFd}. @internal */
  borrowFd(): number {
    if (this.#closed) throw this.#closedError('use');
    this.#fd.borrow();
    return this.#fd.fd;
  }

  /** @internal */
  returnFd(): void {
    this.#fd.release();
  }

  // -------------------------------------------------------------------------------------------
  // Links

  /**
   * Creates a veth pair in one request: this end here, the peer directly inside `peerNetns`
   * (it never passes through this namespace), optionally a port of a bridge and up at once.
   *
   * `ip link add NAME [mtu M] [address A] [master BR] [up] type veth peer name PEER [address B] [netns NS]`
   */
  createVeth(name: string, options: L.VethOptions): Promise<void> {
    const peerNs = options?.peerNetns;
    if (peerNs !== undefined && !(peerNs instanceof Netns)) {
      return Promise.reject(new TypeError(`peerNetns must be a Netns, got ${showValue(peerNs)}`));
    }
    return this.#track('createVeth', () => L.createVeth(this, name, options, peerNs && !peerNs.equals(this) ? peerNs : null));
  }

  /** Creates a bridge. `ip link add NAME [mtu M] [address A] [up] type bridge` */
  createBridge(name: string, options?: L.BridgeOptions): Promise<void> {
    return this.#track('createBridge', () => L.createBridge(this, name, options));
  }

  /**
   * Moves a link into another namespace (named, by pid or by path), renaming it on the way
   * when `name` is given. `ip link set dev IFNAME netns NS [name NEW]`
   *
   * Bridges and `lo` cannot move (`EINVAL`); a name already taken there gives `EEXIST`.
   */
  moveToNetns(ifname: string, target: Netns, options?: L.MoveOptions): Promise<void> {
    if (!(target instanceof Netns)) return Promise.reject(new TypeError(`target must be a Netns, got ${showValue(target)}`));
    return this.#track('moveToNetns', () => L.moveToNetns(this, ifname, target, options));
  }

  /** `ip link set dev IFNAME up` */
  setUp(ifname: string): Promise<void> {
    return this.#track('setUp', () => L.setLink(this, ifname, { up: true }, 'setUp'));
  }

  /** `ip link set dev IFNAME down` */
  setDown(ifname: string): Promise<void> {
    return this.#track('setDown', () => L.setLink(this, ifname, { up: false }, 'setDown'));
  }

  /**
   * Changes a link in one request: rename, MTU, MAC, bridge port (`master: null` detaches),
   * up or down. `ip link set dev IFNAME [name N] [mtu M] [address A] [master BR | nomaster] [up | down]`
   */
  setLink(ifname: string, changes: L.LinkChanges): Promise<void> {
    return this.#track('setLink', () => L.setLink(this, ifname, changes));
  }

  /** Deletes a link (for a veth, both ends go). `ip link del dev IFNAME` */
  deleteLink(ifname: string): Promise<void> {
    return this.#track('deleteLink', () => L.deleteLink(this, ifname));
  }

  /** Every link in this namespace. `ip -d -s link show` */
  links(): Promise<L.Link[]> {
    return this.#track('links', () => L.links(this));
  }

  /** One link by name; rejects with `ENODEV` if there is none. `ip -d -s link show dev IFNAME` */
  link(ifname: string): Promise<L.Link> {
    return this.#track('link', () => L.link(this, ifname));
  }

  /**
   * Creates a link of any kind in one request, optionally directly inside another namespace
   * (`netns`) while its parent stays here. `ip link add [link PARENT] NAME [netns NS] [mtu M]
   * [address A] [master M] [up] type KIND [KIND OPTIONS]`. A kind this kernel lacks fails with
   * `EOPNOTSUPP` and leaves nothing behind; {@link Netns.supports} tells beforehand.
   */
  createLink(spec: L.LinkSpec): Promise<void> {
    return this.#track('createLink', () => L.createLink(this, spec, this.#targetOf(spec?.netns), 'createLink'));
  }

  /** Changes a link's kind-specific settings, e.g. a macvlan's mode. `ip link set IFNAME type KIND OPTIONS` */
  setLinkType(ifname: string, changes: L.LinkTypeChanges): Promise<void> {
    return this.#track('setLinkType', () => L.setLinkType(this, ifname, changes));
  }

  /** `ip link add link PARENT NAME [netns NS] type macvlan mode MODE` */
  createMacvlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.MacvlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createMacvlan', 'macvlan', name, options);
  }

  /** `ip link add link PARENT NAME [netns NS] type macvtap mode MODE` */
  createMacvtap(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.MacvlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createMacvtap', 'macvtap', name, options);
  }

  /** `ip link add link PARENT name NAME [netns NS] type vlan id ID [protocol 802.1Q|802.1ad]` */
  createVlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.VlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createVlan', 'vlan', name, options);
  }

  /** `ip link add NAME type vxlan id VNI [remote A | group G] [local L] [dstport P] [dev D] [ttl T] [nolearning]` */
  createVxlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.VxlanOptions): Promise<void> {
    return this.#kind('createVxlan', 'vxlan', name, options);
  }

  /** `ip link add link PARENT NAME type ipvlan mode l2|l3|l3s [bridge|private|vepa]` */
  createIpvlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.IpvlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createIpvlan', 'ipvlan', name, options);
  }

  /** `ip link add NAME type bond [mode MODE]` */
  createBond(name: string, options?: Omit<L.LinkSpecBase, 'name'> & K.BondOptions): Promise<void> {
    return this.#kind('createBond', 'bond', name, options ?? {});
  }

  /** `ip link add NAME type dummy` */
  createDummy(name: string, options?: Omit<L.LinkSpecBase, 'name'>): Promise<void> {
    return this.#kind('createDummy', 'dummy', name, options ?? {});
  }

  /** A persistent TAP device (Ethernet frames). `ip tuntap add NAME mode tap [user U] [group G] [multi_queue]` */
  createTap(name: string, options?: L.TuntapOptions): Promise<void> {
    return this.#track('createTap', () => L.createTuntap(this, 'tap', name, options, this.#targetOf(options?.netns)));
  }

  /** A persistent TUN device (IP packets). `ip tuntap add NAME mode tun [user U] [group G] [multi_queue]` */
  createTun(name: string, options?: L.TuntapOptions): Promise<void> {
    return this.#track('createTun', () => L.createTuntap(this, 'tun', name, options, this.#targetOf(options?.netns)));
  }

  #kind(op: string, kind: string, name: string, options: object): Promise<void> {
    if (options === null || typeof options !== 'object') return Promise.reject(new TypeError(`${op} options must be an object, got ${showValue(options)}`));
    const spec = { ...options, kind, name } as L.LinkSpec;
    return this.#track(op, () => L.createLink(this, spec, this.#targetOf(spec.netns), op));
  }

  /** The namespace to create in, when it is another one; a TypeError for anything but a Netns. */
  #targetOf(netns: unknown): Netns | null {
    if (netns === undefined) return null;
    if (!(netns instanceof Netns)) throw new TypeError(`netns must be a Netns, got ${showValue(netns)}`);
    return netns.equals(this) ? null : netns;
  }

  /**
   * Whether this kernel can make links of `kind` (`veth`, `macvlan`, `vlan`, `dummy`, `tun`,
   * ...): asked once per kind by trying in a throwaway namespace, then remembered.
   */
  static async supports(kind: string): Promise<boolean> {
    const k = checkKindName(kind);
    let known = supported.get(k);
    if (known === undefined) {
      known = probe(k);
      supported.set(k, known);
    }
    return known;
  }

  // -------------------------------------------------------------------------------------------
  // Addresses

  /**
   * Adds an IPv4 or IPv6 address with its prefix length to a link.
   * `ip addr add CIDR dev IFNAME [brd +] [label L] [valid_lft V preferred_lft P] [metric M] [nodad] [noprefixroute]`
   * (`ip addr replace` with `replace: true`).
   *
   * Rejects with `EEXIST` if the link already has it (unless `replace`), `ENODEV` if there is no such link.
   */
  addAddress(ifname: string, cidr: string, options?: A.AddAddressOptions): Promise<void> {
    return this.#track('addAddress', () => A.addAddress(this, ifname, cidr, options));
  }

  /**
   * Removes an address from a link; `EADDRNOTAVAIL` if it has none such, unless `missingOk`.
   * `ip addr del CIDR dev IFNAME`
   */
  deleteAddress(ifname: string, cidr: string, options?: A.DeleteAddressOptions): Promise<void> {
    return this.#track('deleteAddress', () => A.deleteAddress(this, ifname, cidr, options));
  }

  /** Removes every address (of one family, if given) from a link; resolves with how many. `ip [-4|-6] addr flush dev IFNAME` */
  flushAddresses(ifname: string, options?: Pick<A.AddressFilter, 'family'>): Promise<number> {
    return this.#track('flushAddresses', () => A.flushAddresses(this, ifname, options));
  }

  /** The addresses in this namespace, of one link or family if asked. `ip [-4|-6] addr show [dev IFNAME]` */
  addresses(filter?: A.AddressFilter): Promise<A.Address[]> {
    return this.#track('addresses', () => A.addresses(this, filter));
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  /**
   * Adds a route: `ip route add TO [via GW] [dev IFNAME] [metric M] [table T] [src S] [scope S]
   * [proto P] [mtu M] [onlink] [nexthop via GW dev IFNAME weight W ...]`.
   *
   * A gateway of the other family than the destination is refused before the kernel sees it.
   * The kernel refuses an unreachable gateway (`ENETUNREACH`) and a duplicate (`EEXIST`).
   */
  addRoute(spec: R.RouteSpec): Promise<void> {
    return this.#track('addRoute', () => R.addRoute(this, spec, false));
  }

  /**
   * Adds a route or replaces the one with the same destination, table and metric: `ip route replace ...`.
   * If the kernel refuses the new route, the old one stays as it was.
   */
  replaceRoute(spec: R.RouteSpec): Promise<void> {
    return this.#track('replaceRoute', () => R.addRoute(this, spec, true));
  }

  /** Deletes a route; what the spec gives narrows the match. `ESRCH` if none matches, unless `missingOk`. `ip route del ...` */
  deleteRoute(spec: R.RouteSpec, options?: R.DeleteRouteOptions): Promise<void> {
    return this.#track('deleteRoute', () => R.deleteRoute(this, spec, options));
  }

  /** The routes of a table (default `main`, or `'all'`), of one family if asked. `ip [-4|-6] route show [table T]` */
  routes(filter?: R.RouteFilter): Promise<R.Route[]> {
    return this.#track('routes', () => R.routes(this, filter));
  }

  /** The route the kernel would use to reach `destination`. `ip route get ADDRESS [from S] [iif I] [oif O] [mark M]` */
  getRoute(destination: string, options?: R.GetRouteOptions): Promise<R.Route> {
    return this.#track('getRoute', () => R.getRoute(this, destination, options));
  }

  // -------------------------------------------------------------------------------------------
  // Neighbours

  /** Adds (or with `replace`, sets) a neighbour entry. `ip neigh add|replace ADDRESS lladdr MAC dev IFNAME [nud STATE] [router]` */
  addNeighbor(spec: N.NeighborSpec): Promise<void> {
    return this.#track('addNeighbor', () => N.addNeighbor(this, spec));
  }

  /** Deletes a neighbour entry; `ENOENT` if absent, unless `missingOk`. `ip neigh del ADDRESS dev IFNAME` */
  deleteNeighbor(key: N.NeighborKey, options?: N.DeleteNeighborOptions): Promise<void> {
    return this.#track('deleteNeighbor', () => N.deleteNeighbor(this, key, options));
  }

  /** The neighbour entries, of one link or family if asked. `ip [-4|-6] neigh show [dev IFNAME]` */
  neighbors(filter?: N.NeighborFilter): Promise<N.Neighbor[]> {
    return this.#track('neighbors', () => N.neighbors(this, filter));
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  /** Adds a policy routing rule. `ip rule add [from P] [to P] [iif I] [oif O] [fwmark M] [pref N] lookup T` */
  addRule(spec: U.RuleSpec): Promise<void> {
    return this.#track('addRule', () => U.addRule(this, spec));
  }

  /** Deletes the first rule matching the spec; `ENOENT` if none, unless `missingOk`. `ip rule del ...` */
  deleteRule(spec: U.RuleSpec, options?: U.DeleteRuleOptions): Promise<void> {
    return this.#track('deleteRule', () => U.deleteRule(this, spec, options));
  }

  /** The policy routing rules, of one family if asked. `ip [-4|-6] rule show` */
  rules(filter?: { family?: 4 | 6 }): Promise<U.Rule[]> {
    return this.#track('rules', () => U.rules(this, filter));
  }

  /**
   * The id `other` has in this namespace (what `ip netns list-id` and a veth's `link-netnsid`
   * show), or null if none was assigned.
   */
  nsidOf(other: Netns): Promise<number | null> {
    if (!(other instanceof Netns)) return Promise.reject(new TypeError(`nsidOf needs a Netns, got ${showValue(other)}`));
    return this.#track('nsidOf', async () => {
      const conn = await this.connection();
      const w = new MessageWriter(C.RTM_GETNSID, C.NLM_F_REQUEST | C.NLM_F_ACK, 32);
      w.u8(C.AF_UNSPEC).u8(0).u16(0); // struct rtgenmsg, padded
      const fd = other.borrowFd();
      try {
        w.putU32(C.NETNSA_FD, fd);
        const ctx = { op: 'nsidOf', object: { netns: this.#label, other: other.label }, subject: `netns ${other.label} in netns ${this.#label}` };
        const [id] = await conn.request(w.finish(), ctx, (m) => {
          if (m.type !== C.RTM_NEWNSID) return undefined;
          const at = findAttr(m.buf, m.start + 4, m.end, C.NETNSA_NSID);
          return at ? readI32(m.buf, at[0]) : undefined;
        });
        return id === undefined || id < 0 ? null : id;
      } finally {
        other.returnFd();
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Processes

  /**
   * Starts a command inside this namespace and returns Node's `ChildProcess` for it (stdio,
   * events, kill), as `ip netns exec NAME COMMAND ARGS...`. No shell: the arguments reach the
   * command as they are. In a named namespace the command also sees its own `/sys/class/net`
   * and `/etc/netns/NAME/*` over `/etc` (a private mount namespace), as with `ip netns exec`;
   * in an unnamed one only the network namespace changes (`nsenter --net`). No descriptor of
   * this library is inherited.
   */
  spawn(command: string, args?: readonly string[], options?: P.NetnsSpawnOptions): ChildProcess {
    if (this.#closed) throw this.#closedError('spawn');
    return P.spawnIn(this, command, args, options);
  }

  /**
   * Runs a command inside this namespace to completion: resolves with `{ stdout, stderr }`,
   * rejects with an {@link ExecError} (exit code, signal, stdout, stderr) if it fails.
   * `ip netns exec NAME COMMAND ARGS...`
   */
  exec(command: string, args?: readonly string[], options?: P.NetnsExecOptions): Promise<P.ExecResult> {
    return this.#track('exec', () => P.execIn(this, command, args, options));
  }

  // -------------------------------------------------------------------------------------------
  // Sysctls

  /**
   * Reads a network sysctl of this namespace, e.g. `net.ipv4.ip_forward`, as
   * `ip netns exec NS sysctl KEY` would; the calling thread never moves. Only `net.*` keys.
   */
  sysctl(key: string): Promise<string>;
  /** Writes one: `ip netns exec NS sysctl -w KEY=VALUE`. Routers need `net.ipv4.ip_forward` = 1. */
  sysctl(key: string, value: string | number): Promise<void>;
  sysctl(key: string, value?: string | number): Promise<string | void> {
    return this.#track('sysctl', async () => {
      const path = checkSysctlKey(key);
      if (value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
        throw new TypeError(`sysctl value must be a string or a number, got ${showValue(value)}`);
      }
      if (typeof value === 'string' && value.includes('\0')) throw new TypeError(`sysctl value ${showValue(value)} must not contain NUL`);
      const fd = this.borrowFd();
      try {
        const out = await native.sysctl(fd, path, value === undefined ? undefined : String(value));
        return out === undefined ? undefined : out.trim();
      } catch (e) {
        throw nativeError(e, {
          op: 'sysctl',
          object: { key, netns: this.#label, ...(value === undefined ? {} : { value }) },
          subject: `${key} in netns ${this.#label}`,
          hints: { [ENOENT]: `no sysctl ${key} in this namespace`, [EINVAL]: `the kernel refused ${showValue(value)} for ${key}` },
        });
      } finally {
        this.returnFd();
      }
    });
  }
}

const supported = new Map<string, Promise<boolean>>();

async function probe(kind: string): Promise<boolean> {
  if (kind === 'tun' || kind === 'tap') {
    try {
      await access('/dev/net/tun', fsConstants.R_OK | fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
  const scratch = await Netns.create();
  try {
    return await L.probeKind(scratch, kind);
  } finally {
    scratch.close();
  }
}

/** `net.ipv4.ip_forward` → `net/ipv4/ip_forward`; anything that could leave /proc/sys/net is refused. */
function checkSysctlKey(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`sysctl key must be a string, got ${showValue(key)}`);
  const parts = key.split('.');
  if (parts[0] !== 'net' || parts.length < 2) throw new TypeError(`sysctl key ${showValue(key)} must start with "net." (only network sysctls are per namespace)`);
  if (key.includes('/') || key.includes('\0') || parts.some((p) => p === '' || !/^[\w@+-]+$/u.test(p))) {
    throw new TypeError(`sysctl key ${showValue(key)} must be dot-separated names, without '/', '..' or white space`);
  }
  return parts.join('/');
}
