/**
 * {@link Netns}: a handle on one network namespace, and every operation made inside it, each a
 * one-line call into lib/ops.
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { inspect } from 'node:util';
import { containerPid, type ContainerOptions } from './container.js';
import { NsHandle } from './handle.js';
import * as A from './ops/address.js';
import * as AL from './ops/addrlabel.js';
import * as B from './ops/bridge.js';
import * as F from './ops/fdb.js';
import * as L from './ops/link.js';
import * as N from './ops/neighbor.js';
import * as NAT from './ops/nat.js';
import * as NH from './ops/nexthop.js';
import * as NS from './ops/netns.js';
import * as NSID from './ops/nsid.js';
import * as R from './ops/route.js';
import * as U from './ops/rule.js';
import * as TCO from './ops/tc.js';
import { supports } from './ops/supports.js';
import { sysctl } from './ops/sysctl.js';
import * as P from './process.js';
import { showValue } from './validate.js';
import * as W from './watch.js';
import type { Address } from './wire/address.js';
import type { AddrLabel } from './wire/addrlabel.js';
import type { BridgeVlan } from './wire/bridge.js';
import type { FdbEntry } from './wire/fdb.js';
import type * as K from './wire/kinds/public.js';
import type { Link } from './wire/link.js';
import type { Neighbor } from './wire/neighbor.js';
import type { Nexthop } from './wire/nexthop.js';
import type { Nsid } from './wire/nsid.js';
import type { Route } from './wire/route.js';
import type { Rule } from './wire/rule.js';
import type { Qdisc, TrafficClass } from './wire/tc.js';

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

  readonly #h: NsHandle;

  private constructor(opened: NS.Opened) {
    this.#h = new NsHandle(opened.handle, opened.where, this);
    this.name = this.#h.name;
    this.pid = this.#h.pid;
    this.path = this.#h.path;
    this.inode = this.#h.ino;
    this.dev = this.#h.dev;
  }

  /** The handle behind another Netns given as an argument; a TypeError for anything else. */
  static #handleOf(v: unknown, what: string): NsHandle {
    if (!(v instanceof Netns)) throw new TypeError(`${what} must be a Netns, got ${showValue(v)}`);
    return v.#h;
  }

  /** Another namespace to act in, or null when it is this one. */
  #other(v: unknown, what: string): NsHandle | null {
    if (v === undefined) return null;
    const h = Netns.#handleOf(v, what);
    return h.same(this.#h) ? null : h;
  }

  /**
   * Creates a network namespace. With a name it is what `ip netns add NAME` makes: a bind
   * mount at `/run/netns/NAME` (that directory made a shared mount, as iproute2 does), so
   * `ip netns list` shows it and `ip -n NAME` works in it. Without a name the namespace is
   * anonymous, alive while this handle (or a process in it) holds it.
   *
   * Rejects with `EEXIST` if the name is taken. Its `lo` is down, as after `ip netns add`.
   * @group Namespaces
   */
  static async create(name?: string): Promise<Netns> {
    return new Netns(await NS.create(name));
  }

  /**
   * Opens the namespace named `name` under `/run/netns`, whether this library, `ip netns add`
   * or `ip netns attach` made it (a symlink made by hand into `/proc/PID/ns/net` opens too).
   * Never creates one: an unknown name rejects with `ENOENT`.
   * @group Namespaces
   */
  static async open(name: string): Promise<Netns> {
    return new Netns(await NS.open(name));
  }

  /**
   * Opens the network namespace of process `pid` (`/proc/PID/ns/net`): a container's, given
   * the pid `docker inspect -f '{{.State.Pid}}'` prints. Rejects with `ENOENT` if no such
   * process runs.
   * @group Namespaces
   */
  static async fromPid(pid: number): Promise<Netns> {
    return new Netns(await NS.fromPid(pid));
  }

  /**
   * Opens a running Docker container's network namespace: asks the engine for its pid over
   * the engine's Unix socket (`GET /containers/{id}/json`, what `docker inspect -f
   * '{{.State.Pid}}' ID` prints), then opens `/proc/PID/ns/net`. Rejects with `ENOENT` for an
   * unknown container, `ESRCH` for one not running, and a connection errno (`ENOENT`,
   * `ECONNREFUSED`, `EACCES`) when no engine answers. `ETIMEDOUT` when the whole exchange
   * outlasts `timeout`, `EMSGSIZE` for a reply over 4 MiB, `EPROTO` for a malformed one, and
   * `EPERM` for a container in this process's own namespace (host networking) unless
   * `allowOwnNamespace` is set.
   * @group Namespaces
   */
  static async fromContainer(idOrName: string, options?: ContainerOptions): Promise<Netns> {
    const opened = await NS.fromPid(await containerPid(idOrName, options));
    return new Netns({ ...opened, where: { ...opened.where, label: `container ${idOrName}` } });
  }

  /**
   * Opens the network namespace at `path`: any nsfs file or bind mount of one. Anything else
   * (a FIFO, a device, a plain file) is refused with `EINVAL` without blocking.
   * @group Namespaces
   */
  static async fromPath(path: string): Promise<Netns> {
    return new Netns(await NS.fromPath(path));
  }

  /**
   * The namespace this process runs in (the host's, usually). Synchronous: nothing waits.
   * @group Namespaces
   */
  static current(): Netns {
    return new Netns(NS.current());
  }

  /**
   * The names under `/run/netns`, sorted: what `ip netns list` shows.
   * @group Namespaces
   */
  static async list(): Promise<string[]> {
    return NS.list();
  }

  /**
   * Gives a running process's namespace (or the namespace of a handle) a name, as
   * `ip netns attach NAME PID` does: a bind mount at `/run/netns/NAME`, not a symlink, so the
   * name stays valid as long as the namespace lives. Resolves with a handle on it.
   *
   * The name's file is created exclusively and never followed: a symlink planted there makes
   * this fail with `EEXIST`.
   * @group Namespaces
   */
  static async attach(name: string, target: number | Netns): Promise<Netns> {
    return new Netns(await NS.attach(name, typeof target === 'number' ? target : Netns.#handleOf(target, 'attach target')));
  }

  /**
   * Removes the name `name` from `/run/netns`, as `ip netns delete NAME`, without opening it.
   * The namespace itself goes once nothing holds it (no process in it, no open handle).
   * Anything at the name that is not a namespace is left alone (`EINVAL`).
   * @group Namespaces
   */
  static async delete(name: string): Promise<void> {
    return NS.remove(name);
  }

  /**
   * Whether this kernel can make links of `kind` (`veth`, `macvlan`, `vlan`, `dummy`, `tun`,
   * ...): asked once per kind by trying in a throwaway namespace, then remembered.
   * @group Links
   */
  static async supports(kind: string): Promise<boolean> {
    return supports(kind);
  }

  /**
   * `ip netns delete NAME` for this namespace: removes its name (if it has one, and only while
   * it still names this namespace: `ESTALE` otherwise) and closes this handle. The namespace,
   * with its links, goes once nothing else holds it.
   * @group Namespaces
   */
  async delete(): Promise<void> {
    try {
      if (this.name !== null && !this.#h.closed) await NS.remove(this.name, this.#h);
    } finally {
      this.close();
    }
  }

  /**
   * Releases this handle: its file descriptor, and the namespace's socket once no other handle
   * uses it. New calls are refused at once (`EBADF`); operations already started finish first.
   * Idempotent.
   * @group Namespaces
   */
  close(): void {
    this.#h.close();
  }

  /**
   * Whether {@link Netns.close} or {@link Netns.delete} was called.
   * @group Namespaces
   */
  get closed(): boolean {
    return this.#h.closed;
  }

  /**
   * Whether both handles are on the same namespace (same nsfs device and inode).
   * @group Namespaces
   */
  equals(other: Netns): boolean {
    return other instanceof Netns && this.dev === other.dev && this.inode === other.inode;
  }

  /**
   * The id `other` has in this namespace (what `ip netns list-id` and a veth's `link-netnsid`
   * show), or null if none was assigned.
   * @group Namespaces
   */
  nsidOf(other: Netns): Promise<number | null> {
    return this.#h.run('nsidOf', () => NS.nsidOf(this.#h, Netns.#handleOf(other, 'nsidOf argument')));
  }

  /**
   * Gives `other` the id `nsid` in this namespace, or one the kernel picks (`'auto'`); resolves
   * with it. An id stays until `other` goes: `EEXIST` if `other` already has one here, or if
   * the id names another namespace. `ip netns set NAME ID|auto` (run in this namespace)
   * @group Namespaces
   */
  setNsid(other: Netns, nsid: NSID.NsidSpec): Promise<number> {
    return this.#h.run('setNsid', () => NSID.setNsid(this.#h, Netns.#handleOf(other, 'setNsid argument'), nsid));
  }

  /**
   * The ids this namespace gave other namespaces, sorted, each with the name under
   * `/run/netns` of the namespace it stands for, if it has one. `ip netns list-id`
   * @group Namespaces
   */
  nsids(): Promise<Nsid[]> {
    return this.#h.run('nsids', () => NSID.nsids(this.#h));
  }

  /** How errors and the REPL name it: `netns stationA`, `netns pid 1234`. */
  toString(): string {
    return `netns ${this.#h.label}`;
  }

  /** @internal */
  [inspect.custom](): string {
    const label = this.#h.label;
    const tail = this.#h.closed ? 'closed' : `inode ${this.inode}`;
    return label.startsWith('inode ') ? `Netns <${tail}>` : `Netns <${label} ${tail}>`;
  }

  /**
   * Creates a veth pair in one request: this end here, the peer directly inside `peerNetns`
   * (it never passes through this namespace), optionally a port of a bridge and up at once.
   *
   * `ip link add NAME [mtu M] [address A] [txqlen N] [group G] [master BR] [up] type veth peer name PEER [address B] [txqlen N] [group G] [netns NS]`
   * @group Links
   */
  createVeth(name: string, options: L.VethOptions): Promise<void> {
    return this.#h.run('createVeth', () => L.createVeth(this.#h, name, options, this.#other(options?.peerNetns, 'peerNetns')));
  }

  /**
   * Creates a bridge, with its own settings if given (STP, VLAN filtering and its protocol and
   * default PVID, ageing time, forward delay, multicast snooping), read back on
   * {@link Link.info}; {@link Netns.setLinkType} changes them later. `EOPNOTSUPP` for
   * `vlanFiltering` on a kernel whose bridge has none (nothing is left behind).
   *
   * `ip link add NAME [mtu M] [address A] [txqlen N] [group G] [up] type bridge [stp_state 0|1]
   * [vlan_filtering 0|1] [vlan_protocol P] [ageing_time T] [forward_delay T] [mcast_snooping 0|1]
   * [vlan_default_pvid N]`
   * @group Links
   */
  createBridge(name: string, options?: L.BridgeOptions): Promise<void> {
    return this.#h.run('createBridge', () => L.createBridge(this.#h, name, options));
  }

  /**
   * Moves a link into another namespace (named, by pid or by path), renaming it on the way
   * when `name` is given. `ip link set dev IFNAME netns NS [name NEW]`
   *
   * Bridges and `lo` cannot move (`EINVAL`); a name already taken there gives `EEXIST`.
   * @group Links
   */
  moveToNetns(ifname: string, target: Netns, options?: L.MoveOptions): Promise<void> {
    return this.#h.run('moveToNetns', () => L.moveToNetns(this.#h, ifname, Netns.#handleOf(target, 'target'), options));
  }

  /**
   * `ip link set dev IFNAME up`
   * @group Links
   */
  setUp(ifname: string): Promise<void> {
    return this.#h.run('setUp', () => L.setUpDown(this.#h, ifname, true));
  }

  /**
   * `ip link set dev IFNAME down`
   * @group Links
   */
  setDown(ifname: string): Promise<void> {
    return this.#h.run('setDown', () => L.setUpDown(this.#h, ifname, false));
  }

  /**
   * Changes a link in one request: rename, MTU, MAC, transmit queue length, alias (`''`
   * removes it), group, bridge port (`master: null` detaches), the flags promisc, allmulticast,
   * multicast and arp, up or down. `ip link set dev IFNAME [name N] [mtu M] [address A] [txqlen N]
   * [alias TEXT] [group G] [master BR | nomaster] [promisc on|off] [allmulticast on|off]
   * [multicast on|off] [arp on|off] [up | down]`
   * @group Links
   */
  setLink(ifname: string, changes: L.LinkChanges): Promise<void> {
    return this.#h.run('setLink', () => L.setLink(this.#h, ifname, changes));
  }

  /**
   * Deletes a link (for a veth, both ends go). `ip link del dev IFNAME`
   * @group Links
   */
  deleteLink(ifname: string): Promise<void> {
    return this.#h.run('deleteLink', () => L.deleteLink(this.#h, ifname));
  }

  /**
   * Every link in this namespace. `ip -d -s link show`
   * @group Links
   */
  links(): Promise<Link[]> {
    return this.#h.run('links', () => L.links(this.#h));
  }

  /**
   * One link by name, or by one of its alternative names (up to 127 bytes); rejects with
   * `ENODEV` if there is none. `ip -d -s link show dev IFNAME`
   * @group Links
   */
  link(ifname: string): Promise<Link> {
    return this.#h.run('link', () => L.link(this.#h, ifname));
  }

  /**
   * Gives a link an alternative name (up to 127 bytes), by which {@link Netns.link} finds it
   * too; {@link Link.altNames} lists them. `EEXIST` if any interface here already has that name
   * or altname. `ip link property add dev IFNAME altname ALT`
   * @group Links
   */
  addAltName(ifname: string, altName: string): Promise<void> {
    return this.#h.run('addAltName', () => L.addAltName(this.#h, ifname, altName));
  }

  /**
   * Removes an alternative name; `ENOENT` if no link has it, unless `missingOk`, and `EINVAL`
   * if it is the link's own name or another link's. `ip link property del dev IFNAME altname ALT`
   * @group Links
   */
  deleteAltName(ifname: string, altName: string, options?: L.DeleteAltNameOptions): Promise<void> {
    return this.#h.run('deleteAltName', () => L.deleteAltName(this.#h, ifname, altName, options));
  }

  /**
   * Creates a link of any kind in one request, optionally directly inside another namespace
   * (`netns`) while its parent stays here. `ip link add [link PARENT] NAME [netns NS] [mtu M]
   * [address A] [txqlen N] [group G] [master M] [up] type KIND [KIND OPTIONS]`. A kind this
   * kernel lacks fails with `EOPNOTSUPP` and leaves nothing behind; {@link Netns.supports}
   * tells beforehand.
   * @group Links
   */
  createLink(spec: L.LinkSpec): Promise<void> {
    return this.#h.run('createLink', () => L.createLink(this.#h, spec, this.#other(spec?.netns, 'netns')));
  }

  /**
   * Changes a link's kind-specific settings, e.g. a macvlan's mode or a bridge's own settings
   * (`{ kind: 'bridge', stp: true, ageingTime: 60 }`; `ERANGE` for a forward delay outside 2–30 s
   * while STP runs). `ip link set IFNAME type KIND OPTIONS`
   * @group Links
   */
  setLinkType(ifname: string, changes: L.LinkTypeChanges): Promise<void> {
    return this.#h.run('setLinkType', () => L.setLinkType(this.#h, ifname, changes));
  }

  /**
   * `ip link add link PARENT NAME [netns NS] type macvlan mode MODE`
   * @group Links
   */
  createMacvlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.MacvlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createMacvlan', 'macvlan', name, options);
  }

  /**
   * `ip link add link PARENT NAME [netns NS] type macvtap mode MODE`
   * @group Links
   */
  createMacvtap(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.MacvlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createMacvtap', 'macvtap', name, options);
  }

  /**
   * `ip link add link PARENT name NAME [netns NS] type vlan id ID [protocol 802.1Q|802.1ad]`
   * @group Links
   */
  createVlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.VlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createVlan', 'vlan', name, options);
  }

  /**
   * `ip link add NAME type vxlan id VNI [remote A | group G] [local L] [dstport P] [dev D] [ttl T] [nolearning]`
   * @group Links
   */
  createVxlan(name: string, options: Omit<L.LinkSpecBase, 'name' | 'group'> & K.VxlanOptions): Promise<void> {
    return this.#kind('createVxlan', 'vxlan', name, options);
  }

  /**
   * `ip link add link PARENT NAME type ipvlan mode l2|l3|l3s [bridge|private|vepa]`
   * @group Links
   */
  createIpvlan(name: string, options: Omit<L.LinkSpecBase, 'name'> & K.IpvlanOptions & { parent: string | number }): Promise<void> {
    return this.#kind('createIpvlan', 'ipvlan', name, options);
  }

  /**
   * `ip link add NAME type bond [mode MODE]`
   * @group Links
   */
  createBond(name: string, options?: Omit<L.LinkSpecBase, 'name'> & K.BondOptions): Promise<void> {
    return this.#kind('createBond', 'bond', name, options ?? {});
  }

  /**
   * `ip link add NAME type dummy`
   * @group Links
   */
  createDummy(name: string, options?: Omit<L.LinkSpecBase, 'name'>): Promise<void> {
    return this.#kind('createDummy', 'dummy', name, options ?? {});
  }

  /**
   * A persistent TAP device (Ethernet frames). `ip tuntap add NAME mode tap [user U] [group G] [multi_queue]`
   * @group Links
   */
  createTap(name: string, options?: L.TuntapOptions): Promise<void> {
    return this.#h.run('createTap', () => L.createTuntap(this.#h, 'tap', name, options, this.#other(options?.netns, 'netns')));
  }

  /**
   * A persistent TUN device (IP packets). `ip tuntap add NAME mode tun [user U] [group G] [multi_queue]`
   * @group Links
   */
  createTun(name: string, options?: L.TuntapOptions): Promise<void> {
    return this.#h.run('createTun', () => L.createTuntap(this.#h, 'tun', name, options, this.#other(options?.netns, 'netns')));
  }

  #kind(op: string, kind: string, name: string, options: object): Promise<void> {
    return this.#h.run(op, () => {
      if (options === null || typeof options !== 'object') throw new TypeError(`${op} options must be an object, got ${showValue(options)}`);
      const spec = { ...options, kind, name } as L.LinkSpec;
      return L.createLink(this.#h, spec, this.#other(spec.netns, 'netns'), op);
    });
  }

  /**
   * Adds an IPv4 or IPv6 address with its prefix length to a link.
   * `ip addr add CIDR dev IFNAME [brd +] [label L] [valid_lft V preferred_lft P] [metric M] [proto N] [nodad] [noprefixroute]`
   * (`ip addr replace` with `replace: true`); a point-to-point address with its peer,
   * `ip addr add ADDRESS peer PEER/N dev IFNAME`, is `addAddress(ifname, ADDRESS, { peer: 'PEER/N' })`.
   *
   * Rejects with `EEXIST` if the link already has it (unless `replace`), `ENODEV` if there is no such link.
   * @group Addresses
   */
  addAddress(ifname: string, cidr: string, options?: A.AddAddressOptions): Promise<void> {
    return this.#h.run('addAddress', () => A.addAddress(this.#h, ifname, cidr, options));
  }

  /**
   * Removes an address from a link; `EADDRNOTAVAIL` if it has none such, unless `missingOk`.
   * `ip addr del CIDR dev IFNAME`, or `ip addr del ADDRESS peer PEER/N dev IFNAME` with `peer`
   * @group Addresses
   */
  deleteAddress(ifname: string, cidr: string, options?: A.DeleteAddressOptions): Promise<void> {
    return this.#h.run('deleteAddress', () => A.deleteAddress(this.#h, ifname, cidr, options));
  }

  /**
   * Removes every address (of one family, if given) from a link; resolves with how many. `ip [-4|-6] addr flush dev IFNAME`
   * @group Addresses
   */
  flushAddresses(ifname: string, options?: Pick<A.AddressFilter, 'family'>): Promise<number> {
    return this.#h.run('flushAddresses', () => A.flushAddresses(this.#h, ifname, options));
  }

  /**
   * The addresses in this namespace, of one link or family if asked. `ip [-4|-6] addr show [dev IFNAME]`
   * @group Addresses
   */
  addresses(filter?: A.AddressFilter): Promise<Address[]> {
    return this.#h.run('addresses', () => A.addresses(this.#h, filter));
  }

  /**
   * Labels an IPv6 prefix for source and destination address selection (RFC 6724), on every
   * interface or one. `EEXIST` if the prefix (on that interface) has a label, unless `replace`.
   * `ip addrlabel add prefix PREFIX [dev IFNAME] label N`
   * @group Addresses
   */
  addAddrLabel(spec: AL.AddrLabelSpec): Promise<void> {
    return this.#h.run('addAddrLabel', () => AL.addAddrLabel(this.#h, spec));
  }

  /**
   * Removes the label of a prefix (on that interface); `ESRCH` if it has none, unless `missingOk`.
   * `ip addrlabel del prefix PREFIX [dev IFNAME] label N`
   * @group Addresses
   */
  deleteAddrLabel(key: AL.AddrLabelKey, options?: AL.DeleteAddrLabelOptions): Promise<void> {
    return this.#h.run('deleteAddrLabel', () => AL.deleteAddrLabel(this.#h, key, options));
  }

  /**
   * The IPv6 address labels, the kernel's defaults (RFC 6724) included. `ip addrlabel list`
   * @group Addresses
   */
  addrLabels(): Promise<AddrLabel[]> {
    return this.#h.run('addrLabels', () => AL.addrLabels(this.#h));
  }

  /**
   * Adds a route: `ip route add TO [tos T] [via [inet6] GW] [dev IFNAME] [metric M] [table T]
   * [src S] [scope S] [proto P] [mtu [lock] M] [realm R] [onlink] [nexthop via GW dev IFNAME weight W ... | nhid N]`.
   *
   * A gateway of the other family than the destination is refused before the kernel sees it,
   * unless named as such for an IPv4 route (`via: 'inet6 fe80::1'`, RTA_VIA).
   * The kernel refuses an unreachable gateway (`ENETUNREACH`) and a duplicate (`EEXIST`).
   * @group Routes
   */
  addRoute(spec: R.RouteSpec): Promise<void> {
    return this.#h.run('addRoute', () => R.addRoute(this.#h, spec, 'add'));
  }

  /**
   * Adds a route or replaces the one with the same destination, table and metric: `ip route replace ...`.
   * If the kernel refuses the new route, the old one stays as it was.
   * @group Routes
   */
  replaceRoute(spec: R.RouteSpec): Promise<void> {
    return this.#h.run('replaceRoute', () => R.addRoute(this.#h, spec, 'replace'));
  }

  /**
   * Changes the route with the same destination, table, TOS and metric, and never adds one:
   * `ENOENT` if there is none. `ip route change ...`
   * @group Routes
   */
  changeRoute(spec: R.RouteSpec): Promise<void> {
    return this.#h.run('changeRoute', () => R.addRoute(this.#h, spec, 'change'));
  }

  /**
   * Adds a route after those with the same destination, table, TOS and metric instead of
   * failing with `EEXIST`: for IPv4 a second route that waits behind the first, for IPv6
   * another next hop of it. `ip route append ...`
   * @group Routes
   */
  appendRoute(spec: R.RouteSpec): Promise<void> {
    return this.#h.run('appendRoute', () => R.addRoute(this.#h, spec, 'append'));
  }

  /**
   * Deletes a route; what the spec gives narrows the match. `ESRCH` if none matches, unless `missingOk`. `ip route del ...`
   * @group Routes
   */
  deleteRoute(spec: R.RouteSpec, options?: R.DeleteRouteOptions): Promise<void> {
    return this.#h.run('deleteRoute', () => R.deleteRoute(this.#h, spec, options));
  }

  /**
   * The routes of a table (default `main`, or `'all'`), of one family and one type if asked. `ip [-4|-6] route show [table T] [type T]`
   * @group Routes
   */
  routes(filter?: R.RouteFilter): Promise<Route[]> {
    return this.#h.run('routes', () => R.routes(this.#h, filter));
  }

  /**
   * Removes the routes of a table (default `main`; `'all'`: every table but `local`) that match
   * the filter, in one batch; resolves with how many. The kernel's local table is flushed only
   * when asked for by name. `ip [-4|-6] route flush [table T] [dev IFNAME] [proto P]`
   * @group Routes
   */
  flushRoutes(filter?: R.FlushRoutesFilter): Promise<number> {
    return this.#h.run('flushRoutes', () => R.flushRoutes(this.#h, filter));
  }

  /**
   * The route the kernel would use to reach `destination`, with the table it was found in
   * (policy rules can send a lookup to another table than `main`); with `fibMatch`, the route
   * as configured rather than the resolved host route.
   * `ip route get [fibmatch] ADDRESS [from S] [iif I] [oif O] [mark M]`
   * @group Routes
   */
  getRoute(destination: string, options?: R.GetRouteOptions): Promise<Route> {
    return this.#h.run('getRoute', () => R.getRoute(this.#h, destination, options));
  }

  /**
   * Adds (or with `replace`, sets) a neighbour entry, or with `proxy` a proxy entry (this
   * namespace answers ARP or neighbour solicitations for the address on `dev`).
   * `ip neigh add|replace ADDRESS lladdr MAC dev IFNAME [nud STATE] [router]`,
   * `ip neigh add proxy ADDRESS dev IFNAME [router]`
   * @group Neighbours
   */
  addNeighbor(spec: N.NeighborSpec): Promise<void> {
    return this.#h.run('addNeighbor', () => N.addNeighbor(this.#h, spec));
  }

  /**
   * Deletes a neighbour entry (with `proxy`, a proxy entry); `ENOENT` if absent, unless
   * `missingOk`. `ip neigh del [proxy] ADDRESS dev IFNAME`
   * @group Neighbours
   */
  deleteNeighbor(key: N.NeighborKey, options?: N.DeleteNeighborOptions): Promise<void> {
    return this.#h.run('deleteNeighbor', () => N.deleteNeighbor(this.#h, key, options));
  }

  /**
   * The neighbour entries (with `proxy`, the proxy entries instead), of one link or family if
   * asked. `ip [-4|-6] neigh show [proxy] [dev IFNAME] nud all`
   * @group Neighbours
   */
  neighbors(filter?: N.NeighborFilter): Promise<Neighbor[]> {
    return this.#h.run('neighbors', () => N.neighbors(this.#h, filter));
  }

  /**
   * Changes a bridge port's settings (cost, priority, learning, flooding, hairpin, isolation,
   * neighbour suppression), read back on {@link Link.bridgePort}. `EOPNOTSUPP` if `ifname` is no
   * bridge port. `bridge link set dev IFNAME [cost N] [priority N] [learning on|off]
   * [flood on|off] [mcast_flood on|off] [bcast_flood on|off] [hairpin on|off] [isolated on|off]
   * [neigh_suppress on|off]`
   * @group Bridges
   */
  setBridgePort(ifname: string, options: B.BridgePortOptions): Promise<void> {
    return this.#h.run('setBridgePort', () => B.setBridgePort(this.#h, ifname, options));
  }

  /**
   * Adds a VLAN, or a range of them, to a bridge port (or with `self` to the bridge itself),
   * optionally as its PVID and egress untagged; adding one it has changes its flags. `EOPNOTSUPP`
   * on a device that is no port (without `self`) and on a kernel whose bridge has no VLAN
   * filtering. `bridge vlan add dev DEV vid VID[-END] [pvid] [untagged] [self] [master]`
   * @group Bridges
   */
  addBridgeVlan(spec: B.BridgeVlanSpec): Promise<void> {
    return this.#h.run('addBridgeVlan', () => B.addBridgeVlan(this.#h, spec));
  }

  /**
   * Removes a VLAN, or a range, from a bridge port or (with `self`) the bridge. A VLAN the device
   * does not have is no error: the kernel skips what it cannot remove and says nothing.
   * `bridge vlan del dev DEV vid VID[-END] [self] [master]`
   * @group Bridges
   */
  deleteBridgeVlan(key: B.BridgeVlanKey): Promise<void> {
    return this.#h.run('deleteBridgeVlan', () => B.deleteBridgeVlan(this.#h, key));
  }

  /**
   * The VLANs of every bridge port and bridge here, one {@link BridgeVlan} per VLAN, of one
   * device or VLAN if asked. `bridge vlan show [dev DEV] [vid VID]`
   * @group Bridges
   */
  bridgeVlans(filter?: B.BridgeVlanFilter): Promise<BridgeVlan[]> {
    return this.#h.run('bridgeVlans', () => B.bridgeVlans(this.#h, filter));
  }

  /**
   * Adds a forwarding-database entry: a MAC on a bridge port (`master: true`; `state: 'static'`
   * to forward to it, the default `permanent` being a local address, as with `bridge fdb`), or a
   * VXLAN's remote endpoint for a MAC (`dst`, `vni`, `port`, `via`). Without `self` or `master`
   * the entry goes to the device's own table (`self`), as `bridge fdb` does. `EEXIST` if there
   * is one. `bridge fdb add LLADDR dev DEV [dst IP] [vni VNI] [port P] [vlan VID] [src_vni VNI]
   * [via DEV] [self] [master] [permanent|static|dynamic] [sticky]`
   * @group Bridges
   */
  addFdbEntry(spec: F.FdbSpec): Promise<void> {
    return this.#h.run('addFdbEntry', () => F.addFdbEntry(this.#h, spec, 'add'));
  }

  /**
   * Adds a further remote to a VXLAN's entry instead of failing with `EEXIST`: appended to the
   * all-zeros MAC, the remotes a VXLAN overlay floods broadcast and unknown traffic to.
   * `bridge fdb append 00:00:00:00:00:00 dev VXLAN dst IP [vni VNI] ...`
   * @group Bridges
   */
  appendFdbEntry(spec: F.FdbSpec): Promise<void> {
    return this.#h.run('appendFdbEntry', () => F.addFdbEntry(this.#h, spec, 'append'));
  }

  /**
   * Adds a forwarding-database entry or replaces the one for the same MAC (and VLAN): a MAC moved
   * to another port, a VXLAN remote moved to another endpoint. `bridge fdb replace LLADDR dev DEV ...`
   * @group Bridges
   */
  replaceFdbEntry(spec: F.FdbSpec): Promise<void> {
    return this.#h.run('replaceFdbEntry', () => F.addFdbEntry(this.#h, spec, 'replace'));
  }

  /**
   * Deletes a forwarding-database entry (of a VXLAN's several remotes, the one `dst`, `vni` and
   * `port` name); `ENOENT` if the MAC has no entry, unless `missingOk`. The kernel reports no
   * error for a remote that is not among an existing MAC's. `bridge fdb del LLADDR dev DEV
   * [dst IP] [vni VNI] [port P] [vlan VID] [self] [master]`
   * @group Bridges
   */
  deleteFdbEntry(key: F.FdbKey, options?: F.DeleteFdbOptions): Promise<void> {
    return this.#h.run('deleteFdbEntry', () => F.deleteFdbEntry(this.#h, key, options));
  }

  /**
   * The forwarding-database entries of the bridges, ports and VXLANs here (and the devices' own
   * address lists), of one device, bridge or VLAN if asked. `bridge fdb show [dev DEV] [br BRIDGE] [vlan VID]`
   * @group Bridges
   */
  fdbEntries(filter?: F.FdbFilter): Promise<FdbEntry[]> {
    return this.#h.run('fdbEntries', () => F.fdbEntries(this.#h, filter));
  }

  /**
   * Adds a policy routing rule. `ip rule add [not] [from P] [to P] [tos T] [fwmark M[/K]] [iif I]
   * [oif O] [pref N] [l3mdev] [uidrange A-B] [ipproto P] [sport A[-B]] [dport A[-B]]
   * [lookup T | goto N | nop | blackhole | unreachable | prohibit] [suppress_prefixlength N]
   * [suppress_ifgroup G] [realms [S/]D] [protocol P]`.
   *
   * The kernel refuses a `goto` backwards (`EINVAL`, also when it picks the priority) and a
   * duplicate (`EEXIST`).
   * @group Rules
   */
  addRule(spec: U.RuleSpec): Promise<void> {
    return this.#h.run('addRule', () => U.addRule(this.#h, spec));
  }

  /**
   * Deletes the first rule matching the spec; `ENOENT` if none, unless `missingOk`. `ip rule del ...`
   * @group Rules
   */
  deleteRule(spec: U.RuleSpec, options?: U.DeleteRuleOptions): Promise<void> {
    return this.#h.run('deleteRule', () => U.deleteRule(this.#h, spec, options));
  }

  /**
   * The policy routing rules, of one family if asked. `ip [-4|-6] rule show`
   * @group Rules
   */
  rules(filter?: U.RuleFilter): Promise<Rule[]> {
    return this.#h.run('rules', () => U.rules(this.#h, filter));
  }

  /**
   * Deletes every rule but those of priority 0 (the `local` lookup), the defaults `main` and
   * `default` included, as `ip rule flush` does, in one batch; resolves with how many.
   * `ip [-4|-6] rule flush [protocol P]`
   * @group Rules
   */
  flushRules(filter?: U.FlushRulesFilter): Promise<number> {
    return this.#h.run('flushRules', () => U.flushRules(this.#h, filter));
  }

  /**
   * Adds a nexthop object, which routes then use by id ({@link RouteSpec.nhid}); resolves with
   * its id (the kernel's pick when none is given). `EEXIST` if the id is taken, `ENETDOWN` if
   * `dev` is down, `ENETUNREACH` for a gateway nothing on `dev` covers, `EINVAL` with the
   * kernel's reason otherwise (a group member that does not exist). A nexthop goes when its
   * device goes down or loses its carrier.
   * `ip nexthop add [id ID] { via GW [dev IFNAME] [onlink] | dev IFNAME | blackhole |
   * group ID[,WEIGHT]/... [type resilient [buckets N] [idle_timer S] [unbalanced_timer S]] } [fdb] [proto P]`
   * @group Nexthops
   */
  addNexthop(spec: NH.NexthopSpec): Promise<number> {
    return this.#h.run('addNexthop', () => NH.addNexthop(this.#h, spec, false));
  }

  /**
   * Adds a nexthop or replaces the one with the same id; routes and groups using it follow.
   * `ip nexthop replace id ID ...`
   * @group Nexthops
   */
  replaceNexthop(spec: NH.NexthopSpec): Promise<number> {
    return this.#h.run('replaceNexthop', () => NH.addNexthop(this.#h, spec, true));
  }

  /**
   * Deletes a nexthop; routes using it go with it, and groups lose it (an emptied group goes
   * too). `ENOENT` if there is none, unless `missingOk`. `ip nexthop del id ID`
   * @group Nexthops
   */
  deleteNexthop(id: number, options?: NH.DeleteNexthopOptions): Promise<void> {
    return this.#h.run('deleteNexthop', () => NH.deleteNexthop(this.#h, id, options));
  }

  /**
   * One nexthop by id; `ENOENT` if there is none. `ip nexthop get id ID`
   * @group Nexthops
   */
  nexthop(id: number): Promise<Nexthop> {
    return this.#h.run('nexthop', () => NH.nexthop(this.#h, id));
  }

  /**
   * The nexthops, of one family or device, or only groups or FDB nexthops, if asked.
   * `ip [-4|-6] nexthop show [dev IFNAME] [groups] [fdb]`
   * @group Nexthops
   */
  nexthops(filter?: NH.NexthopFilter): Promise<Nexthop[]> {
    return this.#h.run('nexthops', () => NH.nexthops(this.#h, filter));
  }

  /**
   * Deletes the nexthops that match the filter (default: all), groups first, in one batch;
   * resolves with how many. Routes using them go with them.
   * `ip [-4|-6] nexthop flush [dev IFNAME] [groups] [fdb]`
   * @group Nexthops
   */
  flushNexthops(filter?: NH.NexthopFilter): Promise<number> {
    return this.#h.run('flushNexthops', () => NH.flushNexthops(this.#h, filter));
  }

  /**
   * Lets traffic from `from` leave with this namespace's own address (source NAT), through
   * `out` only if given: what a namespace behind a host needs to reach the Internet. IPv4 or
   * IPv6, by the prefix. The rule lives in this library's own table, `inet netns_link`: no
   * other table is touched. `EEXIST` if the same rule exists. Calls made together are one
   * nf_tables transaction. Forwarding must be on (`sysctl net.ipv4.ip_forward=1`) for traffic
   * of other namespaces to pass.
   *
   * `iptables -t nat -A POSTROUTING -s FROM [-o OUT] -j MASQUERADE`, or
   * `nft add rule inet netns_link postrouting ip saddr FROM [oifname OUT] masquerade`
   * @group NAT
   */
  masquerade(spec: NAT.MasqueradeSpec): Promise<void> {
    return this.#h.run('masquerade', () => NAT.masquerade(this.#h, spec));
  }

  /**
   * Forwards connections to `port` (on this namespace's own addresses, or on `destination`)
   * to `to`:`toPort` (destination NAT), as Docker's `-p` and CNI's `portmap` do. Applies to
   * connections arriving from outside and, unless `in` is given, to those made inside this
   * namespace itself. `EEXIST` if the same forward exists.
   *
   * `iptables -t nat -A PREROUTING [-i IN] [-d DEST] -p tcp --dport PORT -j DNAT --to-destination TO:TOPORT`
   * (and the same in `OUTPUT`), or `nft add rule inet netns_link prerouting … dnat ip to TO:TOPORT`
   * @group NAT
   */
  forwardPort(spec: NAT.ForwardSpec): Promise<void> {
    return this.#h.run('forwardPort', () => NAT.forwardPort(this.#h, spec));
  }

  /**
   * Deletes the masquerade `spec` made (the same fields); `ENOENT` if there is none, unless
   * `missingOk`. `iptables -t nat -D POSTROUTING -s FROM [-o OUT] -j MASQUERADE`
   * @group NAT
   */
  deleteMasquerade(spec: NAT.MasqueradeSpec, options?: NAT.DeleteNatOptions): Promise<void> {
    return this.#h.run('deleteMasquerade', () => NAT.deleteMasquerade(this.#h, spec, options));
  }

  /**
   * Deletes the port forward `spec` made (the same fields); `ENOENT` if there is none, unless
   * `missingOk`. `iptables -t nat -D PREROUTING … -j DNAT --to-destination TO:TOPORT`
   * @group NAT
   */
  deleteForward(spec: NAT.ForwardSpec, options?: NAT.DeleteNatOptions): Promise<void> {
    return this.#h.run('deleteForward', () => NAT.deleteForward(this.#h, spec, options));
  }

  /**
   * The masquerades and port forwards this library made in this namespace, read from the
   * kernel, each with the fields of the call that made it: `{ type: 'masquerade', from, out? }`,
   * `{ type: 'forward', protocol, port, to, toPort?, in?, destination? }`. Rules somebody added
   * to the table by hand are not listed. `nft list table inet netns_link`
   * @group NAT
   */
  natRules(): Promise<NAT.NatRule[]> {
    return this.#h.run('natRules', () => NAT.natRules(this.#h));
  }

  /**
   * Deletes every NAT rule this library made here, with its table; tables of other tools
   * (iptables-nft, Docker, firewalld, your own) stay as they are. `nft delete table inet netns_link`
   * @group NAT
   */
  flushNat(): Promise<void> {
    return this.#h.run('flushNat', () => NAT.flushNat(this.#h));
  }
  /**
   * Sets the qdisc of a link at `parent` (default its root), replacing whatever qdisc was
   * there, or changing it in place when it is of the same kind and handle: `tbf` (a rate
   * limit), `htb` (classes that share the link, {@link Netns.addClass}), `netem` (delay,
   * jitter, loss, a rate), `ingress` or `clsact`. Rates, sizes and times are numbers (bits per
   * second, bytes, milliseconds) or tc's strings (`'1mbit'`, `'32kb'`, `'10ms'`).
   *
   * ```ts
   * await ns.setQdisc('eth0', { kind: 'tbf', rate: '1mbit', burst: '32kb', latency: '50ms' });
   * ```
   * `tc qdisc replace dev IFNAME [root | parent ID] [handle MAJ:] tbf rate R burst B latency L | limit L [peakrate P mtu M]`,
   * `... htb [default ID] [r2q N] [direct_qlen N]`, `... netem [limit N] [delay D [J [C]]] [loss P [C]] [rate R]`,
   * `tc qdisc replace dev IFNAME ingress | clsact`.
   *
   * A kind this kernel lacks fails with `ENOENT` ("Specified qdisc kind is unknown"), a parent
   * class that does not exist with `ENOENT` too ("Failed to find specified qdisc").
   * @group Traffic control
   */
  setQdisc(ifname: string, spec: TCO.QdiscSpec): Promise<void> {
    return this.#h.run('setQdisc', () => TCO.setQdisc(this.#h, ifname, spec));
  }

  /**
   * Deletes the qdisc at `parent` (default the root; `'ingress'`, `'clsact'`, or the class it
   * is the leaf of), and with it its classes and the qdiscs below; the link goes back to its
   * default qdisc. `ENOENT` if there is none, unless `missingOk` (an ingress or clsact qdisc
   * deleted before is refused with `EINVAL`, "Invalid handle": `missingOk` takes that too, once
   * a look shows none there). `tc qdisc del dev IFNAME root | parent ID | ingress | clsact`
   * @group Traffic control
   */
  deleteQdisc(ifname: string, options?: TCO.DeleteQdiscOptions): Promise<void> {
    return this.#h.run('deleteQdisc', () => TCO.deleteQdisc(this.#h, ifname, options));
  }

  /**
   * The qdiscs of this namespace, of one link if asked, with their settings (tbf, htb, netem)
   * and counters. `tc -s qdisc show [dev IFNAME]`
   * @group Traffic control
   */
  qdiscs(filter?: TCO.QdiscFilter): Promise<Qdisc[]> {
    return this.#h.run('qdiscs', () => TCO.qdiscs(this.#h, filter));
  }

  /**
   * Adds a class to an htb qdisc; `EEXIST` if the link has one with that id.
   * `tc class add dev IFNAME parent P classid ID htb rate R [ceil C] [burst B] [cburst B] [prio N] [quantum Q] [mtu M]`
   * @group Traffic control
   */
  addClass(ifname: string, spec: TCO.ClassSpec): Promise<void> {
    return this.#h.run('addClass', () => TCO.addClass(this.#h, ifname, spec, true));
  }

  /**
   * Adds a class to an htb qdisc, or changes the one with that id (what is left out of the
   * spec goes back to its default). `tc class replace dev IFNAME parent P classid ID htb rate R ...`
   * @group Traffic control
   */
  setClass(ifname: string, spec: TCO.ClassSpec): Promise<void> {
    return this.#h.run('setClass', () => TCO.addClass(this.#h, ifname, spec, false));
  }

  /**
   * Deletes a class; `ENOENT` if there is none, unless `missingOk`, and `EBUSY` while it has
   * classes of its own. `tc class del dev IFNAME classid ID`
   * @group Traffic control
   */
  deleteClass(ifname: string, classid: string | number, options?: TCO.DeleteClassOptions): Promise<void> {
    return this.#h.run('deleteClass', () => TCO.deleteClass(this.#h, ifname, classid, options));
  }

  /**
   * The classes of a link's qdiscs, with htb's settings and counters. `tc -s class show dev IFNAME`
   * @group Traffic control
   */
  classes(ifname: string): Promise<TrafficClass[]> {
    return this.#h.run('classes', () => TCO.classes(this.#h, ifname));
  }


  /**
   * Starts a command inside this namespace and returns Node's `ChildProcess` for it (stdio,
   * events, kill), as `ip netns exec NAME COMMAND ARGS...`. No shell: the arguments reach the
   * command as they are. In a named namespace the command also sees its own `/sys/class/net`
   * and `/etc/netns/NAME/*` over `/etc` (a private mount namespace), as with `ip netns exec`;
   * in an unnamed one only the network namespace changes (`nsenter --net`). No descriptor of
   * this library is inherited.
   *
   * If the namespace cannot be entered (say `setns` is refused), the child emits `'error'` with
   * a {@link NetlinkError} (`code: 'EPERM'`, `syscall: 'setns'`) before `'close'`, as Node's
   * own spawn failures do: listen for it. A command that is not found exits 127, as with `ip`.
   * @group Processes
   */
  spawn(command: string, args?: readonly string[], options?: P.NetnsSpawnOptions): ChildProcess {
    if (this.#h.closed) throw this.#h.closedError('spawn');
    return P.spawnIn(this.#h, command, args, options);
  }

  /**
   * Runs a command inside this namespace to completion: resolves with `{ stdout, stderr }`,
   * rejects with an {@link ExecError} (exit code, signal, stdout, stderr) if it fails, and with
   * a {@link NetlinkError} if it could not be started there (`EMFILE`, a missing `cwd`, the
   * namespace refused). `timeout` sends `killSignal`, then SIGKILL after `killAfter`.
   * `ip netns exec NAME COMMAND ARGS...`
   * @group Processes
   */
  exec(command: string, args?: readonly string[], options?: P.NetnsExecOptions): Promise<P.ExecResult> {
    return this.#h.run('exec', () => P.execIn(this.#h, command, args, options));
  }

  /**
   * Reads a network sysctl of this namespace, e.g. `net.ipv4.ip_forward`, as
   * `ip netns exec NS sysctl KEY` would; the calling thread never moves. Only `net.*` keys; a
   * `/` stands for a dot inside an interface name (`net.ipv4.conf.eth0/100.forwarding`), as in sysctl(8).
   * @group Sysctls
   */
  sysctl(key: string): Promise<string>;
  /**
   * Writes one: `ip netns exec NS sysctl -w KEY=VALUE`. Routers need `net.ipv4.ip_forward` = 1.
   * @group Sysctls
   */
  sysctl(key: string, value: string | number): Promise<void>;
  sysctl(key: string, value?: string | number): Promise<string | void> {
    return this.#h.run('sysctl', () => sysctl(this.#h, key, value));
  }

  /**
   * Watches this namespace change, as `ip monitor` does: resolves, once subscribed, with an
   * async iterable of typed events (`{ kind: 'link', action: 'new', object: Link }`, ...).
   * With `existing: true` it first yields what exists, then `{ kind: 'synced' }`. When the
   * kernel drops events it yields `{ kind: 'overflow' }`, what changed meanwhile, and `synced`
   * again: applied to a map, the events always end as the kernel's state.
   *
   * ```ts
   * for await (const e of await ns.watch({ kinds: ['link'] })) console.log(e.action, e.object);
   * ```
   * `ip monitor [link] [address] [route] [neigh] [rule]`
   * @group Watching
   */
  watch(options?: W.WatchOptions): Promise<W.Watcher> {
    return this.#h.run('watch', () => W.watch(this.#h, options));
  }

  /**
   * Resolves with the link named `ifname` once `predicate` holds for it (default: operstate
   * `UP`), whether it already does or does so later; rejects with `ETIMEDOUT` after `timeout`
   * ms. Race-free: it subscribes, then reads the current state, then waits.
   * `ip monitor link` until the link is up
   * @group Watching
   */
  waitForLink(ifname: string, predicate?: (link: Link) => boolean, options?: W.WaitOptions): Promise<Link> {
    return this.#h.run('waitForLink', () => W.waitForLink(this.#h, ifname, predicate, options));
  }

  /**
   * Resolves with the address once `ifname` has `cidr` and it is no longer tentative (IPv6
   * duplicate address detection finished); `EADDRINUSE` if detection failed, `ETIMEDOUT` after
   * `timeout` ms. `ip monitor address` until `tentative` clears
   * @group Watching
   */
  waitForAddress(ifname: string, cidr: string, options?: W.WaitOptions): Promise<Address> {
    return this.#h.run('waitForAddress', () => W.waitForAddress(this.#h, ifname, cidr, options));
  }
}
