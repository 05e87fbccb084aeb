/**
 * Route operations: add, replace, change, append, delete, flush, list and look up, IPv4 and
 * IPv6. Every field of a spec is checked before anything is sent, including those the kernel
 * would check itself.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Connection } from '../connection.js';
import { attempt, unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkArray, checkBoolean, checkByName, checkFamily, checkIfname, checkInt, checkMtu, checkOptions, checkScope, checkTable, opt, showValue } from '../validate.js';
import { C } from '../wire/constants.js';
import { afOf, parseIp, parsePrefix, type Family, type IpAddress, type IpPrefix } from '../wire/ip.js';
import { PROTOCOLS, ROUTE_TYPES, type RouteProtocol, type RouteTable, type RouteType, type Scope } from '../wire/names.js';
import { encodeDumpRoutes, encodeGetRoute, encodeRoute, parseRoute, tableName, type Route, type RouteCommand, type RouteMessage } from '../wire/route.js';
import { linkNamer, resolveIndex, withIndexes } from './resolve.js';

const { ENETUNREACH, EHOSTUNREACH, ESRCH, EEXIST, ENODEV, ENOENT, EINVAL } = constants.errno;

/** A next hop of {@link RouteSpec.nexthops}: `nexthop via GW dev IFNAME weight W`. */
export interface NextHopSpec {
  /** The gateway, of the route's family; `'inet6 ADDR'` for an IPv6 gateway of an IPv4 route (`via inet6 ADDR`). */
  via?: string;
  /** The output interface. */
  dev?: string;
  /** 1–256; default 1. */
  weight?: number;
}

/**
 * A route to add, replace, change, append or delete: `ip route add|replace|change|append|del
 * TO [via GW] [dev IFNAME] ...`. For a delete, what is given narrows the match (as `ip route
 * del` does).
 */
export interface RouteSpec {
  /** `'default'` or a prefix: `192.0.2.0/24`, `2001:db8::/64`; a bare address is a host route. */
  to: string;
  /**
   * The gateway, of the destination's family. An IPv4 route may go via an IPv6 gateway (RTA_VIA),
   * asked for by naming the family as `ip` does: `'inet6 fe80::1'` (`via inet6 fe80::1`), usually
   * with `dev`; it reads back as {@link Route.gateway} `fe80::1` on an IPv4 route.
   */
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
  /** Lock the MTU (`mtu lock N`): path MTU discovery leaves it as it is. Needs `mtu`. */
  mtuLock?: boolean;
  /** IPv4: the destination realm, 0–65535 (`realm N`, RTA_FLOW), for realm-based classification. */
  realm?: number;
  /**
   * IPv4: the TOS (DS field) a packet must carry to take this route (`tos N`); 0 (the default)
   * matches any. The two ECN bits must be 0: 0–252 in steps of 4. A delete must name it too.
   */
  tos?: number;
  /** Several next hops (ECMP): `nexthop via A dev X weight 1 nexthop via B ...`. */
  nexthops?: NextHopSpec[];
  /** Take the gateway as on-link even if no address of the link covers it (`onlink`). */
  onlink?: boolean;
  /**
   * A nexthop object to use, by id (`nhid N`; {@link Netns.addNexthop} makes them): the route
   * then takes no `via`, `dev` or `nexthops` of its own, and follows the nexthop when it changes.
   */
  nhid?: number;
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
  /** Only IPv4 (4) or IPv6 (6) routes. */
  family?: Family;
  /** A table, or `'all'`; default `main`, as `ip route show`. */
  table?: RouteTable | 'all';
  /**
   * Only routes of this type (`ip route show type unicast`): the kernel leaves the others out
   * of the dump, so a namespace's `local`, `broadcast` and `multicast` routes are not even read.
   */
  type?: RouteType | number;
}

