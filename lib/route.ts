/**
 * Routes: the typed {@link Route}, and the requests that add, replace, delete, list and look
 * them up, IPv4 and IPv6, with gateways, metrics, tables and multiple next hops.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readU16, readU32, type RawMessage } from './attr.js';
import { checkScope, scopeName, type Scope } from './address.js';
import { C, RTMSG_LEN, RTNEXTHOP_LEN } from './constants.js';
import type { Ctx, ErrorContext } from './errors.js';
import { afOf, formatAddress, parseAddress, parsePrefix, type Family, type IpAddress, type IpPrefix } from './ip.js';
import { linkNamer, resolveIndex, type LinkHost } from './link.js';
import { checkBoolean, checkIfname, checkInt, checkMtu, checkOptions, nameOf, showValue } from './validate.js';

const { ENETUNREACH, EHOSTUNREACH, ESRCH, EEXIST, ENODEV, ENOENT, EINVAL } = constants.errno;

/** A route's type, as `ip route` names it. */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';
/** Who installed a route, as `ip route` names it after `proto`. */
export type RouteProtocol = 'redirect' | 'kernel' | 'boot' | 'static' | 'ra' | 'dhcp';
/** A routing table: a number (1–2^32-1) or one of the named ones. */
export type RouteTable = number | 'main' | 'local' | 'default';

const TYPES: Readonly<Record<RouteType, number>> = {
  unicast: C.RTN_UNICAST,
  local: C.RTN_LOCAL,
  broadcast: C.RTN_BROADCAST,
  anycast: C.RTN_ANYCAST,
  multicast: C.RTN_MULTICAST,
  blackhole: C.RTN_BLACKHOLE,
  unreachable: C.RTN_UNREACHABLE,
  prohibit: C.RTN_PROHIBIT,
  throw: C.RTN_THROW,
  nat: C.RTN_NAT,
};
const PROTOCOLS: Readonly<Record<RouteProtocol, number>> = {
  redirect: C.RTPROT_REDIRECT,
  kernel: C.RTPROT_KERNEL,
  boot: C.RTPROT_BOOT,
  static: C.RTPROT_STATIC,
  ra: C.RTPROT_RA,
  dhcp: C.RTPROT_DHCP,
};
const TABLES: Readonly<Record<'main' | 'local' | 'default', number>> = {
  main: C.RT_TABLE_MAIN,
  local: C.RT_TABLE_LOCAL,
  default: C.RT_TABLE_DEFAULT,
};

function byName<K extends string>(table: Readonly<Record<K, number>>, v: unknown, what: string, max: number): number {
  if (typeof v === 'string' && Object.hasOwn(table, v)) return table[v as K];
  if (typeof v === 'number') return checkInt(v, 0, max, what);
  throw new TypeError(`${what} must be one of ${Object.keys(table).join(', ')} or a number, got ${showValue(v)}`);
}

/** A table by name or number (1..2^32-1). @internal */
export function checkTable(v: unknown): number {
  const n = byName(TABLES, v, 'table', 0xffffffff);
  if (n === 0) throw new RangeError('table 0 is not a table (RT_TABLE_UNSPEC)');
  return n;
}

/** A table as `ip` names it. @internal */
export function tableName(n: number): RouteTable {
  return nameOf(TABLES, n);
}

/** One next hop of a multipath route. */
export interface NextHop {
  /** The gateway, or null for a device route. */
  gateway: string | null;
  /** The output interface's name (when known) and index. */
  dev: string | null;
  oif: number;
  /** Relative weight (`ip route` prints `weight N`). */
  weight: number;
  /** `RTNH_F_*` flags: onlink, dead, linkdown… */
  flags: number;
}

/** A route, as `ip route show` prints it, typed. A snapshot. */
export class Route {
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
  /** The path MTU lock (`mtu`), or null. */
  mtu: number | null = null;
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

