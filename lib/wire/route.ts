/**
 * Routes on the wire: the typed {@link Route} parsed from RTM_NEWROUTE, and the RTM_NEWROUTE /
 * RTM_DELROUTE / RTM_GETROUTE requests, IPv4 and IPv6, with gateways, metrics, tables and
 * several next hops.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readU16, readU32 } from './attr.js';
import { C, RTMSG_LEN, RTNEXTHOP_LEN } from './constants.js';
import { formatAddress, type Family } from './ip.js';
import { nameOf, PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES, type RouteProtocol, type RouteTable, type RouteType, type Scope } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';


/** One next hop of a multipath route. */
export interface NextHop {
  /** The gateway, or null for a device route. */
  gateway: string | null;
  /** The output interface's name, when known. */
  dev: string | null;
  /** The output interface's index. */
  oif: number;
  /** Relative weight (`ip route` prints `weight N`). */
  weight: number;
  /** `RTNH_F_*` flags: onlink, dead, linkdown… */
  flags: number;
}

/** A table as `ip` names it. @internal */
export function tableName(n: number): RouteTable {
  return nameOf(TABLES, n);
}

/** A route, as `ip route show` prints it, typed. A snapshot. */
export class Route extends KernelObject {
  /** 4 or 6. */
  family: Family = 4;
  /** The destination: `default`, or a prefix such as `192.0.2.0/24` (host routes too: `/32`). */
  to = 'default';
  /** The destination's prefix length: 0 for `default`. */
  prefixLength = 0;
  /** The gateway (`via`), or null. */
  gateway: string | null = null;
  /** The output interface's name (`dev`), or null. */
  dev: string | null = null;
  /** The output interface's index, or null. */
  oif: number | null = null;
  /** The metric (`metric` / `priority`), or null when the kernel sent none. */
  metric: number | null = null;
  /** The table: `main`, `local`, `default`, or its number. */
  table: RouteTable = 'main';
  /** Who installed it: `kernel`, `boot`, `static`, … or a number. */
  protocol: RouteProtocol | number = 'boot';
  /** Its scope. */
  scope: Scope | number = 'global';
  /** Its type: `unicast`, `local`, `blackhole`, … */
  type: RouteType | number = 'unicast';
  /** The preferred source address (`src`), or null. */
  prefsrc: string | null = null;
  /** The path MTU (`mtu`), or null. */
  mtu: number | null = null;
  /** The MTU is locked (`mtu lock N`): path MTU discovery does not change it. */
  mtuLock = false;
  /** The destination realm (`realm N`, RTA_FLOW's low 16 bits; IPv4), or null. */
  realm: number | null = null;
  /** The id of the nexthop object it uses (`nhid`), or null; its gateway, device or next hops are shown too. */
  nhid: number | null = null;
  /** The TOS (DS field) a packet must carry to match (`tos`; IPv4); 0 matches any. */
  tos = 0;
  /** The next hops of a multipath route; empty for a single path. */
  nexthops: NextHop[] = [];
  /** The raw `RTM_F_*` / `RTNH_F_*` flags. */
  flags = 0;

  /** The gateway is taken as on-link (`onlink`). */
  get onlink(): boolean {
    return (this.flags & C.RTNH_F_ONLINK) !== 0;
  }
  /** The output link is down (`linkdown`). */
  get linkdown(): boolean {
    return (this.flags & C.RTNH_F_LINKDOWN) !== 0;
  }