/** Options of {@link Netns.getRoute}: `ip route get [fibmatch] ADDRESS [from SRC] [iif IFNAME] [oif IFNAME] [mark M]`. */
export interface GetRouteOptions {
  /** The source address of the packet. */
  from?: string;
  /** The interface the packet comes in on. */
  iif?: string;
  /** The interface it must go out of. */
  oif?: string;
  /** The packet's firewall mark. */
  mark?: number;
  /**
   * The route as configured that the lookup matched (`fibmatch`: `203.0.113.0/24 via ...`),
   * instead of the resolved host route (`203.0.113.9/32`).
   */
  fibMatch?: boolean;
}

/** A filter for {@link Netns.flushRoutes}: `ip [-4|-6] route flush [table T] [dev IFNAME] [proto P]`. */
export interface FlushRoutesFilter {
  /**
   * The table, default `main`. `'all'` is every table but `local`: the kernel's own table of
   * local and broadcast routes is flushed only when asked for by name.
   */
  table?: RouteTable | 'all';
  /** Only routes out of this interface (their `dev`; multipath routes have none, as with `ip`). */
  dev?: string;
  /** Only routes of this protocol (`proto`): `boot`, `static`, `kernel`, ... or a number. */
  protocol?: RouteProtocol | number;
  /** Only IPv4 (4) or IPv6 (6) routes; default both. */
  family?: Family;
}

type Cmd = RouteCommand;

/** A gateway, and whether its family was named (`inet6 ADDR`), which allows RTA_VIA. */
interface Gateway extends IpAddress {
  named: boolean;
}

/** A spec, every value checked; only interface names remain to be resolved. */
interface Checked {
  spec: Partial<RouteSpec>;
  /** The message, its `oif` and `nexthops` filled in once the interfaces are resolved. */
  message: RouteMessage;
  dev: string | undefined;
  hops: { via: Gateway | null; dev: string | undefined; weight: number }[];
  via: Gateway | null;
}

const SPEC_KEYS = ['to', 'via', 'dev', 'metric', 'table', 'src', 'scope', 'protocol', 'type', 'mtu', 'mtuLock', 'realm', 'tos', 'nexthops', 'onlink', 'nhid', 'family'] as const;

function sameFamily(family: Family, a: IpAddress, what: string, dest: string): void {
  if (a.family !== family) throw new TypeError(`${what} ${a.text} is IPv${a.family}, but the route to ${dest} is IPv${family}`);
}

/** `ADDR`, or `inet6 ADDR` / `inet ADDR` as `ip route ... via` takes them. */
function parseGateway(v: unknown, what: string): Gateway {
  const named = typeof v === 'string' && v.startsWith('inet') ? /^(inet6?) +(.*)$/u.exec(v) : null;
  if (!named) return { ...parseIp(v, what), named: false };
  const a = parseIp(named[2], what);
  const want = named[1] === 'inet6' ? 6 : 4;
  if (a.family !== want) throw new TypeError(`${what} ${showValue(v)}: ${a.text} is not an IPv${want} address`);
  return { ...a, named: true };
}

/** A gateway of the route's family, or an IPv6 one named as such for an IPv4 route (RTA_VIA). */
function checkGateway(family: Family, g: Gateway, what: string, dest: string): void {
  if (g.family === family || (g.named && family === 4)) return;
  if (g.named) throw new TypeError(`${what} ${g.text} is IPv4, but the route to ${dest} is IPv6: the kernel takes no IPv4 gateway for an IPv6 route`);
  const hint = g.family === 6 ? ` (an IPv4 route via an IPv6 gateway is written 'inet6 ${g.text}')` : '';
  throw new TypeError(`${what} ${g.text} is IPv${g.family}, but the route to ${dest} is IPv${family}${hint}`);
}

function checkHop(h: unknown, i: number): Checked['hops'][number] {
  const hh = checkOptions(h as NextHopSpec, `nexthops[${i}]`, ['via', 'dev', 'weight']);
  return {
    via: opt(hh.via, (v) => parseGateway(v, `nexthops[${i}].via`)) ?? null,
    dev: opt(hh.dev, (v) => checkIfname(v, `nexthops[${i}].dev`)),
    weight: opt(hh.weight, (v) => checkInt(v, 1, 256, `nexthops[${i}].weight`)) ?? 1,
  };
}