  /** @internal */
  [inspect.custom](): string {
    const parts = [this.to];
    if (this.type !== 'unicast') parts.unshift(String(this.type));
    if (this.gateway) parts.push(`via ${this.gateway}`);
    if (this.dev) parts.push(`dev ${this.dev}`);
    if (this.table !== 'main') parts.push(`table ${this.table}`);
    if (this.protocol !== 0) parts.push(`proto ${this.protocol}`);
    if (this.scope !== 'global') parts.push(`scope ${this.scope}`);
    if (this.prefsrc) parts.push(`src ${this.prefsrc}`);
    if (this.metric !== null) parts.push(`metric ${this.metric}`);
    for (const nh of this.nexthops) parts.push(`nexthop${nh.gateway ? ` via ${nh.gateway}` : ''} dev ${nh.dev ?? nh.oif} weight ${nh.weight}`);
    return `Route <${parts.join(' ')}>`;
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
  const r = new Route();
  const af = buf[m.start]!;
  if (af !== C.AF_INET && af !== C.AF_INET6) return undefined;
  r.family = af === C.AF_INET6 ? 6 : 4;
  r.prefixLength = buf[m.start + 1]!;
  let table = buf[m.start + 4]!;
  r.protocol = nameOf(PROTOCOLS, buf[m.start + 5]!);
  r.scope = scopeName(buf[m.start + 6]!);
  r.type = nameOf(TYPES, buf[m.start + 7]!);
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
          if (t === C.RTAX_MTU && me - ms >= 4) r.mtu = readU32(buf, ms);
        });
        break;
      case C.RTA_MULTIPATH:
        r.nexthops = readNexthops(buf, s, e);
        break;
      default:
        break;
    }
  });
  r.table = tableName(table);
  r.to = dst === null && r.prefixLength === 0 ? 'default' : `${dst ?? (r.family === 4 ? '0.0.0.0' : '::')}/${r.prefixLength}`;
  return r;
}

/** A next hop of {@link RouteSpec.nexthops}: `nexthop via GW dev IFNAME weight W`. */
export interface NextHopSpec {
  via?: string;
  dev?: string;
  /** 1–256; default 1. */
  weight?: number;
}

/**
 * A route to add, replace or delete: `ip route add|replace|del TO [via GW] [dev IFNAME] ...`.
 * For a delete, what is given narrows the match (as `ip route del` does).
 */
export interface RouteSpec {
  /** `'default'` or a prefix: `192.0.2.0/24`, `2001:db8::/64`; a bare address is a host route. */
  to: string;
  /** The gateway, of the destination's family. */
  via?: string;
  /** The output interface. */
  dev?: string;
  /** The metric (`metric N`). */
  metric?: number;
  /** The table: `main` (the default), `local`, `default` or a number. */
  table?: RouteTable;
  /** The preferred source address (`src`). */
  src?: string;
  /** Scope; by default `link` for a route with no gateway, else `global`. */
  scope?: Scope | number;
  /** Who installs it; default `boot`, as `ip route add`. */
  protocol?: RouteProtocol | number;
  /** Route type; default `unicast`. */
  type?: RouteType;
  /** Path MTU for this route (`mtu N`). */
  mtu?: number;
  /** Several next hops (ECMP): `nexthop via A dev X weight 1 nexthop via B ...`. */
  nexthops?: NextHopSpec[];
  /** Take the gateway as on-link even if no address of the link covers it (`onlink`). */
  onlink?: boolean;
  /** 4 or 6, for `'default'` routes given no gateway; otherwise read from the addresses. */
  family?: Family;
}

