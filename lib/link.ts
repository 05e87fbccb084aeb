/**
 * Links: the typed {@link Link} read back from the kernel, and the requests that make,
 * change, move and delete them.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readString, readU16, readU32, readU64, type RawMessage } from './attr.js';
import { C, IFINFOMSG_LEN } from './constants.js';
import type { Connection } from './connection.js';
import { contextError, type Ctx } from './errors.js';
import type { Netns } from './netns.js';
import { isNativeError, native } from './native.js';
import type { BondInfo, BondOptions } from './kinds/bond.js';
import { KINDS } from './kinds/index.js';
import type { IpvlanInfo, IpvlanOptions } from './kinds/ipvlan.js';
import type { MacvlanInfo, MacvlanOptions } from './kinds/macvlan.js';
import type { TunInfo } from './kinds/tun.js';
import type { VlanInfo, VlanOptions } from './kinds/vlan.js';
import type { VxlanInfo, VxlanOptions } from './kinds/vxlan.js';
import {
  checkBoolean,
  checkIfname,
  checkInt,
  checkMac,
  checkMtu,
  checkKindName,
  checkOptions,
  formatMac,
  showValue,
} from './validate.js';

/** A link's operational state (RFC 2863), as `ip link` prints it after `state`. */
export type OperState = 'UNKNOWN' | 'NOTPRESENT' | 'DOWN' | 'LOWERLAYERDOWN' | 'TESTING' | 'DORMANT' | 'UP';

const { EEXIST, EINVAL, ELOOP, ENODEV, ENOENT, EOPNOTSUPP } = constants.errno;

const OPERSTATES: readonly OperState[] = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

const FLAG_NAMES: readonly [number, string][] = [
  [C.IFF_UP, 'UP'],
  [C.IFF_BROADCAST, 'BROADCAST'],
  [C.IFF_DEBUG, 'DEBUG'],
  [C.IFF_LOOPBACK, 'LOOPBACK'],
  [C.IFF_POINTOPOINT, 'POINTOPOINT'],
  [C.IFF_NOTRAILERS, 'NOTRAILERS'],
  [C.IFF_NOARP, 'NOARP'],
  [C.IFF_PROMISC, 'PROMISC'],
  [C.IFF_ALLMULTI, 'ALLMULTI'],
  [C.IFF_MASTER, 'MASTER'],
  [C.IFF_SLAVE, 'SLAVE'],
  [C.IFF_MULTICAST, 'MULTICAST'],
  [C.IFF_PORTSEL, 'PORTSEL'],
  [C.IFF_AUTOMEDIA, 'AUTOMEDIA'],
  [C.IFF_DYNAMIC, 'DYNAMIC'],
  [C.IFF_LOWER_UP, 'LOWER_UP'],
  [C.IFF_DORMANT, 'DORMANT'],
  [C.IFF_ECHO, 'ECHO'],
];

/** A kind without settings of its own (`dummy`, `bridge`, `veth`). */
export interface PlainInfo {
  kind: 'dummy' | 'bridge' | 'veth';
}

/** A kind this library does not decode: its IFLA_INFO_DATA kept as bytes. */
export interface RawInfo {
  kind: string;
  data: Buffer | null;
}

/**
 * A link's kind and its kind's own settings (`ip -d link` prints them after the kind):
 * the macvlan mode, the vlan id, the vxlan id and port, ...
 */
export type LinkInfo = MacvlanInfo | VlanInfo | VxlanInfo | IpvlanInfo | BondInfo | TunInfo | PlainInfo | RawInfo;

/** A link's counters (`ip -s link`), from the kernel's 64-bit statistics. */
export interface LinkStats {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
  multicast: number;
  collisions: number;
}

/**
 * A network interface as the kernel reports it: what `ip -d -s link show` prints, typed.
 * Returned by {@link Netns.links} and {@link Netns.link}; a snapshot, not a live view.
 */