/** `v`, if the route is IPv4: `what` is for IPv4 routes only. */
function ipv4Only(family: Family, what: string, dest: string, v: unknown): unknown {
  if (family !== 4) throw new TypeError(`${what} is for IPv4 routes; the route to ${dest} is IPv6`);
  return v;
}

const NO_HOPS: Checked['hops'] = [];
const NO_HOP_MESSAGES: NonNullable<RouteMessage['nexthops']> = [];

/** Checks every field of a spec and settles its family and defaults; throws before anything is sent. */
function checkSpec(spec: RouteSpec, cmd: Cmd): Checked {
  const o = checkOptions(spec, 'route', SPEC_KEYS);
  if (o.to === undefined) throw new TypeError("route needs 'to': 'default' or a prefix such as 192.0.2.0/24");
  const dst: IpPrefix | null = o.to === 'default' ? null : parsePrefix(o.to, 'to');
  const via = o.via === undefined ? null : parseGateway(o.via, 'via');
  const src = o.src === undefined ? null : parseIp(o.src, 'src');
  const hops = o.nexthops === undefined ? NO_HOPS : checkArray(o.nexthops, 'nexthops', checkHop);
  if (o.nexthops !== undefined && hops.length === 0) throw new TypeError('nexthops must be a non-empty array');
  if (hops.length > 0 && (via || o.dev !== undefined)) throw new TypeError('give either via/dev or nexthops, not both');
  const dev = o.dev === undefined ? undefined : checkIfname(o.dev, 'dev');
  const family: Family = opt(o.family, checkFamily) ?? dst?.family ?? via?.family ?? hops.find((h) => h.via)?.via?.family ?? src?.family ?? 4;
  const dest = String(o.to);
  if (dst) sameFamily(family, dst, 'to', dest);
  if (via) checkGateway(family, via, 'gateway', dest);
  if (src) sameFamily(family, src, 'src', dest);
  for (const h of hops) if (h.via) checkGateway(family, h.via, 'gateway', dest);

  const table = opt(o.table, checkTable) ?? C.RT_TABLE_MAIN;
  const metric = o.metric === undefined ? undefined : checkInt(o.metric, 0, 0xffffffff, 'metric');
  const mtu = opt(o.mtu, checkMtu);
  const mtuLock = o.mtuLock === undefined ? false : checkBoolean(o.mtuLock, 'mtuLock');
  if (mtuLock && mtu === undefined) throw new TypeError('mtuLock locks the mtu: give mtu too (mtu lock N)');
  const realm = o.realm === undefined ? undefined : checkInt(ipv4Only(family, 'realm', dest, o.realm), 0, 0xffff, 'realm');
  let tos: number | undefined;
  if (o.tos !== undefined) {
    tos = checkInt(ipv4Only(family, 'tos', dest, o.tos), 0, 255, 'tos');
    if (tos & 3) throw new RangeError(`tos ${tos} (0x${tos.toString(16)}) has ECN bits set: the two low bits must be 0`);
  }
  const onlink = o.onlink === undefined ? false : checkBoolean(o.onlink, 'onlink');
  const nhid = o.nhid === undefined ? undefined : checkInt(o.nhid, 1, 0xffffffff, 'nhid');
  if (nhid !== undefined && (via || dev !== undefined || hops.length > 0)) throw new TypeError('give either nhid or via/dev/nexthops: a route with a nexthop object takes its gateway and device from it');
  const type = o.type === undefined ? (cmd === 'delete' ? C.RTN_UNSPEC : C.RTN_UNICAST) : checkByName(ROUTE_TYPES, o.type, 'type', 255);
  const protocol = o.protocol === undefined ? (cmd === 'delete' ? C.RTPROT_UNSPEC : C.RTPROT_BOOT) : checkByName(PROTOCOLS, o.protocol, 'protocol', 255);
  let scope = opt(o.scope, checkScope);
  if (scope === undefined) {
    if (type === C.RTN_LOCAL || type === C.RTN_NAT) scope = C.RT_SCOPE_HOST;
    else if (type === C.RTN_BROADCAST || type === C.RTN_MULTICAST || type === C.RTN_ANYCAST) scope = C.RT_SCOPE_LINK;
    else if (cmd === 'delete') scope = C.RT_SCOPE_NOWHERE;
    else if (!via && hops.length === 0 && nhid === undefined && (type === C.RTN_UNICAST || type === C.RTN_UNSPEC)) scope = C.RT_SCOPE_LINK;
    else scope = C.RT_SCOPE_UNIVERSE;
  }
  return {
    spec: o,
    message: { af: afOf(family), dst, table, protocol, scope, type, onlink, via: via?.bytes ?? null, metric, prefsrc: src?.bytes ?? null, mtu, mtuLock, realm, tos, nhid, oif: undefined, nexthops: NO_HOP_MESSAGES },
    dev,
    hops,
    via,
  };
}

