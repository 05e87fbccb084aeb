/**
 * VXLAN: `ip link add NAME type vxlan id VNI [remote A | group G] [local L] [dstport P] [dev D] [ttl T] [nolearning]`.
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
}

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
}

interface Checked {
  id?: number;
  peer?: IpAddress;
  local?: IpAddress;
  port?: number;
  dev?: string;
  ttl?: number;
  learning?: boolean;
}

function isMulticast(a: IpAddress): boolean {
  return a.family === 4 ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

/** @internal */
export const vxlan: KindCodec<Checked, VxlanInfo> = {
  kind: 'vxlan',
  keys: ['id', 'remote', 'group', 'local', 'port', 'dev', 'ttl', 'learning'],
  needsParent: false,
  check(o, changing) {
    const c: Checked = {};
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
  },
  decode(buf, s, e) {
    const info: VxlanInfo = { kind: 'vxlan', id: 0, remote: null, group: null, local: null, port: 0, link: null, dev: null, ttl: 0, learning: true };
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
        default:
          break;
      }
    });
    return info;
  },
};