export class Link {
  /** The interface index (`ifindex`), unique within its namespace. */
  index = 0;
  /** The interface name, e.g. `veth0`. */
  name = '';
  /** The link kind (`veth`, `bridge`, …), or null for devices without one (`lo`, physical NICs). */
  kind: string | null = null;
  /** The kind of the master this link is a port of (`bridge`), or null. */
  slaveKind: string | null = null;
  /** The hardware type (`ARPHRD_*`): 1 for Ethernet, 772 for loopback. */
  type = 0;
  /** The raw `IFF_*` flags. */
  flags = 0;
  /** Administratively up (`IFF_UP`): what {@link Netns.setUp} sets. */
  up = false;
  /** The lower layer has a signal (`IFF_LOWER_UP`); unlike `operstate`, set at once. */
  lowerUp = false;
  /** The operational state, as `ip link` prints after `state`. */
  operstate: OperState = 'UNKNOWN';
  /** Whether the link has carrier; null when the kernel did not say. */
  carrier: boolean | null = null;
  /** The MTU in bytes. */
  mtu = 0;
  /** The smallest and largest MTU the device accepts, when it says. */
  minMtu: number | null = null;
  /** @see {@link Link.minMtu} */
  maxMtu: number | null = null;
  /** The link-layer address (`aa:bb:cc:dd:ee:ff` for Ethernet), or null. */
  address: string | null = null;
  /** The link-layer broadcast address, or null. */
  broadcast: string | null = null;
  /** The permanent (burnt-in) address, when the device has one. */
  permanentAddress: string | null = null;
  /** The index of this link's master (the bridge it is a port of), or null. */
  master: number | null = null;
  /**
   * The index of the link this one is bound to (`ip link` prints `@ifN`): for a veth, its
   * peer's index, counted in the peer's namespace, which {@link Link.linkNetnsId} names.
   */
  linkIndex: number | null = null;
  /**
   * When {@link Link.linkIndex} lies in another namespace: that namespace's id as seen
   * from this one (`link-netnsid` in `ip link`), else null.
   */
  linkNetnsId: number | null = null;
  /** The transmit queue length. */
  txqlen: number | null = null;
  /** Counters, or null if the kernel sent none. */
  stats: LinkStats | null = null;
  /** The kind with its own settings (macvlan mode, vlan id, vxlan id and port, ...), or null for devices without a kind. */
  info: LinkInfo | null = null;

  readonly #raw: Buffer;

  /** @internal */
  constructor(raw: Buffer) {
    this.#raw = raw;
  }

  /**
   * Flag names, as `ip link` prints them between `<` and `>`: `['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']`.
   * Like `ip`, this leaves out `RUNNING` ({@link Link.operstate} says it better) and says
   * `NO-CARRIER` first for a link that is up without it; {@link Link.flags} has every bit.
   */
  get flagNames(): string[] {
    const names = FLAG_NAMES.filter(([bit]) => this.flags & bit).map(([, name]) => name);
    if (this.flags & C.IFF_UP && !(this.flags & C.IFF_RUNNING)) names.unshift('NO-CARRIER');
    return names;
  }

  /**
   * The payload of any top-level `IFLA_*` attribute of the message this link was read from,
   * including those this class does not decode; undefined if absent.
   */
  attribute(type: number): Buffer | undefined {
    let found: Buffer | undefined;
    eachAttr(this.#raw, IFINFOMSG_LEN, this.#raw.length, (t, s, e) => {
      if (found === undefined && t === type) found = this.#raw.subarray(s, e);
    });
    return found;
  }

  /** @internal */
  [inspect.custom](): string {
    const at = this.linkIndex === null ? '' : `@if${this.linkIndex}`;
    const parts = [`${this.index}: ${this.name}${at}`];
    if (this.kind) parts.push(this.kind);
    parts.push(`<${this.flagNames.join(',')}>`, `mtu ${this.mtu}`, `state ${this.operstate}`);
    if (this.master !== null) parts.push(`master ${this.master}`);
    if (this.address) parts.push(this.address);
    if (this.linkNetnsId !== null) parts.push(`link-netnsid ${this.linkNetnsId}`);
    return `Link <${parts.join(' ')}>`;
  }
}

function readStats(buf: Buffer, s: number, e: number): LinkStats | null {
  // struct rtnl_link_stats64 grows over time; the ten leading counters are what is read.
  if (e - s < 80) return null;
  return {
    rxPackets: readU64(buf, s),
    txPackets: readU64(buf, s + 8),
    rxBytes: readU64(buf, s + 16),
    txBytes: readU64(buf, s + 24),
    rxErrors: readU64(buf, s + 32),
    txErrors: readU64(buf, s + 40),
    rxDropped: readU64(buf, s + 48),
    txDropped: readU64(buf, s + 56),
    multicast: readU64(buf, s + 64),
    collisions: readU64(buf, s + 72),
  };
}

function decodeInfo(kind: string, buf: Buffer, data: [number, number] | null): LinkInfo {
  const codec = KINDS.get(kind);
  if (!codec) return { kind, data: data ? Buffer.from(buf.subarray(data[0], data[1])) : null };
  return codec.decode(buf, data?.[0] ?? 0, data?.[1] ?? 0) as LinkInfo;
}