/** Options of {@link Netns.deleteRoute}. */
export interface DeleteRouteOptions {
  /** Succeed if there is no such route (instead of `ESRCH`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.routes}: `ip [-4|-6] route show [table T | table all]`. */
export interface RouteFilter {
  family?: Family;
  /** A table, or `'all'`; default `main`, as `ip route show`. */
  table?: RouteTable | 'all';
}

/** Options of {@link Netns.getRoute}: `ip route get ADDRESS [from SRC] [iif IFNAME] [oif IFNAME] [mark M]`. */
export interface GetRouteOptions {
  from?: string;
  iif?: string;
  oif?: string;
  mark?: number;
}

interface Resolved {
  family: Family;
  dst: IpPrefix | null;
  via: IpAddress | null;
  src: IpAddress | null;
  hops: { via: IpAddress | null; dev: string | undefined; weight: number }[];
}

const SPEC_KEYS = ['to', 'via', 'dev', 'metric', 'table', 'src', 'scope', 'protocol', 'type', 'mtu', 'nexthops', 'onlink', 'family'] as const;

function sameFamily(family: Family, a: IpAddress, what: string, dest: string): void {
  if (a.family !== family) throw new TypeError(`${what} ${a.text} is IPv${a.family}, but the route to ${dest} is IPv${family}`);
}

/** Validates a spec and settles its family; throws before anything is sent. @internal */
function resolveSpec(spec: RouteSpec): Resolved & { o: Partial<RouteSpec> } {
  const o = checkOptions(spec, 'route', SPEC_KEYS);
  if (o.to === undefined) throw new TypeError("route needs 'to': 'default' or a prefix such as 192.0.2.0/24");
  const dst = o.to === 'default' ? null : parsePrefix(o.to, 'to');
  const via = o.via === undefined ? null : parseAddress(o.via, 'via');
  const src = o.src === undefined ? null : parseAddress(o.src, 'src');
  if (o.family !== undefined && o.family !== 4 && o.family !== 6) throw new TypeError(`family must be 4 or 6, got ${showValue(o.family)}`);
  const hops = (o.nexthops ?? []).map((h, i) => {
    const hh = checkOptions(h, `nexthops[${i}]`, ['via', 'dev', 'weight']);
    return {
      via: hh.via === undefined ? null : parseAddress(hh.via, `nexthops[${i}].via`),
      dev: hh.dev === undefined ? undefined : checkIfname(hh.dev, `nexthops[${i}].dev`),
      weight: hh.weight === undefined ? 1 : checkInt(hh.weight, 1, 256, `nexthops[${i}].weight`),
    };
  });
  if (o.nexthops !== undefined && (!Array.isArray(o.nexthops) || hops.length === 0)) throw new TypeError('nexthops must be a non-empty array');
  if (hops.length > 0 && (via || o.dev !== undefined)) throw new TypeError('give either via/dev or nexthops, not both');
  const family: Family = o.family ?? dst?.family ?? via?.family ?? hops.find((h) => h.via)?.via?.family ?? src?.family ?? 4;
  const dest = String(o.to);
  if (dst) sameFamily(family, dst, 'to', dest);
  if (via) sameFamily(family, via, 'gateway', dest);
  if (src) sameFamily(family, src, 'src', dest);
  for (const h of hops) if (h.via) sameFamily(family, h.via, 'gateway', dest);
  if (o.dev !== undefined) checkIfname(o.dev, 'dev');
  return { o, family, dst, via, src, hops };
}

function routeCtx(host: LinkHost, op: string, spec: RouteSpec, r: Resolved): ErrorContext {
  const where = [spec.to, spec.via ? `via ${spec.via}` : '', spec.dev ? `dev ${spec.dev}` : ''].filter(Boolean).join(' ');
  return {
    op,
    object: { route: { ...spec }, netns: host.label },
    subject: `${where} in netns ${host.label}`,
    hints: {
      [EEXIST]: 'such a route already exists (use replaceRoute to change it)',
      [ESRCH]: 'no such route',
      [ENETUNREACH]: r.via ? `no route to gateway ${r.via.text}: no address or route in this namespace covers it` : 'network is unreachable',
      [EHOSTUNREACH]: r.via ? `gateway ${r.via.text} is not directly reachable${spec.dev ? ` on ${spec.dev}` : ''}` : 'host is unreachable',
      [ENODEV]: `no interface named ${spec.dev ?? spec.nexthops?.map((h) => h.dev).join(' or ') ?? ''} in netns ${host.label}`,
    },
  };
}

async function buildRoute(host: LinkHost, cmd: 'add' | 'replace' | 'delete', r: Resolved & { o: Partial<RouteSpec> }, ctx: Ctx): Promise<Buffer> {
  const { o } = r;
  const table = o.table === undefined ? C.RT_TABLE_MAIN : checkTable(o.table);
  const metric = o.metric === undefined ? undefined : checkInt(o.metric, 0, 0xffffffff, 'metric');
  const mtu = o.mtu === undefined ? undefined : checkMtu(o.mtu);
  const onlink = o.onlink === undefined ? false : checkBoolean(o.onlink, 'onlink');
  const type = o.type === undefined ? (cmd === 'delete' ? C.RTN_UNSPEC : C.RTN_UNICAST) : byName(TYPES, o.type, 'type', 255);
  const protocol = o.protocol === undefined ? (cmd === 'delete' ? C.RTPROT_UNSPEC : C.RTPROT_BOOT) : byName(PROTOCOLS, o.protocol, 'protocol', 255);
  let scope: number;
  if (o.scope !== undefined) scope = checkScope(o.scope);
  else if (type === C.RTN_LOCAL || type === C.RTN_NAT) scope = C.RT_SCOPE_HOST;
  else if (type === C.RTN_BROADCAST || type === C.RTN_MULTICAST || type === C.RTN_ANYCAST) scope = C.RT_SCOPE_LINK;
  else if (cmd === 'delete') scope = C.RT_SCOPE_NOWHERE;
  else if (!r.via && r.hops.length === 0 && (type === C.RTN_UNICAST || type === C.RTN_UNSPEC)) scope = C.RT_SCOPE_LINK;
  else scope = C.RT_SCOPE_UNIVERSE;

  const devs = [o.dev, ...r.hops.map((h) => h.dev)].filter((d): d is string => d !== undefined);
  const indexes = new Map<string, number>();
  await Promise.all([...new Set(devs)].map(async (d) => indexes.set(d, await resolveIndex(host, d, ctx))));

  const flags = C.NLM_F_REQUEST | C.NLM_F_ACK | (cmd === 'add' ? C.NLM_F_CREATE | C.NLM_F_EXCL : cmd === 'replace' ? C.NLM_F_CREATE | C.NLM_F_REPLACE : 0);
  const w = new MessageWriter(cmd === 'delete' ? C.RTM_DELROUTE : C.RTM_NEWROUTE, flags, 128);
  w.u8(afOf(r.family)).u8(r.dst?.prefixLength ?? 0).u8(0).u8(0);
  w.u8(table < 256 ? table : C.RT_TABLE_UNSPEC).u8(protocol).u8(scope).u8(type);
  w.u32(onlink ? C.RTNH_F_ONLINK : 0);
  w.putU32(C.RTA_TABLE, table);
  if (r.dst && r.dst.prefixLength > 0) w.putBytes(C.RTA_DST, r.dst.bytes);
  if (r.via) w.putBytes(C.RTA_GATEWAY, r.via.bytes);
  if (o.dev !== undefined) w.putU32(C.RTA_OIF, indexes.get(o.dev)!);
  if (metric !== undefined) w.putU32(C.RTA_PRIORITY, metric);
  if (r.src) w.putBytes(C.RTA_PREFSRC, r.src.bytes);
  if (mtu !== undefined) {
    const m = w.nestStart(C.RTA_METRICS);
    w.putU32(C.RTAX_MTU, mtu);
    w.nestEnd(m);
  }
  if (r.hops.length > 0) {
    const mp = w.nestStart(C.RTA_MULTIPATH);
    for (const h of r.hops) {
      // struct rtnexthop's length leads it, as an attribute's does: nestEnd sets it.
      const at = w.offset;
      w.u16(0).u8(onlink ? C.RTNH_F_ONLINK : 0).u8(h.weight - 1).i32(h.dev === undefined ? 0 : indexes.get(h.dev)!);
      if (h.via) w.putBytes(C.RTA_GATEWAY, h.via.bytes);
      w.nestEnd(at);
    }
    w.nestEnd(mp);
  }
  return w.finish();
}

/** `ip route add|replace TO ...`. @internal */
export async function addRoute(host: LinkHost, spec: RouteSpec, replace: boolean): Promise<void> {
  const r = resolveSpec(spec);
  const ctx: Ctx = () => routeCtx(host, replace ? 'replaceRoute' : 'addRoute', spec, r);
  const conn = await host.connection();
  await conn.request(await buildRoute(host, replace ? 'replace' : 'add', r, ctx), ctx);
}

/** `ip route del TO ...`. @internal */
export async function deleteRoute(host: LinkHost, spec: RouteSpec, options: DeleteRouteOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'deleteRoute options', ['missingOk']);
  const missingOk = o.missingOk === undefined ? false : checkBoolean(o.missingOk, 'missingOk');
  const r = resolveSpec(spec);
  const ctx: Ctx = () => routeCtx(host, 'deleteRoute', spec, r);
  const conn = await host.connection();
  try {
    await conn.request(await buildRoute(host, 'delete', r, ctx), ctx);
  } catch (e) {
    if (missingOk && (e as { errno?: number }).errno === ESRCH) return;
    throw e;
  }
}