  /** The object as `ip` prints it on one line, e.g. in `ip monitor`. */
  override toString(): string {
    const parts = [this.to];
    if (this.type !== 'unicast') parts.unshift(String(this.type));
    if (this.tos !== 0) parts.push(`tos 0x${this.tos.toString(16)}`);
    if (this.nhid !== null) parts.push(`nhid ${this.nhid}`);
    // A gateway of the other family came as RTA_VIA: ip prints its family.
    const via = (gw: string): string => (this.family === 4 && gw.includes(':') ? `via inet6 ${gw}` : `via ${gw}`);
    if (this.gateway) parts.push(via(this.gateway));
    if (this.dev) parts.push(`dev ${this.dev}`);
    if (this.table !== 'main') parts.push(`table ${this.table}`);
    if (this.protocol !== 0) parts.push(`proto ${this.protocol}`);
    if (this.scope !== 'global') parts.push(`scope ${this.scope}`);
    if (this.prefsrc) parts.push(`src ${this.prefsrc}`);
    if (this.metric !== null) parts.push(`metric ${this.metric}`);
    for (const nh of this.nexthops) parts.push(`nexthop${nh.gateway ? ` ${via(nh.gateway)}` : ''} dev ${nh.dev ?? nh.oif} weight ${nh.weight}`);
    return `${parts.join(' ')}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Route <${this.toString()}>`;
  }
}

function readNexthops(buf: Buffer, s: number, e: number): NextHop[] {
  const hops: NextHop[] = [];
  let at = s;
  while (at + RTNEXTHOP_LEN <= e) {
    const len = readU16(buf, at);
    if (len < RTNEXTHOP_LEN || at + len > e) break;
    const hop: NextHop = { gateway: null, dev: null, oif: readI32(buf, at + 4), weight: buf[at + 3]! + 1, flags: buf[at + 2]! };
    eachAttr(buf, at + RTNEXTHOP_LEN, at + len, (type, as, ae) => {
      if (type === C.RTA_GATEWAY) hop.gateway = formatAddress(buf, as, ae);
      else if (type === C.RTA_VIA && ae - as > 2) hop.gateway = formatAddress(buf, as + 2, ae);
    });
    hops.push(hop);
    at += (len + 3) & ~3;
  }
  return hops;
}

/** Reads an RTM_NEWROUTE message; other messages give undefined. @internal */
export function parseRoute(m: RawMessage): Route | undefined {
  if (m.type !== C.RTM_NEWROUTE || m.end - m.start < RTMSG_LEN) return undefined;
  const buf = m.buf;
  const af = buf[m.start]!;
  if (af !== C.AF_INET && af !== C.AF_INET6) return undefined;
  const r = new Route(buf, m.start + RTMSG_LEN, m.end);
  r.family = af === C.AF_INET6 ? 6 : 4;
  r.prefixLength = buf[m.start + 1]!;
  r.tos = buf[m.start + 3]!;
  let table = buf[m.start + 4]!;
  r.protocol = nameOf(PROTOCOLS, buf[m.start + 5]!);
  r.scope = nameOf(SCOPES, buf[m.start + 6]!);
  r.type = nameOf(ROUTE_TYPES, buf[m.start + 7]!);
  r.flags = readU32(buf, m.start + 8);
  let dst: string | null = null;
  eachAttr(buf, m.start + RTMSG_LEN, m.end, (type, s, e) => {
    switch (type) {
      case C.RTA_DST:
        dst = formatAddress(buf, s, e);
        break;
      case C.RTA_GATEWAY:
        r.gateway = formatAddress(buf, s, e);
        break;
      case C.RTA_VIA:
        if (e - s > 2) r.gateway = formatAddress(buf, s + 2, e);
        break;
      case C.RTA_OIF:
        if (e - s >= 4) r.oif = readU32(buf, s);
        break;
      case C.RTA_PRIORITY:
        if (e - s >= 4) r.metric = readU32(buf, s);
        break;
      case C.RTA_PREFSRC:
        r.prefsrc = formatAddress(buf, s, e);
        break;
      case C.RTA_TABLE:
        if (e - s >= 4) table = readU32(buf, s);
        break;
      case C.RTA_METRICS:
        eachAttr(buf, s, e, (t, ms, me) => {
          if (me - ms < 4) return;
          if (t === C.RTAX_MTU) r.mtu = readU32(buf, ms);
          else if (t === C.RTAX_LOCK) r.mtuLock = (readU32(buf, ms) & (1 << C.RTAX_MTU)) !== 0;
        });
        break;
      case C.RTA_NH_ID:
        if (e - s >= 4) r.nhid = readU32(buf, s);
        break;
      case C.RTA_FLOW:
        if (e - s >= 4) r.realm = readU32(buf, s) & 0xffff;
        break;
      case C.RTA_MULTIPATH:
        r.nexthops = readNexthops(buf, s, e);
        break;
      default:
        break; // kept: Route.attribute() reads any attribute
    }
  });
  r.table = tableName(table);
  r.to = dst === null && r.prefixLength === 0 ? 'default' : `${dst ?? (r.family === 4 ? '0.0.0.0' : '::')}/${r.prefixLength}`;
  return r;
}