/** Reads an RTM_NEWLINK message into a {@link Link}; other messages give undefined. @internal */
export function parseLink(m: RawMessage): Link | undefined {
  if (m.type !== C.RTM_NEWLINK || m.end - m.start < IFINFOMSG_LEN) return undefined;
  const buf = m.buf;
  const link = new Link(buf.subarray(m.start, m.end));
  link.type = readU16(buf, m.start + 2);
  link.index = readI32(buf, m.start + 4);
  link.flags = readU32(buf, m.start + 8);
  link.up = (link.flags & C.IFF_UP) !== 0;
  link.lowerUp = (link.flags & C.IFF_LOWER_UP) !== 0;
  // The attribute walk is written out here, not through eachAttr: a link carries some fifty
  // attributes, and a dump thousands of links.
  for (let at = m.start + IFINFOMSG_LEN; at + 4 <= m.end; ) {
    const alen = readU16(buf, at);
    if (alen < 4 || at + alen > m.end) break;
    const type = readU16(buf, at + 2) & 0x3fff;
    const s = at + 4;
    const e = at + alen;
    at += (alen + 3) & ~3;
    const len = e - s;
    switch (type) {
      case C.IFLA_IFNAME:
        link.name = readString(buf, s, e);
        break;
      case C.IFLA_MTU:
        if (len >= 4) link.mtu = readU32(buf, s);
        break;
      case C.IFLA_MIN_MTU:
        if (len >= 4) link.minMtu = readU32(buf, s);
        break;
      case C.IFLA_MAX_MTU:
        if (len >= 4) link.maxMtu = readU32(buf, s);
        break;
      case C.IFLA_ADDRESS:
        if (len > 0) link.address = formatMac(buf, s, e);
        break;
      case C.IFLA_BROADCAST:
        if (len > 0) link.broadcast = formatMac(buf, s, e);
        break;
      case C.IFLA_PERM_ADDRESS:
        if (len > 0) link.permanentAddress = formatMac(buf, s, e);
        break;
      case C.IFLA_OPERSTATE:
        if (len >= 1) link.operstate = OPERSTATES[buf[s]!] ?? 'UNKNOWN';
        break;
      case C.IFLA_CARRIER:
        if (len >= 1) link.carrier = buf[s] !== 0;
        break;
      case C.IFLA_MASTER:
        if (len >= 4) link.master = readU32(buf, s);
        break;
      case C.IFLA_LINK:
        // The kernel sends it only when it names another link (a veth peer in another
        // namespace may have this link's own index number).
        if (len >= 4) link.linkIndex = readU32(buf, s);
        break;
      case C.IFLA_LINK_NETNSID:
        if (len >= 4) link.linkNetnsId = readI32(buf, s);
        break;
      case C.IFLA_TXQLEN:
        if (len >= 4) link.txqlen = readU32(buf, s);
        break;
      case C.IFLA_STATS64:
        link.stats = readStats(buf, s, e);
        break;
      case C.IFLA_LINKINFO: {
        let data: [number, number] | null = null;
        eachAttr(buf, s, e, (t, is, ie) => {
          if (t === C.IFLA_INFO_KIND) link.kind = readString(buf, is, ie);
          else if (t === C.IFLA_INFO_SLAVE_KIND) link.slaveKind = readString(buf, is, ie);
          else if (t === C.IFLA_INFO_DATA) data = [is, ie];
        });
        if (link.kind !== null) link.info = decodeInfo(link.kind, buf, data);
        break;
      }
      default:
        break; // kept: Link.attribute() reads any attribute
    }
  }
  return link;
}

// ---------------------------------------------------------------------------------------------
// Requests

/** Options of {@link Netns.createVeth}: `ip link add NAME [mtu M] [address A] [master BR] [up] type veth peer name PEER [address B] [netns NS]`. */
export interface VethOptions {
  /** The other end's name. */
  peer: string;
  /** Where the other end is created (it never passes through this namespace); default: here. */
  peerNetns?: Netns;
  /** MTU of both ends. */
  mtu?: number;
  /** MAC of this end; the kernel picks a random one otherwise. */
  address?: string;
  /** MAC of the other end. */
  peerAddress?: string;
  /** A bridge in this namespace (name or index) to make this end a port of. */
  master?: string | number;
  /**
   * Bring this end up at once. (The peer comes up with {@link Netns.setUp} in its own
   * namespace: the kernel configures the peer before the two ends are joined, and refuses
   * `up` there with ENOTCONN.)
   */
  up?: boolean;
}

/** Options of {@link Netns.createBridge}: `ip link add NAME [mtu M] [address A] [up] type bridge`. */
export interface BridgeOptions {
  mtu?: number;
  /** The bridge's MAC; by default the kernel picks one (and then follows its ports' lowest). */
  address?: string;
  /** Bring it up at once. */
  up?: boolean;
}

/** Options of {@link Netns.moveToNetns}: `ip link set dev IFNAME netns NS [name NEW]`. */
export interface MoveOptions {
  /** A new name for the link in the target namespace. */
  name?: string;
}

/** Changes {@link Netns.setLink} makes; what is left out stays as it is. `ip link set dev IFNAME [name N] [mtu M] [address A] [master BR | nomaster] [up | down]` */
export interface LinkChanges {
  /** Rename. */
  name?: string;
  mtu?: number;
  /** Change the MAC. */
  address?: string;
  /** Make it a port of this bridge (name or index), or `null` to detach it from its master. */
  master?: string | number | null;
  /** Up (`true`) or down (`false`). */
  up?: boolean;
}