function nameDevs(routes: Route[], name: (index: number) => string | null): Route[] {
  for (const r of routes) {
    if (r.oif !== null) r.dev = name(r.oif);
    for (const h of r.nexthops) h.dev = name(h.oif);
  }
  return routes;
}

/** `ip [-4|-6] route show [table T|all]`. @internal */
export async function routes(host: LinkHost, filter: RouteFilter | undefined): Promise<Route[]> {
  const f = checkOptions(filter, 'routes filter', ['family', 'table']);
  if (f.family !== undefined && f.family !== 4 && f.family !== 6) throw new TypeError(`family must be 4 or 6, got ${showValue(f.family)}`);
  const table = f.table === 'all' ? null : checkTable(f.table ?? 'main');
  const ctx: ErrorContext = { op: 'routes', object: { netns: host.label, ...(table === null ? {} : { table: tableName(table) }) }, subject: `in netns ${host.label}` };
  const conn = await host.connection();
  const families: Family[] = f.family === undefined ? [4, 6] : [f.family];
  const dump = async (family: Family): Promise<Route[]> => {
    const w = new MessageWriter(C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_DUMP, 48);
    w.u8(afOf(family)).u8(0).u8(0).u8(0).u8(table === null || table > 255 ? 0 : table).u8(0).u8(0).u8(0).u32(0);
    if (table !== null) w.putU32(C.RTA_TABLE, table);
    try {
      return await conn.dump(w.finish(), ctx, parseRoute);
    } catch (e) {
      // IPv4 answers ENOENT for a table with no route in it yet: that is an empty table.
      if (table !== null && (e as { errno?: number }).errno === ENOENT) return [];
      throw e;
    }
  };
  const lists = await Promise.all(families.map(dump));
  const all = lists.flat().filter((r) => table === null || r.table === tableName(table));
  return nameDevs(all, await linkNamer(host));
}

