/**
 * Nexthop objects on the wire: the typed {@link Nexthop} parsed from RTM_NEWNEXTHOP, and the
 * RTM_NEWNEXTHOP / RTM_DELNEXTHOP / RTM_GETNEXTHOP requests (`ip nexthop`), gateways, devices,
 * blackholes and groups, hash-threshold or resilient.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readU16, readU32, readU64 } from './attr.js';
import { C } from './constants.js';
import { formatAddress, type Family } from './ip.js';
import { nameOf, PROTOCOLS, SCOPES, type RouteProtocol, type Scope } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';


/** Size of `struct nhmsg`. @internal */
export const NHMSG_LEN = 8;
/** Size of `struct nexthop_grp`. @internal */
export const NEXTHOP_GRP_LEN = 8;
/** `USER_HZ`: the resilient group timers travel as clock_t, in hundredths of a second. @internal */
export const USER_HZ = 100;

/** A group's type: `mpath` (hash-threshold, the default) or `resilient` (`type resilient`). */
export type NexthopGroupType = 'mpath' | 'resilient';

/** @internal */
export const GROUP_TYPES: Readonly<Record<NexthopGroupType, number>> = {
  mpath: C.NEXTHOP_GRP_TYPE_MPATH,
  resilient: C.NEXTHOP_GRP_TYPE_RES,
};

/** One member of a nexthop group: `group ID[,WEIGHT]/...`. */
export interface NexthopGroupMember {
  /** The member nexthop's id. */
  id: number;
  /** Its weight, 1–65536 (the default 1); above 256 needs Linux 6.12. */
  weight: number;
}

/** A resilient group's settings: `type resilient buckets N idle_timer S unbalanced_timer S`. */
export interface ResilientSettings {
  /** How many hash buckets the group spreads flows over. */
  buckets: number;
  /** Seconds a bucket must be idle before it may move to another member. */
  idleTimer: number;
  /** Seconds the group may stay unbalanced before buckets move even if not idle; 0: never. */
  unbalancedTimer: number;
  /** Seconds the group has been unbalanced (read only; `unbalanced_time`). */
  unbalancedTime: number;
}

/** A nexthop object, as `ip nexthop show` prints it, typed. A snapshot. */
export class Nexthop extends KernelObject {
  /** Its id (`id N`), by which routes use it (`nhid N`) and groups list it. */
  id = 0;
  /** 4 or 6 for a single nexthop; null for a group (the kernel's AF_UNSPEC). */
  family: Family | null = null;
  /** The gateway (`via`), or null. */
  gateway: string | null = null;
  /** The output interface's name (`dev`), or null. */
  dev: string | null = null;
  /** The output interface's index, or null. */
  oif: number | null = null;
  /** Packets sent to it are dropped (`blackhole`). */
  blackhole = false;
  /** A nexthop for bridge FDB entries (`fdb`): VXLAN remotes, not routes. */
  fdb = false;
  /** The members of a group (`group 1/2,3`); empty for a single nexthop. */
  group: NexthopGroupMember[] = [];
  /** A group's type; null for a single nexthop. */
  groupType: NexthopGroupType | number | null = null;
  /** A resilient group's settings, or null. */
  resilient: ResilientSettings | null = null;
  /** Who installed it (`proto`): `static`, … or a number; 0 (`unspec`, what `ip nexthop add` sends) by default. */
  protocol: RouteProtocol | number = 0;
  /** Its scope: `link` for a gateway, `host` for a device alone, else `global`. */
  scope: Scope | number = 'global';
  /** The raw `RTNH_F_*` flags. */
  flags = 0;

  /** The gateway is taken as on-link (`onlink`). */
  get onlink(): boolean {
    return (this.flags & C.RTNH_F_ONLINK) !== 0;
  }
  /** Its device is down (`dead`). */
  get dead(): boolean {
    return (this.flags & C.RTNH_F_DEAD) !== 0;
  }
  /** Its device has no carrier (`linkdown`). */
  get linkdown(): boolean {
    return (this.flags & C.RTNH_F_LINKDOWN) !== 0;
  }

  /** The object as `ip nexthop show` prints it on one line. */
  override toString(): string {
    const parts = [`id ${this.id}`];
    if (this.group.length > 0) parts.push(`group ${this.group.map((m) => (m.weight === 1 ? `${m.id}` : `${m.id},${m.weight}`)).join('/')}`);
    if (this.groupType !== null && this.groupType !== 'mpath') parts.push(`type ${this.groupType}`);
    const r = this.resilient;
    if (r) parts.push(`buckets ${r.buckets} idle_timer ${r.idleTimer} unbalanced_timer ${r.unbalancedTimer} unbalanced_time ${r.unbalancedTime}`);
    if (this.gateway) parts.push(`via ${this.gateway}`);
    if (this.dev ?? this.oif) parts.push(`dev ${this.dev ?? this.oif}`);
    if (this.scope !== 'global') parts.push(`scope ${this.scope}`);
    if (this.blackhole) parts.push('blackhole');
    if (this.protocol !== 0) parts.push(`proto ${this.protocol}`);
    for (const [bit, name] of FLAG_NAMES) if (this.flags & bit) parts.push(name);
    if (this.fdb) parts.push('fdb');
    return parts.join(' ');
  }