/** What link operations need of a namespace. @internal */
export interface LinkHost {
  readonly label: string;
  connection(): Connection | Promise<Connection>;
}

function ifinfomsg(w: MessageWriter, index = 0, flags = 0, change = 0): void {
  w.u8(C.AF_UNSPEC).u8(0).u16(0).i32(index).u32(flags).u32(change);
}

function upFlags(up: boolean | undefined): [number, number] {
  if (up === undefined) return [0, 0];
  return [up ? C.IFF_UP : 0, C.IFF_UP];
}

/**
 * An operation's error context, built only if it fails: the object, a subject naming the link
 * and its namespace, and sentences for the errnos this operation can meet.
 */
function ctxFor(host: LinkHost, op: string, ifname: string, extra: Record<string, unknown> = {}, more = '', hints?: () => Record<number, string>): Ctx {
  return () => ({
    op,
    object: { ifname, netns: host.label, ...extra },
    subject: `${ifname} in netns ${host.label}${more}`,
    hints: {
      [ENODEV]: `no interface named ${ifname} in netns ${host.label}`,
      [EEXIST]: `an interface with that name already exists`,
      ...hints?.(),
    },
  });
}

/** The same context with more hints. */
function withHints(ctx: Ctx, hints: () => Record<number, string>): Ctx {
  return () => {
    const c = typeof ctx === 'function' ? ctx() : ctx;
    return { ...c, hints: { ...c.hints, ...hints() } };
  };
}

function checkMaster(v: unknown): string | number {
  if (typeof v === 'number') return checkInt(v, 1, 0x7fffffff, 'master index');
  return checkIfname(v, 'master');
}

/**
 * The index of the link named `ifname` in the host's namespace. Fast path: SIOCGIFINDEX on the
 * namespace's own netlink socket (see native/socket.cc), no netlink round trip. A name that does
 * not exist yet is asked again with an RTM_GETLINK queued behind the requests already made, so a
 * link created by a request sent in the same batch (`Promise.all([createBridge('br0'),
 * createVeth('v0', { master: 'br0' })])`) is found, as the kernel's order says.
 * @internal
 */
export async function resolveIndex(host: LinkHost, ifname: string, ctx: Ctx): Promise<number> {
  const conn = await host.connection();
  const index = native.ifindex(conn.fd, ifname);
  if (index > 0) return index;
  const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, ifname);
  w.putU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
  const [found] = await conn.request(w.finish(), withHints(ctx, () => ({ [ENODEV]: `no interface named ${ifname} in netns ${host.label}` })), (m) =>
    m.type === C.RTM_NEWLINK && m.end - m.start >= IFINFOMSG_LEN ? readI32(m.buf, m.start + 4) : undefined,
  );
  if (found === undefined) throw new TypeError(`the kernel answered no link for ${ifname}`);
  return found;
}

async function masterIndex(host: LinkHost, master: string | number, ctx: Ctx): Promise<number> {
  return typeof master === 'number' ? master : resolveIndex(host, master, ctx);
}

/** Where a namespace's descriptor is lent to a request (IFLA_NET_NS_FD). @internal */
export interface FdLender {
  readonly label: string;
  /** The descriptor, held open until `release` is called. */
  borrowFd(): number;
  returnFd(): void;
}

/** `ip link add NAME [mtu M] [address A] [master BR] [up] type veth peer name PEER [netns NS]`. @internal */
export async function createVeth(host: LinkHost, name: string, options: VethOptions, peerNs: FdLender | null): Promise<void> {
  const o = checkOptions(options, 'createVeth options', ['peer', 'peerNetns', 'mtu', 'address', 'peerAddress', 'master', 'up']);
  checkIfname(name);
  const peer = checkIfname(o.peer, 'peer');
  const mtu = o.mtu === undefined ? undefined : checkMtu(o.mtu);
  const address = o.address === undefined ? undefined : checkMac(o.address, 'address');
  const peerAddress = o.peerAddress === undefined ? undefined : checkMac(o.peerAddress, 'peerAddress');
  const master = o.master === undefined ? undefined : checkMaster(o.master);
  const up = o.up === undefined ? undefined : checkBoolean(o.up, 'up');
  const peerWhere = peerNs ? ` in netns ${peerNs.label}` : '';
  const ctx = ctxFor(host, 'createVeth', name, { peer, ...(peerNs ? { peerNetns: peerNs.label } : {}) }, ` (peer ${peer}${peerWhere})`, () => ({
    [EEXIST]: `an interface named ${name} exists in netns ${host.label}, or one named ${peer}${peerWhere || ` in netns ${host.label}`}`,
    ...(mtu === undefined ? {} : { [EINVAL]: `is mtu ${mtu} within what a veth takes (68..65535)?` }),
  }));

  const conn = await host.connection();
  const masterIdx = master === undefined ? undefined : await masterIndex(host, master, ctx);
  const [flags, change] = upFlags(up);
  const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL);
  ifinfomsg(w, 0, flags, change);
  w.putStrz(C.IFLA_IFNAME, name);
  if (mtu !== undefined) w.putU32(C.IFLA_MTU, mtu);
  if (address) w.putBytes(C.IFLA_ADDRESS, address);
  if (masterIdx !== undefined) w.putU32(C.IFLA_MASTER, masterIdx);
  const info = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, 'veth');
  const data = w.nestStart(C.IFLA_INFO_DATA);
  const peerNest = w.nestStart(C.VETH_INFO_PEER);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, peer);
  if (mtu !== undefined) w.putU32(C.IFLA_MTU, mtu);
  if (peerAddress) w.putBytes(C.IFLA_ADDRESS, peerAddress);
  const fd = peerNs ? peerNs.borrowFd() : -1;
  try {
    if (peerNs) w.putU32(C.IFLA_NET_NS_FD, fd);
    w.nestEnd(peerNest).nestEnd(data).nestEnd(info);
    await conn.request(w.finish(), ctx);
  } finally {
    if (peerNs) peerNs.returnFd();
  }
}