/** `ip route get ADDRESS [from SRC] [iif IFNAME] [oif IFNAME] [mark M]`: the route the kernel would use. @internal */
export async function getRoute(host: LinkHost, destination: string, options: GetRouteOptions | undefined): Promise<Route> {
  const o = checkOptions(options, 'getRoute options', ['from', 'iif', 'oif', 'mark']);
  const dst = parseAddress(destination, 'destination');
  const from = o.from === undefined ? null : parseAddress(o.from, 'from');
  if (from) sameFamily(dst.family, from, 'from', destination);
  const iif = o.iif === undefined ? undefined : checkIfname(o.iif, 'iif');
  const oif = o.oif === undefined ? undefined : checkIfname(o.oif, 'oif');
  const mark = o.mark === undefined ? undefined : checkInt(o.mark, 0, 0xffffffff, 'mark');
  const ctx: ErrorContext = {
    op: 'getRoute',
    object: { destination, netns: host.label },
    subject: `${destination} in netns ${host.label}`,
    hints: { [ENETUNREACH]: `no route to ${destination}`, [EINVAL]: 'the kernel refused the lookup' },
  };
  const conn = await host.connection();
  const [iifIndex, oifIndex] = await Promise.all([
    iif === undefined ? undefined : resolveIndex(host, iif, ctx),
    oif === undefined ? undefined : resolveIndex(host, oif, ctx),
  ]);
  const bits = dst.family === 4 ? 32 : 128;
  const w = new MessageWriter(C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_ACK, 96);
  w.u8(afOf(dst.family)).u8(bits).u8(from ? bits : 0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0);
  w.putBytes(C.RTA_DST, dst.bytes);
  if (from) w.putBytes(C.RTA_SRC, from.bytes);
  if (iifIndex !== undefined) w.putU32(C.RTA_IIF, iifIndex);
  if (oifIndex !== undefined) w.putU32(C.RTA_OIF, oifIndex);
  if (mark !== undefined) w.putU32(C.RTA_MARK, mark);
  const [found] = await conn.request(w.finish(), ctx, parseRoute);
  if (!found) throw new TypeError(`the kernel answered no route for ${destination}`);
  if (found.oif !== null) found.dev = (await linkNamer(host))(found.oif);
  return found;
}