  /** @internal */
  [inspect.custom](): string {
    return `Nexthop <${this.toString()}>`;
  }
}

/** `RTNH_F_*` as `ip nexthop` prints them, in its order. */
const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [C.RTNH_F_DEAD, 'dead'],
  [C.RTNH_F_ONLINK, 'onlink'],
  [C.RTNH_F_PERVASIVE, 'pervasive'],
  [C.RTNH_F_OFFLOAD, 'offload'],
  [C.RTNH_F_TRAP, 'trap'],
  [C.RTNH_F_LINKDOWN, 'linkdown'],
  [C.RTNH_F_UNRESOLVED, 'unresolved'],
];

function readGroup(buf: Buffer, s: number, e: number): NexthopGroupMember[] {
  const out: NexthopGroupMember[] = [];
  for (let at = s; at + NEXTHOP_GRP_LEN <= e; at += NEXTHOP_GRP_LEN) {
    // weight - 1 in the low byte; weight_high (Linux 6.12) above it, 0 before.
    out.push({ id: readU32(buf, at), weight: ((buf[at + 5]! << 8) | buf[at + 4]!) + 1 });
  }
  return out;
}

function readResilient(buf: Buffer, s: number, e: number): ResilientSettings {
  const r: ResilientSettings = { buckets: 0, idleTimer: 0, unbalancedTimer: 0, unbalancedTime: 0 };
  eachAttr(buf, s, e, (t, as, ae) => {
    if (t === C.NHA_RES_GROUP_BUCKETS && ae - as >= 2) r.buckets = readU16(buf, as);
    else if (t === C.NHA_RES_GROUP_IDLE_TIMER && ae - as >= 4) r.idleTimer = readU32(buf, as) / USER_HZ;
    else if (t === C.NHA_RES_GROUP_UNBALANCED_TIMER && ae - as >= 4) r.unbalancedTimer = readU32(buf, as) / USER_HZ;
    else if (t === C.NHA_RES_GROUP_UNBALANCED_TIME && ae - as >= 8) r.unbalancedTime = readU64(buf, as) / USER_HZ;
  });
  return r;
}

/** Reads an RTM_NEWNEXTHOP message; other messages give undefined. @internal */
export function parseNexthop(m: RawMessage): Nexthop | undefined {
  if (m.type !== C.RTM_NEWNEXTHOP || m.end - m.start < NHMSG_LEN) return undefined;
  const buf = m.buf;
  const n = new Nexthop(buf, m.start + NHMSG_LEN, m.end);
  const af = buf[m.start]!;
  n.family = af === C.AF_INET ? 4 : af === C.AF_INET6 ? 6 : null;
  n.scope = nameOf(SCOPES, buf[m.start + 1]!);
  n.protocol = nameOf(PROTOCOLS, buf[m.start + 2]!);
  n.flags = readU32(buf, m.start + 4);
  eachAttr(buf, m.start + NHMSG_LEN, m.end, (type, s, e) => {
    switch (type) {
      case C.NHA_ID:
        if (e - s >= 4) n.id = readU32(buf, s);
        break;
      case C.NHA_GROUP:
        n.group = readGroup(buf, s, e);
        break;
      case C.NHA_GROUP_TYPE:
        if (e - s >= 2) n.groupType = nameOf(GROUP_TYPES, readU16(buf, s));
        break;
      case C.NHA_BLACKHOLE:
        n.blackhole = true;
        break;
      case C.NHA_OIF:
        if (e - s >= 4) n.oif = readU32(buf, s);
        break;
      case C.NHA_GATEWAY:
        n.gateway = formatAddress(buf, s, e);
        break;
      case C.NHA_FDB:
        n.fdb = true;
        break;
      case C.NHA_RES_GROUP:
        n.resilient = readResilient(buf, s, e);
        break;
      default:
        break; // kept: Nexthop.attribute() reads any attribute
    }
  });
  if (n.group.length > 0 && n.groupType === null) n.groupType = 'mpath';
  return n;
}