function routeCtx(h: NsHandle, op: string, spec: Partial<RouteSpec>, c: Checked): ErrorContext {
  const where = [spec.to, spec.via ? `via ${spec.via}` : '', spec.dev ? `dev ${spec.dev}` : ''].filter(Boolean).join(' ');
  return {
    op,
    object: { route: { ...spec }, netns: h.label },
    subject: `${where} in netns ${h.label}`,
    hints: {
      [EEXIST]: op === 'appendRoute' ? 'an identical route already exists' : 'such a route already exists (use replaceRoute to change it)',
      [ENOENT]: 'no such route to change (replaceRoute adds it if absent)',
      [ESRCH]: 'no such route',
      [ENETUNREACH]: c.via ? `no route to gateway ${c.via.text}: no address or route in this namespace covers it` : 'network is unreachable',
      [EHOSTUNREACH]: c.via ? `gateway ${c.via.text} is not directly reachable${spec.dev ? ` on ${spec.dev}` : ''}` : 'host is unreachable',
      [ENODEV]: `no interface named ${c.dev ?? c.hops.map((x) => x.dev).join(' or ')} in netns ${h.label}`,
    },
  };
}

/** The interfaces a spec names, each once: its `dev`, then its next hops'. */
function devsOf(c: Checked): string[] {
  const devs: string[] = c.dev === undefined ? [] : [c.dev];
  for (const x of c.hops) if (x.dev !== undefined && !devs.includes(x.dev)) devs.push(x.dev);
  return devs;
}

/** The request, once the spec's interfaces are resolved (`indexes` in the order of `devs`). */
function encode(cmd: Cmd, c: Checked, devs: readonly string[], indexes: readonly number[]): Buffer {
  const index = (d: string): number => indexes[devs.indexOf(d)]!;
  const m = c.message;
  if (c.dev !== undefined) m.oif = index(c.dev);
  if (c.hops.length > 0) m.nexthops = c.hops.map((x) => ({ via: x.via?.bytes ?? null, oif: x.dev === undefined ? 0 : index(x.dev), weight: x.weight }));
  return encodeRoute(cmd, m);
}

const ADD_OPS = { add: 'addRoute', replace: 'replaceRoute', change: 'changeRoute', append: 'appendRoute' } as const;

/**
 * Sends the route request once its interfaces are resolved: at once when they are known (no
 * promise made before it is queued), else a microtask later (see `withIndexes`).
 */
function sendRoute(h: NsHandle, op: string, cmd: Cmd, c: Checked, ctx: Ctx): Promise<void> {
  const devs = devsOf(c);
  return withIndexes(h, op, devs, ctx, (conn, indexes) => conn.change(encode(cmd, c, devs, indexes), ctx));
}

