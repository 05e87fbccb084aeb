/**
 * Links read from the wire: the typed {@link Link} parsed from an RTM_NEWLINK message. The
 * requests are in link-message.ts.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, readI32, readString, readU16, readU32, readU64 } from './attr.js';
import { decodeBridgePort, type BridgePortInfo } from './bridge.js';
import { C, IFINFOMSG_LEN, NLA_TYPE_MASK } from './constants.js';
import { KINDS } from './kinds/index.js';
import type { LinkInfo } from './kinds/public.js';
import { formatMac } from './mac.js';
import { bitNames, LINK_FLAGS, nameOf, OPERSTATES, type OperState } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';

/** A link's counters (`ip -s link`), from the kernel's 64-bit statistics. */
export interface LinkStats {
  /** Bytes received. */
  rxBytes: number;
  /** Packets received. */
  rxPackets: number;
  /** Receive errors. */
  rxErrors: number;
  /** Packets dropped on receive. */
  rxDropped: number;
  /** Bytes sent. */
  txBytes: number;
  /** Packets sent. */
  txPackets: number;
  /** Transmit errors. */
  txErrors: number;
  /** Packets dropped on transmit. */
  txDropped: number;
  /** Multicast packets received. */
  multicast: number;
  /** Collisions. */
  collisions: number;
}

/**
 * A network interface as the kernel reports it: what `ip -d -s link show` prints, typed.
 * Returned by {@link Netns.links} and {@link Netns.link}; a snapshot, not a live view.
 */
export class Link extends KernelObject {
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
  /** The smallest MTU the device accepts, when it says. */
  minMtu: number | null = null;
  /** The largest MTU the device accepts, when it says. */
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
  /** The transmit queue length (`txqlen`). */
  txqlen: number | null = null;
  /** The alias (`ip link set ... alias TEXT`), or null when it has none. */
  alias: string | null = null;
  /** Its alternative names (`altname`), by which {@link Netns.link} finds it too. */
  altNames: string[] = [];
  /** The link's group (`group`): 0 is `default`. */
  group = 0;
  /** Counters, or null if the kernel sent none. */
  stats: LinkStats | null = null;
  /** The kind with its own settings (macvlan mode, vlan id, vxlan id and port, ...), or null for devices without a kind. */
  info: LinkInfo | null = null;
  /** When this link is a bridge port: its port settings (`bridge -d link show`), else null. */
  bridgePort: BridgePortInfo | null = null;

  /** Receiving every frame, not only those addressed to it (`IFF_PROMISC`, `promisc on`). */
  get promisc(): boolean {
    return (this.flags & C.IFF_PROMISC) !== 0;
  }
  /** Receiving all multicast frames (`IFF_ALLMULTI`, `allmulticast on`). */
  get allmulticast(): boolean {
    return (this.flags & C.IFF_ALLMULTI) !== 0;
  }
  /** Multicast enabled (`IFF_MULTICAST`, `multicast on`). */
  get multicast(): boolean {
    return (this.flags & C.IFF_MULTICAST) !== 0;
  }
  /** ARP (or neighbour discovery) in use: `IFF_NOARP` clear (`arp on`). */
  get arp(): boolean {
    return (this.flags & C.IFF_NOARP) === 0;
  }

  /**
   * Flag names in the order `ip link` prints them between `<` and `>`:
   * `['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']`. Like `ip`, this leaves out `RUNNING`
   * ({@link Link.operstate} says it better) and says `NO-CARRIER` first for a link that is up
   * without it; {@link Link.flags} has every bit.
   */
  get flagNames(): string[] {
    const names = bitNames(LINK_FLAGS, this.flags);
    if (this.flags & C.IFF_UP && !(this.flags & C.IFF_RUNNING)) names.unshift('NO-CARRIER');
    return names;
  }

  /** The object as `ip` prints it on one line, e.g. in `ip monitor`. */
  override toString(): string {
    const at = this.linkIndex === null ? '' : `@if${this.linkIndex}`;
    const parts = [`${this.index}: ${this.name}${at}`];
    if (this.kind) parts.push(this.kind);
    parts.push(`<${this.flagNames.join(',')}>`, `mtu ${this.mtu}`, `state ${this.operstate}`);
    if (this.master !== null) parts.push(`master ${this.master}`);
    if (this.address) parts.push(this.address);
    if (this.linkNetnsId !== null) parts.push(`link-netnsid ${this.linkNetnsId}`);
    return `${parts.join(' ')}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Link <${this.toString()}>`;
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
  // An AF_BRIDGE message is a bridge's view of its port (its VLANs, its port settings), sent
  // beside the link's own: not a link, and its RTM_DELLINK means the port left the bridge.
  if (buf[m.start] === C.AF_BRIDGE) return undefined;
  const link = new Link(buf, m.start + IFINFOMSG_LEN, m.end);
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
    const type = readU16(buf, at + 2) & NLA_TYPE_MASK;
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
      case C.IFLA_OPERSTATE: {
        if (len < 1) break;
        const state = nameOf(OPERSTATES, buf[s]!);
        link.operstate = typeof state === 'string' ? state : 'UNKNOWN';
        break;
      }
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
      case C.IFLA_GROUP:
        if (len >= 4) link.group = readU32(buf, s);
        break;
      case C.IFLA_IFALIAS: {
        const alias = readString(buf, s, e);
        link.alias = alias === '' ? null : alias;
        break;
      }
      case C.IFLA_PROP_LIST:
        eachAttr(buf, s, e, (t, as, ae) => {
          if (t === C.IFLA_ALT_IFNAME) link.altNames.push(readString(buf, as, ae));
        });
        break;
      case C.IFLA_STATS64:
        link.stats = readStats(buf, s, e);
        break;
      case C.IFLA_LINKINFO: {
        let data: [number, number] | null = null;
        let slave: [number, number] | null = null;
        eachAttr(buf, s, e, (t, is, ie) => {
          if (t === C.IFLA_INFO_KIND) link.kind = readString(buf, is, ie);
          else if (t === C.IFLA_INFO_SLAVE_KIND) link.slaveKind = readString(buf, is, ie);
          else if (t === C.IFLA_INFO_DATA) data = [is, ie];
          else if (t === C.IFLA_INFO_SLAVE_DATA) slave = [is, ie];
        });
        if (link.kind !== null) link.info = decodeInfo(link.kind, buf, data);
        if (link.slaveKind === 'bridge' && slave) link.bridgePort = decodeBridgePort(buf, slave[0], slave[1]);
        break;
      }
      default:
        break; // kept: Link.attribute() reads any attribute
    }
  }
  return link;
}