/** One nexthop in a request, checked and resolved. @internal */
export interface NexthopMessage {
  /** AF_INET, AF_INET6, or AF_UNSPEC for a group. */
  af: number;
  /** 0 or absent: the kernel picks one. */
  id?: number;
  protocol: number;
  /** `RTNH_F_ONLINK` or 0. */
  flags: number;
  group?: readonly NexthopGroupMember[];
  groupType?: number;
  /** The resilient group's settings to send, in seconds. */
  resilient?: { buckets?: number; idleTimer?: number; unbalancedTimer?: number };
  blackhole?: boolean;
  gateway?: Buffer | null;
  oif?: number;
  fdb?: boolean;
}

function nhmsg(w: MessageWriter, af: number, protocol: number, flags: number): void {
  w.u8(af).u8(0).u8(protocol).u8(0).u32(flags);
}

/**
 * RTM_NEWNEXTHOP: `ip nexthop add|replace`, its attributes in the order `ip` sends them. With
 * `echo`, the kernel answers with the nexthop as made (NLM_F_ECHO): how an id it picked is learnt.
 * @internal
 */
export function encodeNexthop(replace: boolean, n: NexthopMessage, echo = false): Buffer {
  const flags = C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (replace ? C.NLM_F_REPLACE : C.NLM_F_EXCL) | (echo ? C.NLM_F_ECHO : 0);
  const w = new MessageWriter(C.RTM_NEWNEXTHOP, flags, 96);
  nhmsg(w, n.af, n.protocol, n.flags);
  if (n.id) w.putU32(C.NHA_ID, n.id);
  if (n.group && n.group.length > 0) {
    const at = w.nestStart(C.NHA_GROUP);
    for (const m of n.group) w.u32(m.id).u8((m.weight - 1) & 0xff).u8((m.weight - 1) >> 8).u16(0);
    w.nestEnd(at);
  }
  if (n.resilient) {
    const at = w.nestStart(C.NHA_RES_GROUP | C.NLA_F_NESTED);
    const r = n.resilient;
    if (r.buckets !== undefined) w.putU16(C.NHA_RES_GROUP_BUCKETS, r.buckets);
    if (r.idleTimer !== undefined) w.putU32(C.NHA_RES_GROUP_IDLE_TIMER, Math.round(r.idleTimer * USER_HZ));
    if (r.unbalancedTimer !== undefined) w.putU32(C.NHA_RES_GROUP_UNBALANCED_TIMER, Math.round(r.unbalancedTimer * USER_HZ));
    w.nestEnd(at);
  }
  if (n.groupType !== undefined) w.putU16(C.NHA_GROUP_TYPE, n.groupType);
  if (n.blackhole) w.putBytes(C.NHA_BLACKHOLE, Buffer.alloc(0));
  if (n.gateway) w.putBytes(C.NHA_GATEWAY, n.gateway);
  if (n.oif !== undefined) w.putU32(C.NHA_OIF, n.oif);
  if (n.fdb) w.putBytes(C.NHA_FDB, Buffer.alloc(0));
  return w.finish();
}

/** RTM_DELNEXTHOP: `ip nexthop del id ID`. @internal */
export function encodeDelNexthop(id: number): Buffer {
  const w = new MessageWriter(C.RTM_DELNEXTHOP, C.NLM_F_REQUEST | C.NLM_F_ACK, 32);
  nhmsg(w, C.AF_UNSPEC, 0, 0);
  w.putU32(C.NHA_ID, id);
  return w.finish();
}

/** RTM_GETNEXTHOP for one id: `ip nexthop get id ID`. @internal */
export function encodeGetNexthop(id: number): Buffer {
  const w = new MessageWriter(C.RTM_GETNEXTHOP, C.NLM_F_REQUEST | C.NLM_F_ACK, 32);
  nhmsg(w, C.AF_UNSPEC, 0, 0);
  w.putU32(C.NHA_ID, id);
  return w.finish();
}

/** What a nexthop dump asks the kernel to filter on: `ip nexthop show [dev D] [groups] [fdb]`. @internal */
export interface NexthopDumpFilter {
  af: number;
  oif?: number;
  groups?: boolean;
  fdb?: boolean;
}

/** RTM_GETNEXTHOP dump: `ip [-4|-6] nexthop show ...`. @internal */
export function encodeDumpNexthops(f: NexthopDumpFilter): Buffer {
  const w = new MessageWriter(C.RTM_GETNEXTHOP, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  nhmsg(w, f.af, 0, 0);
  if (f.oif !== undefined) w.putU32(C.NHA_OIF, f.oif);
  if (f.groups) w.putBytes(C.NHA_GROUPS, Buffer.alloc(0));
  if (f.fdb) w.putBytes(C.NHA_FDB, Buffer.alloc(0));
  return w.finish();
}