/**
 * One next hop in a request: gateway bytes, interface index, weight 1–256. A gateway of the
 * other family than the route's (16 bytes for an IPv4 route) goes as RTA_VIA.
 * @internal
 */
export interface NextHopMessage {
  via: Buffer | null;
  oif: number;
  weight: number;
}

/** One route in a request, checked and resolved. @internal */
export interface RouteMessage {
  af: number;
  /** The destination's bytes and prefix length; null for `default`. */
  dst: { bytes: Buffer; prefixLength: number } | null;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  onlink: boolean;
  /** The gateway; one of the other family (16 bytes for an IPv4 route) goes as RTA_VIA. */
  via?: Buffer | null;
  oif?: number;
  metric?: number;
  prefsrc?: Buffer | null;
  mtu?: number;
  /** Lock the MTU (RTAX_LOCK): only with `mtu`. */
  mtuLock?: boolean;
  /** RTA_FLOW: the destination realm (IPv4). */
  realm?: number;
  /** rtm_tos (IPv4). */
  tos?: number;
  nexthops?: readonly NextHopMessage[];
  /** RTA_NH_ID: a nexthop object by id. */
  nhid?: number;
}

/** What a route request does: `ip route add|replace|change|append|del`. @internal */
export type RouteCommand = 'add' | 'replace' | 'change' | 'append' | 'delete';

const ROUTE_FLAGS: Readonly<Record<RouteCommand, number>> = {
  add: C.NLM_F_CREATE | C.NLM_F_EXCL,
  replace: C.NLM_F_CREATE | C.NLM_F_REPLACE,
  // Replace only what exists: ENOENT otherwise.
  change: C.NLM_F_REPLACE,
  append: C.NLM_F_CREATE | C.NLM_F_APPEND,
  delete: 0,
};

/** RTA_GATEWAY, or RTA_VIA (`struct rtvia`: the family, then the address) for an IPv6 gateway of an IPv4 route. */
function putGateway(w: MessageWriter, af: number, via: Buffer): void {
  if (af === C.AF_INET && via.length === 16) {
    const at = w.nestStart(C.RTA_VIA);
    w.u16(C.AF_INET6).bytes(via);
    // The length says 18 bytes (the kernel reads the address's size from it), then the padding.
    w.nestEnd(at).pad();
  } else {
    w.putBytes(C.RTA_GATEWAY, via);
  }
}

/**
 * RTM_NEWROUTE (`ip route add` / `replace` / `change` / `append`) or RTM_DELROUTE (`ip route del`).
 * @internal
 */
