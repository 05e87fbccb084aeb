/**
 * VXLAN: `ip link add NAME type vxlan id VNI [remote A | group G] [local L] [dstport P] [dev D]
 * [ttl T] [tos T] [df set|unset|inherit] [flowlabel L] [nolearning] [ageing S] [maxaddress N]
 * [srcport LOW HIGH] [proxy] [rsc] [l2miss] [l3miss] [[no]udpcsum] [[no]udp6zerocsumtx]
 * [[no]udp6zerocsumrx]`.
 * @packageDocumentation
 */
import { eachAttr, readU32 } from '../attr.js';
import { C } from '../constants.js';
import { formatAddress, parseIp, type IpAddress } from '../ip.js';
import { checkBoolean, checkIfname, checkInt } from '../../validate.js';
import type { KindCodec } from './kind.js';

/** Settings of a VXLAN link. */
export interface VxlanOptions {
  /** The VXLAN network identifier, 0–16777215. */
  id: number;
  /** The unicast peer. */
  remote?: string;
  /** A multicast group (needs `dev`). */
  group?: string;
  /** The local address to send from. */
  local?: string;
  /** The UDP destination port; default 4789 (IANA's; the kernel alone would use 8472). */
  port?: number;
  /** The underlying interface. */
  dev?: string;
  /** TTL of the outer packets (0: inherit). */
  ttl?: number;
  /** Learn remote MACs from traffic (default true). */
  learning?: boolean;
  /** TOS of the outer packets, or `'inherit'` (from the inner). */
  tos?: number | 'inherit';
  /** The outer packets' don't-fragment bit: `'unset'` (the kernel's default), `'set'`, or `'inherit'`. */
  df?: VxlanDf;
  /** The IPv6 flow label of the outer packets (0–0xfffff; IPv6 only). */
  flowlabel?: number;
  /** Seconds a learnt entry lives in the forwarding database (`ageing`). */
  ageing?: number;
  /** The most forwarding database entries (`maxaddress`; 0: no limit). */
  maxAddress?: number;
  /** The UDP source port range: `[low, high]`. */
  srcPortRange?: [number, number];
  /** Answer ARP and neighbour solicitations from the forwarding database (`proxy`). */
  proxy?: boolean;
  /** Route short-circuiting (`rsc`). */
  rsc?: boolean;
  /** Notify user space of link-layer misses (`l2miss`). */
  l2miss?: boolean;
  /** Notify user space of IP address misses (`l3miss`). */
  l3miss?: boolean;
  /** UDP checksums over IPv4 (`udpcsum`). */
  udpCsum?: boolean;
  /** Send zero UDP checksums over IPv6 (`udp6zerocsumtx`). */
  udp6ZeroCsumTx?: boolean;
  /** Accept zero UDP checksums over IPv6 (`udp6zerocsumrx`). */
  udp6ZeroCsumRx?: boolean;
}

/** The don't-fragment setting of a VXLAN's outer packets. */
export type VxlanDf = 'unset' | 'set' | 'inherit';
const DF: readonly VxlanDf[] = ['unset', 'set', 'inherit'];

/** A VXLAN's settings as read back. */
export interface VxlanInfo {
  /** The link type. */
  kind: 'vxlan';
  /** The VXLAN network identifier. */
  id: number;
  /** The unicast peer, or null. */
  remote: string | null;
  /** The multicast group, or null. */
  group: string | null;
  /** The local address it sends from, or null. */
  local: string | null;
  /** The UDP destination port. */
  port: number;
  /** The underlying interface's index, or null. */
  link: number | null;
  /** The underlying interface's name (as `ip -d link` prints `dev`), or null. */
  dev: string | null;
  /** TTL of the outer packets (0: inherit). */
  ttl: number;
  /** Whether it learns remote MACs from traffic. */
  learning: boolean;
  /** TOS of the outer packets (1: inherit). */
  tos: number;
  /** The don't-fragment setting, or null when the kernel did not say. */
  df: VxlanDf | null;
  /** The IPv6 flow label. */
  flowlabel: number;
  /** Seconds a learnt entry lives. */
  ageing: number | null;
  /** The most forwarding database entries (0: no limit). */
  maxAddress: number;
  /** The UDP source port range, or null for the kernel's. */
  srcPortRange: [number, number] | null;
  /** ARP/ND proxying. */
  proxy: boolean;
  /** Route short-circuiting. */
  rsc: boolean;
  /** Link-layer miss notifications. */
  l2miss: boolean;
  /** IP miss notifications. */
  l3miss: boolean;
  /** UDP checksums over IPv4. */
  udpCsum: boolean;
  /** Zero UDP checksums sent over IPv6. */
  udp6ZeroCsumTx: boolean;
  /** Zero UDP checksums accepted over IPv6. */
  udp6ZeroCsumRx: boolean;
}