/** `ip route add|replace|change|append TO ...`. @internal */
export function addRoute(h: NsHandle, spec: RouteSpec, cmd: keyof typeof ADD_OPS): Promise<void> {
  // Bad input rejects the promise, before any syscall.
  return attempt(() => {
    const op = ADD_OPS[cmd];
    const c = checkSpec(spec, cmd);
    return sendRoute(h, op, cmd, c, () => routeCtx(h, op, c.spec, c));
  });
}

/** `ip route del TO ...`. @internal */
export function deleteRoute(h: NsHandle, spec: RouteSpec, options: DeleteRouteOptions | undefined): Promise<void> {
  return attempt(() => {
    const o = checkOptions(options, 'deleteRoute options', ['missingOk']);
    const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
    const c = checkSpec(spec, 'delete');
    return unlessMissing(sendRoute(h, 'deleteRoute', 'delete', c, () => routeCtx(h, 'deleteRoute', c.spec, c)), ESRCH, missingOk);
  });
}

/** Fills the interface names of routes and their next hops, by index. @internal */
export function nameDevs(routes: Route[], name: (index: number) => string | null): Route[] {
  for (const r of routes) {
    if (r.oif !== null) r.dev = name(r.oif);
    for (const x of r.nexthops) x.dev = name(x.oif);
  }
  return routes;
}

/** The routes of one table (null: all) and family (undefined: both), unnamed. */
async function dumpRoutes(conn: Connection, ctx: ErrorContext, family: Family | undefined, table: number | null, type = 0): Promise<Route[]> {
  const families: Family[] = family === undefined ? [4, 6] : [family];
  const dump = async (fam: Family): Promise<Route[]> => {
    try {
      return await conn.dump(encodeDumpRoutes(afOf(fam), table, type), ctx, parseRoute);
    } catch (e) {
      // IPv4 answers ENOENT for a table with no route in it yet: that is an empty table.
      if (table !== null && (e as { errno?: number }).errno === ENOENT) return [];
      throw e;
    }
  };
  const lists = await Promise.all(families.map(dump));
  return lists.flat().filter((r) => table === null || r.table === tableName(table));
}

function tableCtx(h: NsHandle, op: string, table: number | null): ErrorContext {
  return { op, object: { netns: h.label, ...(table === null ? {} : { table: tableName(table) }) }, subject: `in netns ${h.label}` };
}

/** `ip [-4|-6] route show [table T|all] [type T]`. @internal */
export async function routes(h: NsHandle, filter: RouteFilter | undefined): Promise<Route[]> {
  const f = checkOptions(filter, 'routes filter', ['family', 'table', 'type']);
  const family = opt(f.family, checkFamily);
  const table = f.table === 'all' ? null : checkTable(f.table ?? 'main');
  const type = opt(f.type, (v) => checkByName(ROUTE_TYPES, v, 'type', 255)) ?? 0;
  const ctx = tableCtx(h, 'routes', table);
  const conn = await h.connection('routes');
  return nameDevs(await dumpRoutes(conn, ctx, family, table, type), linkNamer(conn));
}

/**
 * The RTM_DELROUTE that removes exactly this route: its key (destination, TOS, table, metric),
 * type and protocol, and its gateway and device when it has one path.
 */
function deletionOf(r: Route): RouteMessage {
  const dst = r.to === 'default' ? null : parsePrefix(r.to);
  return {
    af: afOf(r.family),
    dst: dst && { bytes: dst.bytes, prefixLength: dst.prefixLength },
    table: checkTable(r.table),
    protocol: checkByName(PROTOCOLS, r.protocol, 'protocol', 255),
    scope: C.RT_SCOPE_NOWHERE,
    type: checkByName(ROUTE_TYPES, r.type, 'type', 255),
    onlink: false,
    tos: r.tos,
    // A route using a nexthop object matches by its id, never by the gateway it shows.
    via: r.gateway === null || r.nhid !== null ? null : parseIp(r.gateway).bytes,
    oif: r.nhid !== null ? undefined : (r.oif ?? undefined),
    nhid: r.nhid ?? undefined,
    metric: r.metric ?? undefined,
  };
}