export function encodeRoute(cmd: RouteCommand, r: RouteMessage): Buffer {
  const w = new MessageWriter(cmd === 'delete' ? C.RTM_DELROUTE : C.RTM_NEWROUTE, C.NLM_F_REQUEST | C.NLM_F_ACK | ROUTE_FLAGS[cmd], 128);
  const rtnh = r.onlink ? C.RTNH_F_ONLINK : 0;
  w.u8(r.af).u8(r.dst?.prefixLength ?? 0).u8(0).u8(r.tos ?? 0);
  w.u8(r.table < 256 ? r.table : C.RT_TABLE_UNSPEC).u8(r.protocol).u8(r.scope).u8(r.type);
  w.u32(rtnh);
  w.putU32(C.RTA_TABLE, r.table);
  if (r.dst && r.dst.prefixLength > 0) w.putBytes(C.RTA_DST, r.dst.bytes);
  if (r.nhid !== undefined) w.putU32(C.RTA_NH_ID, r.nhid);
  if (r.via) putGateway(w, r.af, r.via);
  if (r.oif !== undefined) w.putU32(C.RTA_OIF, r.oif);
  if (r.metric !== undefined) w.putU32(C.RTA_PRIORITY, r.metric);
  if (r.prefsrc) w.putBytes(C.RTA_PREFSRC, r.prefsrc);
  if (r.mtu !== undefined) {
    const m = w.nestStart(C.RTA_METRICS);
    w.putU32(C.RTAX_MTU, r.mtu);
    if (r.mtuLock) w.putU32(C.RTAX_LOCK, 1 << C.RTAX_MTU);
    w.nestEnd(m);
  }
  if (r.realm !== undefined) w.putU32(C.RTA_FLOW, r.realm);
  if (r.nexthops && r.nexthops.length > 0) {
    const mp = w.nestStart(C.RTA_MULTIPATH);
    for (const h of r.nexthops) {
      // struct rtnexthop's length leads it, as an attribute's does: nestEnd sets it.
      const at = w.offset;
      w.u16(0).u8(rtnh).u8(h.weight - 1).i32(h.oif);
      if (h.via) putGateway(w, r.af, h.via);
      w.nestEnd(at);
    }
    w.nestEnd(mp);
  }
  return w.finish();
}

/** A lookup: `ip route get [fibmatch] ADDRESS [from S] [iif I] [oif O] [mark M]`. @internal */
export interface RouteLookup {
  af: number;
  dst: Buffer;
  from?: Buffer | null;
  iif?: number;
  oif?: number;
  mark?: number;
  /** RTM_F_FIB_MATCH: the route as configured, not the resolved host route. */
  fibMatch?: boolean;
}

/**
 * RTM_GETROUTE for one destination: `ip route get`. IPv4 with RTM_F_LOOKUP_TABLE, as `ip` sets
 * it: without it IPv4 answers `main` whatever table a rule sent the lookup to. IPv6 names the
 * table anyway, and its strict checking refuses any flag but RTM_F_FIB_MATCH.
 * @internal
 */
export function encodeGetRoute(q: RouteLookup): Buffer {
  const bits = q.dst.length * 8;
  const w = new MessageWriter(C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_ACK, 96);
  w.u8(q.af).u8(bits).u8(q.from ? bits : 0).u8(0).u8(0).u8(0).u8(0).u8(0);
  w.u32((q.af === C.AF_INET ? C.RTM_F_LOOKUP_TABLE : 0) | (q.fibMatch ? C.RTM_F_FIB_MATCH : 0));
  w.putBytes(C.RTA_DST, q.dst);
  if (q.from) w.putBytes(C.RTA_SRC, q.from);
  if (q.iif !== undefined) w.putU32(C.RTA_IIF, q.iif);
  if (q.oif !== undefined) w.putU32(C.RTA_OIF, q.oif);
  if (q.mark !== undefined) w.putU32(C.RTA_MARK, q.mark);
  return w.finish();
}

/** RTM_GETROUTE dump of one family, of one table (null: all), of one type (0: all). @internal */
export function encodeDumpRoutes(af: number, table: number | null, type = 0): Buffer {
  const w = new MessageWriter(C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_DUMP, 48);
  // With strict checking on (every socket of ours), a type in the header is a filter the kernel applies.
  w.u8(af).u8(0).u8(0).u8(0).u8(table === null || table > 255 ? 0 : table).u8(0).u8(0).u8(type).u32(0);
  if (table !== null) w.putU32(C.RTA_TABLE, table);
  return w.finish();
}