const FLAGS = ['proxy', 'rsc', 'l2miss', 'l3miss', 'udpCsum', 'udp6ZeroCsumTx', 'udp6ZeroCsumRx'] as const;
type Flag = (typeof FLAGS)[number];
const FLAG_ATTR: Record<Flag, number> = {
  proxy: C.IFLA_VXLAN_PROXY,
  rsc: C.IFLA_VXLAN_RSC,
  l2miss: C.IFLA_VXLAN_L2MISS,
  l3miss: C.IFLA_VXLAN_L3MISS,
  udpCsum: C.IFLA_VXLAN_UDP_CSUM,
  udp6ZeroCsumTx: C.IFLA_VXLAN_UDP_ZERO_CSUM6_TX,
  udp6ZeroCsumRx: C.IFLA_VXLAN_UDP_ZERO_CSUM6_RX,
};

interface Checked {
  id?: number;
  peer?: IpAddress;
  local?: IpAddress;
  port?: number;
  dev?: string;
  ttl?: number;
  learning?: boolean;
  tos?: number;
  df?: number;
  flowlabel?: number;
  ageing?: number;
  maxAddress?: number;
  srcPortRange?: [number, number];
  flags: Partial<Record<Flag, boolean>>;
}

function isMulticast(a: IpAddress): boolean {
  return a.family === 4 ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

/** @internal */
export const vxlan: KindCodec<Checked, VxlanInfo> = {
  kind: 'vxlan',
  keys: ['id', 'remote', 'group', 'local', 'port', 'dev', 'ttl', 'learning', 'tos', 'df', 'flowlabel', 'ageing', 'maxAddress', 'srcPortRange', ...FLAGS],
  needsParent: false,
  check(o, changing) {
    const c: Checked = { flags: {} };
    if (o.id === undefined && !changing) throw new TypeError('a vxlan needs an id (0-16777215)');
    if (o.id !== undefined) c.id = checkInt(o.id, 0, 0xffffff, 'vxlan id');
    if (o.remote !== undefined && o.group !== undefined) throw new TypeError('give remote or group, not both');
    if (o.remote !== undefined) {
      c.peer = parseIp(o.remote, 'remote');
      if (isMulticast(c.peer)) throw new TypeError(`remote ${c.peer.text} is a multicast address: give it as group`);
    }
    if (o.group !== undefined) {
      c.peer = parseIp(o.group, 'group');
      if (!isMulticast(c.peer)) throw new TypeError(`group ${c.peer.text} is not a multicast address: give it as remote`);
      if (o.dev === undefined) throw new TypeError('a multicast group needs dev');
    }
    if (o.local !== undefined) {
      c.local = parseIp(o.local, 'local');
      if (c.peer && c.peer.family !== c.local.family) throw new TypeError(`local ${c.local.text} and ${c.peer.text} are of different families`);
    }
    if (o.port !== undefined || !changing) c.port = o.port === undefined ? 4789 : checkInt(o.port, 1, 65535, 'port');
    if (o.dev !== undefined) c.dev = checkIfname(o.dev, 'dev');
    if (o.ttl !== undefined) c.ttl = checkInt(o.ttl, 0, 255, 'ttl');
    if (o.learning !== undefined) c.learning = checkBoolean(o.learning, 'learning');
    if (o.tos !== undefined) c.tos = o.tos === 'inherit' ? 1 : checkInt(o.tos, 0, 255, 'tos');
    if (o.df !== undefined) {
      const i = (DF as readonly unknown[]).indexOf(o.df);
      if (i < 0) throw new TypeError(`df ${JSON.stringify(o.df)} must be one of ${DF.join(', ')}`);
      c.df = i;
    }
    if (o.flowlabel !== undefined) c.flowlabel = checkInt(o.flowlabel, 0, 0xfffff, 'flowlabel');
    if (o.ageing !== undefined) c.ageing = checkInt(o.ageing, 0, 0xffffffff, 'ageing');
    if (o.maxAddress !== undefined) c.maxAddress = checkInt(o.maxAddress, 0, 0xffffffff, 'maxAddress');
    if (o.srcPortRange !== undefined) {
      const r = o.srcPortRange;
      if (!Array.isArray(r) || r.length !== 2) throw new TypeError(`srcPortRange must be [low, high], not ${JSON.stringify(r)}`);
      const low = checkInt(r[0], 1, 65535, 'srcPortRange low');
      const high = checkInt(r[1], 1, 65535, 'srcPortRange high');
      if (high < low) throw new RangeError(`srcPortRange [${low}, ${high}]: high is below low`);
      c.srcPortRange = [low, high];
    }
    for (const f of FLAGS) if (o[f] !== undefined) c.flags[f] = checkBoolean(o[f], f);
    return c;
  },
  devs: (o) => (o.dev === undefined ? [] : [o.dev]),
  encode(w, o, index) {
    if (o.id !== undefined) w.putU32(C.IFLA_VXLAN_ID, o.id);
    if (o.peer) w.putBytes(o.peer.family === 4 ? C.IFLA_VXLAN_GROUP : C.IFLA_VXLAN_GROUP6, o.peer.bytes);
    if (o.local) w.putBytes(o.local.family === 4 ? C.IFLA_VXLAN_LOCAL : C.IFLA_VXLAN_LOCAL6, o.local.bytes);
    if (o.dev !== undefined) w.putU32(C.IFLA_VXLAN_LINK, index(o.dev));
    if (o.ttl !== undefined) w.putU8(C.IFLA_VXLAN_TTL, o.ttl);
    if (o.learning !== undefined) w.putU8(C.IFLA_VXLAN_LEARNING, o.learning ? 1 : 0);
    if (o.port !== undefined) w.putBe16(C.IFLA_VXLAN_PORT, o.port);
    if (o.tos !== undefined) w.putU8(C.IFLA_VXLAN_TOS, o.tos);
    if (o.df !== undefined) w.putU8(C.IFLA_VXLAN_DF, o.df);
    if (o.flowlabel !== undefined) w.putBytes(C.IFLA_VXLAN_LABEL, Buffer.from([o.flowlabel >>> 24, (o.flowlabel >>> 16) & 0xff, (o.flowlabel >>> 8) & 0xff, o.flowlabel & 0xff]));
    if (o.ageing !== undefined) w.putU32(C.IFLA_VXLAN_AGEING, o.ageing);
    if (o.maxAddress !== undefined) w.putU32(C.IFLA_VXLAN_LIMIT, o.maxAddress);
    if (o.srcPortRange) {
      const b = Buffer.alloc(4);
      b.writeUInt16BE(o.srcPortRange[0], 0);
      b.writeUInt16BE(o.srcPortRange[1], 2);
      w.putBytes(C.IFLA_VXLAN_PORT_RANGE, b);
    }
    for (const f of FLAGS) if (o.flags[f] !== undefined) w.putU8(FLAG_ATTR[f], o.flags[f] ? 1 : 0);
  },
  decode(buf, s, e) {
    const info: VxlanInfo = {
      kind: 'vxlan', id: 0, remote: null, group: null, local: null, port: 0, link: null, dev: null, ttl: 0, learning: true,
      tos: 0, df: null, flowlabel: 0, ageing: null, maxAddress: 0, srcPortRange: null,
      proxy: false, rsc: false, l2miss: false, l3miss: false, udpCsum: false, udp6ZeroCsumTx: false, udp6ZeroCsumRx: false,
    };
    const flagOf = new Map<number, Flag>(FLAGS.map((f) => [FLAG_ATTR[f], f]));
    eachAttr(buf, s, e, (t, as, ae) => {
      switch (t) {
        case C.IFLA_VXLAN_ID:
          if (ae - as >= 4) info.id = readU32(buf, as);
          break;
        case C.IFLA_VXLAN_GROUP:
        case C.IFLA_VXLAN_GROUP6: {
          const text = formatAddress(buf, as, ae);
          const multicast = ae - as === 4 ? (buf[as]! & 0xf0) === 0xe0 : buf[as] === 0xff;
          if (text !== '0.0.0.0' && text !== '::') {
            if (multicast) info.group = text;
            else info.remote = text;
          }
          break;
        }
        case C.IFLA_VXLAN_LOCAL:
        case C.IFLA_VXLAN_LOCAL6: {
          const text = formatAddress(buf, as, ae);
          if (text !== '0.0.0.0' && text !== '::') info.local = text;
          break;
        }
        case C.IFLA_VXLAN_PORT:
          if (ae - as >= 2) info.port = buf.readUInt16BE(as);
          break;
        case C.IFLA_VXLAN_LINK:
          if (ae - as >= 4) info.link = readU32(buf, as) || null;
          break;
        case C.IFLA_VXLAN_TTL:
          if (ae > as) info.ttl = buf[as]!;
          break;
        case C.IFLA_VXLAN_LEARNING:
          if (ae > as) info.learning = buf[as] !== 0;
          break;
        case C.IFLA_VXLAN_TOS:
          if (ae > as) info.tos = buf[as]!;
          break;
        case C.IFLA_VXLAN_DF:
          if (ae > as) info.df = DF[buf[as]!] ?? null;
          break;
        case C.IFLA_VXLAN_LABEL:
          if (ae - as >= 4) info.flowlabel = buf.readUInt32BE(as);
          break;
        case C.IFLA_VXLAN_AGEING:
          if (ae - as >= 4) info.ageing = readU32(buf, as);
          break;
        case C.IFLA_VXLAN_LIMIT:
          if (ae - as >= 4) info.maxAddress = readU32(buf, as);
          break;
        case C.IFLA_VXLAN_PORT_RANGE:
          if (ae - as >= 4) {
            const low = buf.readUInt16BE(as);
            const high = buf.readUInt16BE(as + 2);
            info.srcPortRange = low || high ? [low, high] : null;
          }
          break;
        default: {
          const f = flagOf.get(t);
          if (f && ae > as) info[f] = buf[as] !== 0;
          break;
        }
      }
    });
    return info;
  },
};