/** `ip link add NAME [mtu M] [address A] [up] type bridge`. @internal */
export async function createBridge(host: LinkHost, name: string, options: BridgeOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'createBridge options', ['mtu', 'address', 'up']);
  checkIfname(name);
  const mtu = o.mtu === undefined ? undefined : checkMtu(o.mtu);
  const address = o.address === undefined ? undefined : checkMac(o.address, 'address');
  const up = o.up === undefined ? undefined : checkBoolean(o.up, 'up');
  const ctx = ctxFor(host, 'createBridge', name, {}, '', () => ({
    [EEXIST]: `an interface named ${name} already exists in netns ${host.label}`,
    ...(mtu === undefined ? {} : { [EINVAL]: `is mtu ${mtu} within what a bridge takes (68..65535)?` }),
  }));
  const conn = await host.connection();
  const [flags, change] = upFlags(up);
  const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL);
  ifinfomsg(w, 0, flags, change);
  w.putStrz(C.IFLA_IFNAME, name);
  if (mtu !== undefined) w.putU32(C.IFLA_MTU, mtu);
  if (address) w.putBytes(C.IFLA_ADDRESS, address);
  const info = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, 'bridge');
  w.nestEnd(info);
  await conn.request(w.finish(), ctx);
}

/** `ip link set dev IFNAME netns NS [name NEW]`. @internal */
export async function moveToNetns(host: LinkHost, ifname: string, target: FdLender, options: MoveOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'moveToNetns options', ['name']);
  checkIfname(ifname);
  const rename = o.name === undefined ? undefined : checkIfname(o.name, 'name');
  const as = rename === undefined ? '' : ` as ${rename}`;
  const ctx = ctxFor(host, 'moveToNetns', ifname, { target: target.label, ...(rename ? { name: rename } : {}) }, ` to netns ${target.label}${as}`, () => ({
    [EEXIST]: `netns ${target.label} already has an interface named ${rename ?? ifname}`,
    [EINVAL]: `${ifname} cannot change namespace (bridges and loopback are local to theirs)`,
  }));

  const conn = await host.connection();
  if (rename === undefined || rename === ifname) {
    await conn.request(setlinkMessage(0, ifname, (w) => w.putU32(C.IFLA_NET_NS_FD, target.borrowFd())), ctx).finally(() => target.returnFd());
    return;
  }
  // The kernel moves first and renames second, so a name taken in the target would leave the
  // link moved but not renamed. Rename here first (refused here, unchanged, if taken), then
  // move keeping the name (refused, unmoved, if taken there), and on refusal rename back.
  const index = await resolveIndex(host, ifname, ctx);
  await conn.request(setlinkMessage(index, rename), ctx);
  try {
    await conn.request(setlinkMessage(index, rename, (w) => w.putU32(C.IFLA_NET_NS_FD, target.borrowFd())), ctx).finally(() => target.returnFd());
  } catch (e) {
    await conn.request(setlinkMessage(index, ifname), ctx).catch(() => undefined);
    throw e;
  }
}

