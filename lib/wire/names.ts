/**
 * The names `ip` gives the kernel's numbers: operstates, link and address flags, scopes, route
 * types, protocols and tables, neighbour states, rule actions. One table each, read both ways.
 * @internal
 * @packageDocumentation
 */
import { C } from './constants.js';

/** A link's operational state (RFC 2863), as `ip link` prints it after `state`. */
export type OperState = 'UNKNOWN' | 'NOTPRESENT' | 'DOWN' | 'LOWERLAYERDOWN' | 'TESTING' | 'DORMANT' | 'UP';
/** An address's or route's scope, as `ip` prints it. */
export type Scope = 'global' | 'site' | 'link' | 'host' | 'nowhere';
/** A route's type, as `ip route` names it. */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';
/** Who installed a route, as `ip route` names it after `proto`. */
export type RouteProtocol = 'redirect' | 'kernel' | 'boot' | 'static' | 'ra' | 'dhcp';
/** A routing table: a number (1–2^32-1) or one of the named ones. */
export type RouteTable = number | 'main' | 'local' | 'default';
/** A neighbour entry's state, as `ip neigh` prints it. */
export type NeighborState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';
/** What a rule does when it matches. */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** @internal */
export const OPERSTATES: Readonly<Record<OperState, number>> = {
  UNKNOWN: C.IF_OPER_UNKNOWN,
  NOTPRESENT: C.IF_OPER_NOTPRESENT,
  DOWN: C.IF_OPER_DOWN,
  LOWERLAYERDOWN: C.IF_OPER_LOWERLAYERDOWN,
  TESTING: C.IF_OPER_TESTING,
  DORMANT: C.IF_OPER_DORMANT,
  UP: C.IF_OPER_UP,
};

/** `IFF_*` bits in the order `ip link` prints them between `<` and `>`. @internal */
export const LINK_FLAGS: readonly (readonly [number, string])[] = [
  [C.IFF_LOOPBACK, 'LOOPBACK'],
  [C.IFF_BROADCAST, 'BROADCAST'],
  [C.IFF_POINTOPOINT, 'POINTOPOINT'],
  [C.IFF_MULTICAST, 'MULTICAST'],
  [C.IFF_NOARP, 'NOARP'],
  [C.IFF_ALLMULTI, 'ALLMULTI'],
  [C.IFF_PROMISC, 'PROMISC'],
  [C.IFF_MASTER, 'MASTER'],
  [C.IFF_SLAVE, 'SLAVE'],
  [C.IFF_DEBUG, 'DEBUG'],
  [C.IFF_DYNAMIC, 'DYNAMIC'],
  [C.IFF_AUTOMEDIA, 'AUTOMEDIA'],
  [C.IFF_PORTSEL, 'PORTSEL'],
  [C.IFF_NOTRAILERS, 'NOTRAILERS'],
  [C.IFF_UP, 'UP'],
  [C.IFF_LOWER_UP, 'LOWER_UP'],
  [C.IFF_DORMANT, 'DORMANT'],
  [C.IFF_ECHO, 'ECHO'],
];

/** `IFA_F_*` bits as `ip addr` names them. @internal */
export const ADDR_FLAGS: readonly (readonly [number, string])[] = [
  [C.IFA_F_SECONDARY, 'secondary'],
  [C.IFA_F_NODAD, 'nodad'],
  [C.IFA_F_OPTIMISTIC, 'optimistic'],
  [C.IFA_F_DADFAILED, 'dadfailed'],
  [C.IFA_F_HOMEADDRESS, 'home'],
  [C.IFA_F_DEPRECATED, 'deprecated'],
  [C.IFA_F_TENTATIVE, 'tentative'],
  [C.IFA_F_PERMANENT, 'permanent'],
  [C.IFA_F_MANAGETEMPADDR, 'mngtmpaddr'],
  [C.IFA_F_NOPREFIXROUTE, 'noprefixroute'],
  [C.IFA_F_MCAUTOJOIN, 'autojoin'],
  [C.IFA_F_STABLE_PRIVACY, 'stable-privacy'],
];

/** @internal */
export const SCOPES: Readonly<Record<Scope, number>> = {
  global: C.RT_SCOPE_UNIVERSE,
  site: C.RT_SCOPE_SITE,
  link: C.RT_SCOPE_LINK,
  host: C.RT_SCOPE_HOST,
  nowhere: C.RT_SCOPE_NOWHERE,
};

/** @internal */
export const ROUTE_TYPES: Readonly<Record<RouteType, number>> = {
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

/** @internal */
export const PROTOCOLS: Readonly<Record<RouteProtocol, number>> = {
  redirect: C.RTPROT_REDIRECT,
  kernel: C.RTPROT_KERNEL,
  boot: C.RTPROT_BOOT,
  static: C.RTPROT_STATIC,
  ra: C.RTPROT_RA,
  dhcp: C.RTPROT_DHCP,
};

/** @internal */
export const TABLES: Readonly<Record<'main' | 'local' | 'default', number>> = {
  main: C.RT_TABLE_MAIN,
  local: C.RT_TABLE_LOCAL,
  default: C.RT_TABLE_DEFAULT,
};

/** `NUD_*` bits as `ip neigh` names them. @internal */
export const NEIGHBOR_STATES: readonly (readonly [number, NeighborState])[] = [
  [C.NUD_INCOMPLETE, 'INCOMPLETE'],
  [C.NUD_REACHABLE, 'REACHABLE'],
  [C.NUD_STALE, 'STALE'],
  [C.NUD_DELAY, 'DELAY'],
  [C.NUD_PROBE, 'PROBE'],
  [C.NUD_FAILED, 'FAILED'],
  [C.NUD_NOARP, 'NOARP'],
  [C.NUD_PERMANENT, 'PERMANENT'],
];

/** @internal */
export const RULE_ACTIONS: Readonly<Record<RuleAction, number>> = {
  table: C.FR_ACT_TO_TBL,
  goto: C.FR_ACT_GOTO,
  nop: C.FR_ACT_NOP,
  blackhole: C.FR_ACT_BLACKHOLE,
  unreachable: C.FR_ACT_UNREACHABLE,
  prohibit: C.FR_ACT_PROHIBIT,
};

const reverse = new WeakMap<object, Map<number, string>>();

/**
 * The name a number has in a `name → number` table (`{ bridge: 4, ... }`), or the number when
 * it has none: how the kernel's numeric modes, scopes and types are read back.
 * @internal
 */
export function nameOf<K extends string>(table: Readonly<Record<K, number>>, n: number): K | number {
  let names = reverse.get(table);
  if (!names) {
    names = new Map(Object.entries(table).map(([k, v]) => [v as number, k]));
    reverse.set(table, names);
  }
  return (names.get(n) as K | undefined) ?? n;
}

/** The names of the bits set in `bits`, in the table's order. @internal */
export function bitNames<N extends string>(table: readonly (readonly [number, N])[], bits: number): N[] {
  const out: N[] = [];
  for (const [bit, name] of table) if (bits & bit) out.push(name);
  return out;
}