/**
 * `ip [-4|-6] route flush [table T] [dev IFNAME] [proto P]`: reads the routes, then deletes
 * those that match in one batch; resolves with how many. @internal
 */
export async function flushRoutes(h: NsHandle, filter: FlushRoutesFilter | undefined): Promise<number> {
  const f = checkOptions(filter, 'flushRoutes filter', ['table', 'dev', 'protocol', 'family']);
  const family = opt(f.family, checkFamily);
  const table = f.table === 'all' ? null : checkTable(f.table ?? 'main');
  const dev = opt(f.dev, (v) => checkIfname(v, 'dev'));
  const protocol = opt(f.protocol, (v) => checkByName(PROTOCOLS, v, 'protocol', 255));
  const ctx: ErrorContext = { ...tableCtx(h, 'flushRoutes', table), hints: { [ENODEV]: `no interface named ${dev ?? ''} in netns ${h.label}` } };
  const conn = await h.connection('flushRoutes');
  const oif = dev === undefined ? undefined : await resolveIndex(conn, h.label, dev, ctx);
  const found = (await dumpRoutes(conn, ctx, family, table)).filter(
    (r) =>
      (table !== null || r.table !== 'local') &&
      (oif === undefined || r.oif === oif) &&
      (protocol === undefined || checkByName(PROTOCOLS, r.protocol, 'protocol', 255) === protocol),
  );
  nameDevs(found, linkNamer(conn));
  // One request each, all queued in this tick: they go to the kernel together. A route gone
  // meanwhile (an IPv6 multipath route goes with its first next hop) is no failure.
  await Promise.all(
    found.map((r) => {
      const rctx: Ctx = () => ({ ...ctx, object: { ...ctx.object, route: r.to }, subject: `${r.toString()} in netns ${h.label}` });
      return unlessMissing(conn.change(encodeRoute('delete', deletionOf(r)), rctx), ESRCH, true);
    }),
  );
  return found.length;
}

/** `ip route get [fibmatch] ADDRESS [from SRC] [iif IFNAME] [oif IFNAME] [mark M]`: the route the kernel would use. @internal */
export async function getRoute(h: NsHandle, destination: string, options: GetRouteOptions | undefined): Promise<Route> {
  const o = checkOptions(options, 'getRoute options', ['from', 'iif', 'oif', 'mark', 'fibMatch']);
  const dst = parseIp(destination, 'destination');
  const from = opt(o.from, (v) => parseIp(v, 'from')) ?? null;
  if (from) sameFamily(dst.family, from, 'from', destination);
  const iif = opt(o.iif, (v) => checkIfname(v, 'iif'));
  const oif = opt(o.oif, (v) => checkIfname(v, 'oif'));
  const mark = opt(o.mark, (v) => checkInt(v, 0, 0xffffffff, 'mark'));
  const fibMatch = opt(o.fibMatch, (v) => checkBoolean(v, 'fibMatch'));
  const ctx: ErrorContext = {
    op: 'getRoute',
    object: { destination, netns: h.label },
    subject: `${destination} in netns ${h.label}`,
    hints: { [ENETUNREACH]: `no route to ${destination}`, [EINVAL]: 'the kernel refused the lookup' },
  };
  const conn = await h.connection('getRoute');
  const [iifIndex, oifIndex] = await Promise.all([
    iif === undefined ? undefined : resolveIndex(conn, h.label, iif, ctx),
    oif === undefined ? undefined : resolveIndex(conn, h.label, oif, ctx),
  ]);
  const msg = encodeGetRoute({ af: afOf(dst.family), dst: dst.bytes, from: from?.bytes ?? null, iif: iifIndex, oif: oifIndex, mark, fibMatch });
  const [found] = await conn.request(msg, ctx, parseRoute);
  if (!found) throw new TypeError(`the kernel answered no route for ${destination}`);
  return nameDevs([found], linkNamer(conn))[0]!;
}