function setlinkMessage(index: number, ifname: string, more?: (w: MessageWriter) => void): Buffer {
  const w = new MessageWriter(C.RTM_SETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifinfomsg(w, index);
  w.putStrz(C.IFLA_IFNAME, ifname);
  more?.(w);
  return w.finish();
}

/** `ip link set dev IFNAME [name N] [mtu M] [address A] [master BR | nomaster] [up | down]`. @internal */
export async function setLink(host: LinkHost, ifname: string, changes: LinkChanges, op = 'setLink'): Promise<void> {
  const o = checkOptions(changes, `${op} changes`, ['name', 'mtu', 'address', 'master', 'up']);
  checkIfname(ifname);
  const rename = o.name === undefined ? undefined : checkIfname(o.name, 'name');
  const mtu = o.mtu === undefined ? undefined : checkMtu(o.mtu);
  const address = o.address === undefined ? undefined : checkMac(o.address, 'address');
  const master = o.master === undefined || o.master === null ? o.master : checkMaster(o.master);
  const up = o.up === undefined ? undefined : checkBoolean(o.up, 'up');
  const extra: Record<string, unknown> = {};
  if (rename !== undefined) extra.name = rename;
  if (master !== undefined) extra.master = master;
  const ctx = ctxFor(host, op, ifname, extra, '', () => ({
    ...(master !== undefined && master !== null ? { [ELOOP]: `${ifname} cannot be a port of ${master}: a bridge cannot join itself or another bridge` } : {}),
    ...(rename !== undefined ? { [EEXIST]: `an interface named ${rename} already exists in netns ${host.label}` } : {}),
  }));
  const conn = await host.connection();
  const [index, masterIdx] = await Promise.all([
    rename === undefined ? 0 : resolveIndex(host, ifname, ctx),
    master === undefined ? undefined : master === null ? 0 : masterIndex(host, master, ctx),
  ]);
  const [flags, change] = upFlags(up);
  const w = new MessageWriter(C.RTM_SETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 96);
  ifinfomsg(w, index, flags, change);
  w.putStrz(C.IFLA_IFNAME, rename ?? ifname);
  if (mtu !== undefined) w.putU32(C.IFLA_MTU, mtu);
  if (address) w.putBytes(C.IFLA_ADDRESS, address);
  if (masterIdx !== undefined) w.putU32(C.IFLA_MASTER, masterIdx);
  await conn.request(w.finish(), ctx);
}

/** `ip link del dev IFNAME`. @internal */
export async function deleteLink(host: LinkHost, ifname: string): Promise<void> {
  checkIfname(ifname);
  const conn = await host.connection();
  const w = new MessageWriter(C.RTM_DELLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, ifname);
  await conn.request(w.finish(), ctxFor(host, 'deleteLink', ifname));
}

/** `ip link show`: every link. @internal */
export async function links(host: LinkHost): Promise<Link[]> {
  const conn = await host.connection();
  const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  ifinfomsg(w);
  return conn.dump(w.finish(), { op: 'links', object: { netns: host.label }, subject: `in netns ${host.label}` }, parseLink);
}

/**
 * Names links by index for results that carry only an index (addresses, routes, neighbours):
 * SIOCGIFNAME on the namespace's socket, once per distinct index, not a whole link dump.
 * @internal
 */
export async function linkNamer(host: LinkHost): Promise<(index: number) => string | null> {
  const conn = await host.connection();
  const names = new Map<number, string | null>();
  return (index) => {
    let name = names.get(index);
    if (name === undefined) {
      const r = native.ifname(conn.fd, index);
      name = typeof r === 'string' ? r : null;
      names.set(index, name);
    }
    return name;
  };
}

/** `ip link show dev IFNAME`. @internal */
export async function link(host: LinkHost, ifname: string): Promise<Link> {
  checkIfname(ifname);
  const conn = await host.connection();
  const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, ifname);
  const [found] = await conn.request(w.finish(), ctxFor(host, 'link', ifname), parseLink);
  if (found === undefined) throw new TypeError(`the kernel answered no link for ${ifname}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Links of any kind

/** What every {@link Netns.createLink} takes, whatever the kind. */
export interface LinkSpecBase {
  /** The new link's name. */
  name: string;
  /** The lower device (`link PARENT`), by name or index in this namespace: for macvlan, vlan, ipvlan. */
  parent?: string | number;
  /** Create the link directly inside this namespace (its parent stays here): `ip link add ... netns NS`. */
  netns?: Netns;
  mtu?: number;
  address?: string;
  /** A bridge or bond (in the namespace the link ends up in) to make it a port of. */
  master?: string | number;
  /** Bring it up at once. */
  up?: boolean;
  /** Transmit queue length. */
  txqlen?: number;
}

/**
 * A link to create: `ip link add [link PARENT] NAME [netns NS] [mtu M] [address A] type KIND [KIND OPTIONS]`.
 * The kind's own options sit beside the common ones; a kind this library does not know takes
 * its IFLA_INFO_DATA attributes as bytes in `data`.
 */
export type LinkSpec =
  | (LinkSpecBase & { kind: 'macvlan' | 'macvtap' } & MacvlanOptions)
  | (LinkSpecBase & { kind: 'vlan' } & VlanOptions)
  | (LinkSpecBase & { kind: 'vxlan' } & VxlanOptions)
  | (LinkSpecBase & { kind: 'ipvlan' } & IpvlanOptions)
  | (LinkSpecBase & { kind: 'bond' } & BondOptions)
  | (LinkSpecBase & { kind: 'dummy' | 'bridge' })
  | (LinkSpecBase & { kind: string; data?: Uint8Array });

/** Kind-specific changes for {@link Netns.setLinkType}: `ip link set IFNAME type KIND OPTIONS`. */
export type LinkTypeChanges =
  | ({ kind: 'macvlan' | 'macvtap' } & MacvlanOptions)
  | ({ kind: 'vlan' } & Partial<VlanOptions>)
  | ({ kind: 'vxlan' } & Partial<VxlanOptions>)
  | ({ kind: 'ipvlan' } & Partial<IpvlanOptions>)
  | ({ kind: 'bond' } & BondOptions);

const BASE_KEYS = ['kind', 'name', 'parent', 'netns', 'mtu', 'address', 'master', 'up', 'txqlen'] as const;

function kindHints(kind: string, label: string): Record<number, string> {
  return { [EOPNOTSUPP]: `this kernel has no ${kind} link type`, [ENODEV]: `no such parent or device in netns ${label}` };
}

/** `ip link add ... type KIND ...` @internal */
export async function createLink(host: LinkHost, spec: LinkSpec, target: (LinkHost & FdLender) | null, op = 'createLink'): Promise<void> {
  const raw = checkOptions(spec as unknown as Record<string, unknown>, `${op} spec`, [...BASE_KEYS, ...(KINDS.get(String((spec as { kind?: unknown })?.kind))?.keys ?? ['data'])]);
  const kind = checkKindName(raw.kind);
  const name = checkIfname(raw.name);
  const codec = KINDS.get(kind);
  if (kind === 'tun') throw new TypeError('tun/tap devices are made with createTun/createTap (the kernel makes them through /dev/net/tun)');
  const own = codec ? codec.check(raw, false) : {};
  const data = codec ? null : raw.data === undefined ? null : raw.data;
  if (data !== null && !(data instanceof Uint8Array)) throw new TypeError(`data must be bytes (IFLA_INFO_DATA attributes), got ${showValue(data)}`);
  const parent = raw.parent === undefined ? undefined : checkMaster(raw.parent);
  if (codec?.needsParent && parent === undefined) throw new TypeError(`a ${kind} needs a parent link`);
  const mtu = raw.mtu === undefined ? undefined : checkMtu(raw.mtu);
  const address = raw.address === undefined ? undefined : checkMac(raw.address, 'address');
  const master = raw.master === undefined ? undefined : checkMaster(raw.master);
  const up = raw.up === undefined ? undefined : checkBoolean(raw.up, 'up');
  const txqlen = raw.txqlen === undefined ? undefined : checkInt(raw.txqlen, 0, 0xffffffff, 'txqlen');
  const where = target ? ` in netns ${target.label}` : '';
  const ctx = ctxFor(host, op, name, { kind, ...(target ? { target: target.label } : {}) }, where ? ` (to be created${where})` : '', () => ({
    ...kindHints(kind, host.label),
    [EEXIST]: `an interface named ${name} already exists${where || ` in netns ${host.label}`}`,
  }));

  const conn = await host.connection();
  const devs = codec?.devs?.(own) ?? [];
  const indexes = new Map<string, number>();
  const [parentIdx, masterIdx] = await Promise.all([
    parent === undefined ? undefined : masterIndex(host, parent, ctx),
    master === undefined ? undefined : masterIndex(target ?? host, master, ctx),
    ...devs.map(async (d) => indexes.set(d, await resolveIndex(host, d, ctx))),
  ]);
  const [flags, change] = upFlags(up);
  const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, 128);
  ifinfomsg(w, 0, flags, change);
  w.putStrz(C.IFLA_IFNAME, name);
  if (parentIdx !== undefined) w.putU32(C.IFLA_LINK, parentIdx);
  if (mtu !== undefined) w.putU32(C.IFLA_MTU, mtu);
  if (address) w.putBytes(C.IFLA_ADDRESS, address);
  if (txqlen !== undefined) w.putU32(C.IFLA_TXQLEN, txqlen);
  if (masterIdx !== undefined) w.putU32(C.IFLA_MASTER, masterIdx);
  const info = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, kind);
  if (codec) {
    const d = w.nestStart(C.IFLA_INFO_DATA);
    codec.encode(w, own, (n) => indexes.get(n)!);
    w.nestEnd(d);
  } else if (data) {
    w.putBytes(C.IFLA_INFO_DATA, data);
  }
  w.nestEnd(info);
  if (!target) {
    await conn.request(w.finish(), ctx);
    return;
  }
  const fd = target.borrowFd();
  try {
    w.putU32(C.IFLA_NET_NS_FD, fd);
    await conn.request(w.finish(), ctx);
  } finally {
    target.returnFd();
  }
}

/** `ip link set IFNAME type KIND OPTIONS`. @internal */
export async function setLinkType(host: LinkHost, ifname: string, changes: LinkTypeChanges): Promise<void> {
  checkIfname(ifname);
  const kind = checkKindName((changes as { kind?: unknown })?.kind);
  const codec = KINDS.get(kind);
  if (!codec || codec.keys.length === 0) throw new TypeError(`setLinkType knows no settings of kind ${showValue(kind)}`);
  const raw = checkOptions(changes as unknown as Record<string, unknown>, 'setLinkType changes', ['kind', ...codec.keys]);
  const own = codec.check(raw, true);
  const ctx = ctxFor(host, 'setLinkType', ifname, { kind }, '', () => ({
    ...kindHints(kind, host.label),
    [EINVAL]: `${ifname} is not a ${kind}, or the kernel refuses this change`,
  }));
  const conn = await host.connection();
  const indexes = new Map<string, number>();
  await Promise.all((codec.devs?.(own) ?? []).map(async (d) => indexes.set(d, await resolveIndex(host, d, ctx))));
  const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 96);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, ifname);
  const info = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, kind);
  const d = w.nestStart(C.IFLA_INFO_DATA);
  codec.encode(w, own, (n) => indexes.get(n)!);
  w.nestEnd(d).nestEnd(info);
  await conn.request(w.finish(), ctx);
}

/** Options of {@link Netns.createTap} and {@link Netns.createTun}: `ip tuntap add NAME mode tap|tun [user U] [group G] [multi_queue] [pi] [vnet_hdr]`. */
export interface TuntapOptions {
  /** The uid allowed to attach to it. */
  owner?: number;
  /** The gid allowed to attach to it. */
  group?: number;
  /** Several queues (`multi_queue`). */
  multiQueue?: boolean;
  /** Prepend packet information (`pi`); off by default, as `ip tuntap`. */
  pi?: boolean;
  /** A virtio-net header on each packet (`vnet_hdr`). */
  vnetHdr?: boolean;
  /** Create it inside this namespace instead. */
  netns?: Netns;
}

/** `ip tuntap add NAME mode tun|tap ...`, made persistent. @internal */
export async function createTuntap(host: LinkHost & FdLender, mode: 'tun' | 'tap', name: string, options: TuntapOptions | undefined, target: (LinkHost & FdLender) | null): Promise<void> {
  const o = checkOptions(options, `create${mode === 'tap' ? 'Tap' : 'Tun'} options`, ['owner', 'group', 'multiQueue', 'pi', 'vnetHdr', 'netns']);
  checkIfname(name);
  const owner = o.owner === undefined ? -1 : checkInt(o.owner, 0, 0xfffffffe, 'owner');
  const group = o.group === undefined ? -1 : checkInt(o.group, 0, 0xfffffffe, 'group');
  let flags = mode === 'tap' ? C.IFF_TAP : C.IFF_TUN;
  if (!(o.pi === undefined ? false : checkBoolean(o.pi, 'pi'))) flags |= C.IFF_NO_PI;
  if (o.multiQueue !== undefined && checkBoolean(o.multiQueue, 'multiQueue')) flags |= C.IFF_MULTI_QUEUE;
  if (o.vnetHdr !== undefined && checkBoolean(o.vnetHdr, 'vnetHdr')) flags |= 0x4000; // IFF_VNET_HDR
  const where = target ?? host;
  const op = mode === 'tap' ? 'createTap' : 'createTun';
  const ctx = ctxFor(where, op, name, {}, '', () => ({
    [EEXIST]: `an interface named ${name} already exists in netns ${where.label}`,
    [ENOENT]: 'this kernel has no /dev/net/tun (the tun module)',
  }));

  // TUNSETIFF on an existing device of the same mode would attach to it, not fail: refuse first.
  const exists = await resolveIndex(where, name, ctx).then(() => true, () => false);
  if (exists) throw contextError(ctx, EEXIST, null);
  const fd = where.borrowFd();
  try {
    await native.tuntapCreate(fd, name, flags, owner, group);
  } catch (e) {
    throw isNativeError(e) ? contextError(ctx, e.errno, null, e.syscall) : e;
  } finally {
    where.returnFd();
  }
}

/**
 * Whether the kernel knows link type `kind`: a bare RTM_NEWLINK of that kind, sent to a
 * throwaway namespace, is answered with anything but EOPNOTSUPP (made, or refused for want of a
 * parent or settings). Validation is skipped on purpose: only the kernel's answer counts.
 * @internal
 */
export async function probeKind(host: LinkHost, kind: string): Promise<boolean> {
  const conn = await host.connection();
  const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, 64);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, 'probe0');
  const info = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, kind);
  w.nestEnd(info);
  try {
    await conn.request(w.finish(), { op: 'supports', object: { kind }, subject: kind });
    return true;
  } catch (e) {
    return (e as { errno?: number }).errno !== EOPNOTSUPP;
  }
}

