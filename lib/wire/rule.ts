/**
 * Policy routing rules on the wire: the typed {@link Rule} parsed from RTM_NEWRULE, and the
 * RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE requests, with every selector and action `ip rule` takes.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readString, readU16, readU32 } from './attr.js';
import { C, FIB_RULE_HDR_LEN } from './constants.js';
import { formatAddress, type Family } from './ip.js';
import { nameOf, PROTOCOLS, RULE_ACTIONS, type RouteProtocol, type RouteTable, type RuleAction } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';
import { tableName } from './route.js';


/** An IP protocol as `ip rule ... ipproto` names it (the names of /etc/protocols). */
export type IpProtocol =
  | 'icmp' | 'igmp' | 'ipencap' | 'tcp' | 'egp' | 'udp' | 'dccp' | 'ipv6' | 'rsvp' | 'gre' | 'esp' | 'ah'
  | 'ipv6-icmp' | 'ospf' | 'ipip' | 'pim' | 'vrrp' | 'l2tp' | 'sctp' | 'udplite';

/** @internal */
export const IP_PROTOCOLS: Readonly<Record<IpProtocol, number>> = {
  icmp: 1, igmp: 2, ipencap: 4, tcp: 6, egp: 8, udp: 17, dccp: 33, ipv6: 41, rsvp: 46, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, ospf: 89, ipip: 94, pim: 103, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136,
};

/** A range of ports, both ends included: `sport 1000-2000` is `{ start: 1000, end: 2000 }`. */
export interface PortRange {
  /** The first port of the range. */
  start: number;
  /** The last port of the range (equal to `start` for a single port). */
  end: number;
}

/** A range of user ids, both ends included: `uidrange 100-200`. */
export interface UidRange {
  /** The first uid of the range. */
  start: number;
  /** The last uid of the range. */
  end: number;
}

/** The DS field names of iproute2's rt_dsfield, as `ip rule` prints a TOS. */
const DSFIELD_NAMES = new Map<number, string>([
  [0x28, 'AF11'], [0x30, 'AF12'], [0x38, 'AF13'], [0x48, 'AF21'], [0x50, 'AF22'], [0x58, 'AF23'],
  [0x68, 'AF31'], [0x70, 'AF32'], [0x78, 'AF33'], [0x88, 'AF41'], [0x90, 'AF42'], [0x98, 'AF43'],
  [0x20, 'CS1'], [0x40, 'CS2'], [0x60, 'CS3'], [0x80, 'CS4'], [0xa0, 'CS5'], [0xc0, 'CS6'], [0xe0, 'CS7'], [0xb8, 'EF'],
]);

function showRange(r: PortRange | UidRange): string {
  return r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`;
}

/** A policy routing rule, as `ip rule show` prints it, typed. A snapshot. */
export class Rule extends KernelObject {
  /** 4 or 6. */
  family: Family = 4;
  /** Its priority (`pref`). */
  priority = 0;
  /** The selector is negated (`not`): the action applies to what does not match. */
  invert = false;
  /** The source prefix it matches (`from`), or `'all'`. */
  from = 'all';
  /** The destination prefix it matches (`to`), or `'all'`. */
  to = 'all';
  /** The TOS (DS field) it matches (`tos`), 0 for any. */
  tos = 0;
  /** The table it looks up (`lookup`): `main`, `local`, `default` or a number; null if its action is not `table` or it is `l3mdev`. */
  table: RouteTable | null = null;
  /** The input interface it matches (`iif`), or null. */
  iif: string | null = null;
  /** The output interface it matches (`oif`), or null. */
  oif: string | null = null;
  /** The firewall mark it matches, or null. */
  fwmark: number | null = null;
  /** The mask applied to the mark before matching, or null. */
  fwmask: number | null = null;
  /** The IP protocol it matches (`ipproto`): a name, or a number without one; null for any. */
  ipProto: IpProtocol | number | null = null;
  /** The source ports it matches (`sport`), or null. */
  sport: PortRange | null = null;
  /** The destination ports it matches (`dport`), or null. */
  dport: PortRange | null = null;
  /** The user ids of the sockets it matches (`uidrange`), or null. */
  uidRange: UidRange | null = null;
  /** It looks up the table of the VRF the packet's interface belongs to (`l3mdev`). */
  l3mdev = false;
  /** A lookup's result is refused if its prefix is this long or shorter (`suppress_prefixlength`), or null. */
  suppressPrefixLength: number | null = null;
  /** A lookup's result is refused if its device is in this group (`suppress_ifgroup`), or null. */
  suppressIfgroup: number | null = null;
  /** IPv4: the destination realm it sets (`realms [S/]D`), or null. */
  realm: number | null = null;
  /** IPv4: the source realm it sets (`realms S/D`), or null. */
  sourceRealm: number | null = null;
  /** For the action `goto`: the priority of the rule it jumps to (`goto N`), else null. */
  goto: number | null = null;
  /** What it does. */
  action: RuleAction | number = 'table';
  /** Who installed it (`proto`): `kernel` for the three defaults, 0 (`unspec`) if not said. */
  protocol: RouteProtocol | number = 0;
  /** The raw `FIB_RULE_*` flags. */
  flags = 0;

  /** A `goto` whose target rule does not exist (`[unresolved]`). */
  get unresolved(): boolean {
    return (this.flags & C.FIB_RULE_UNRESOLVED) !== 0;
  }
  /** Its `iif` names no existing interface (`iif X [detached]`). */
  get iifDetached(): boolean {
    return (this.flags & C.FIB_RULE_IIF_DETACHED) !== 0;
  }
  /** Its `oif` names no existing interface (`oif X [detached]`). */
  get oifDetached(): boolean {
    return (this.flags & C.FIB_RULE_OIF_DETACHED) !== 0;
  }

  /** The object as `ip rule show` prints it on one line. */
  override toString(): string {
    const parts: string[] = [];
    if (this.invert) parts.push('not');
    parts.push(`from ${this.from}`);
    if (this.to !== 'all') parts.push(`to ${this.to}`);
    if (this.tos !== 0) parts.push(`tos ${DSFIELD_NAMES.get(this.tos) ?? `0x${this.tos.toString(16).padStart(2, '0')}`}`);
    if (this.fwmark || this.fwmask) {
      const mask = this.fwmask ?? 0xffffffff;
      parts.push(mask === 0xffffffff ? `fwmark 0x${(this.fwmark ?? 0).toString(16)}` : `fwmark 0x${(this.fwmark ?? 0).toString(16)}/0x${mask.toString(16)}`);
    }
    if (this.iif) parts.push(`iif ${this.iif}${this.iifDetached ? ' [detached]' : ''}`);
    if (this.oif) parts.push(`oif ${this.oif}${this.oifDetached ? ' [detached]' : ''}`);
    if (this.l3mdev) parts.push('lookup [l3mdev-table]');
    if (this.uidRange) parts.push(`uidrange ${this.uidRange.start}-${this.uidRange.end}`);
    if (this.ipProto !== null) parts.push(`ipproto ${typeof this.ipProto === 'number' ? `ipproto-${this.ipProto}` : this.ipProto}`);
    if (this.sport) parts.push(`sport ${showRange(this.sport)}`);
    if (this.dport) parts.push(`dport ${showRange(this.dport)}`);
    if (this.table !== null) {
      parts.push(`lookup ${this.table}`);
      if (this.suppressPrefixLength !== null) parts.push(`suppress_prefixlength ${this.suppressPrefixLength}`);
      if (this.suppressIfgroup !== null) parts.push(`suppress_ifgroup ${this.suppressIfgroup}`);
    }
    if (this.realm !== null) parts.push(`realms ${this.sourceRealm ? `${this.sourceRealm}/` : ''}${this.realm}`);
    if (this.action === 'goto') parts.push(`goto ${this.goto ?? 'none'}${this.unresolved ? ' [unresolved]' : ''}`);
    else if (this.action !== 'table') parts.push(String(this.action));
    if (this.protocol !== 0 && this.protocol !== 'kernel') parts.push(`proto ${this.protocol}`);
    return `${this.priority}:\t${parts.join(' ')}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Rule <${this.toString().replace('\t', ' ')}>`;
  }
}

/** A suppressor's "none" (-1 as a u32). */
const UNSET = 0xffffffff;

function readRange(buf: Buffer, s: number, e: number, wide: boolean): PortRange | null {
  if (wide) return e - s >= 8 ? { start: readU32(buf, s), end: readU32(buf, s + 4) } : null;
  return e - s >= 4 ? { start: readU16(buf, s), end: readU16(buf, s + 2) } : null;
}

/** Reads an RTM_NEWRULE message; other messages give undefined. @internal */
export function parseRule(m: RawMessage): Rule | undefined {
  if (m.type !== C.RTM_NEWRULE || m.end - m.start < FIB_RULE_HDR_LEN) return undefined;
  const buf = m.buf;
  const af = buf[m.start]!;
  if (af !== C.AF_INET && af !== C.AF_INET6) return undefined;
  const r = new Rule(buf, m.start + FIB_RULE_HDR_LEN, m.end);
  r.family = af === C.AF_INET6 ? 6 : 4;
  const dstLen = buf[m.start + 1]!;
  const srcLen = buf[m.start + 2]!;
  r.tos = buf[m.start + 3]!;
  let table = buf[m.start + 4]!;
  r.action = nameOf(RULE_ACTIONS, buf[m.start + 7]!);
  r.flags = readU32(buf, m.start + 8);
  r.invert = (r.flags & C.FIB_RULE_INVERT) !== 0;
  eachAttr(buf, m.start + FIB_RULE_HDR_LEN, m.end, (type, s, e) => {
    switch (type) {
      case C.FRA_SRC:
        r.from = `${formatAddress(buf, s, e)}/${srcLen}`;
        break;
      case C.FRA_DST:
        r.to = `${formatAddress(buf, s, e)}/${dstLen}`;
        break;
      case C.FRA_PRIORITY:
        if (e - s >= 4) r.priority = readU32(buf, s);
        break;
      case C.FRA_TABLE:
        if (e - s >= 4) table = readU32(buf, s);
        break;
      case C.FRA_IIFNAME:
        r.iif = readString(buf, s, e);
        break;
      case C.FRA_OIFNAME:
        r.oif = readString(buf, s, e);
        break;
      case C.FRA_FWMARK:
        if (e - s >= 4) r.fwmark = readU32(buf, s);
        break;
      case C.FRA_FWMASK:
        if (e - s >= 4) r.fwmask = readU32(buf, s);
        break;
      case C.FRA_GOTO:
        if (e - s >= 4) r.goto = readU32(buf, s);
        break;
      case C.FRA_PROTOCOL:
        if (e > s) r.protocol = nameOf(PROTOCOLS, buf[s]!);
        break;
      case C.FRA_FLOW:
        if (e - s >= 4) {
          const flow = readU32(buf, s);
          r.realm = flow & 0xffff;
          r.sourceRealm = flow >>> 16;
        }
        break;
      // Both come as -1 when unset (the kernel always sends the prefix length).
      case C.FRA_SUPPRESS_IFGROUP:
        if (e - s >= 4 && readU32(buf, s) !== UNSET) r.suppressIfgroup = readU32(buf, s);
        break;
      case C.FRA_SUPPRESS_PREFIXLEN:
        if (e - s >= 4 && readU32(buf, s) !== UNSET) r.suppressPrefixLength = readU32(buf, s);
        break;
      case C.FRA_L3MDEV:
        if (e > s) r.l3mdev = buf[s] !== 0;
        break;
      case C.FRA_UID_RANGE:
        r.uidRange = readRange(buf, s, e, true);
        break;
      case C.FRA_IP_PROTO:
        if (e > s) r.ipProto = nameOf(IP_PROTOCOLS, buf[s]!);
        break;
      case C.FRA_SPORT_RANGE:
        r.sport = readRange(buf, s, e, false);
        break;
      case C.FRA_DPORT_RANGE:
        r.dport = readRange(buf, s, e, false);
        break;
      default:
        break; // kept: Rule.attribute() reads any attribute
    }
  });
  r.table = r.action === 'table' && !r.l3mdev ? tableName(table) : null;
  return r;
}

/** One rule in a request, checked. @internal */
export interface RuleMessage {
  af: number;
  /** FR_ACT_*; 0 in a delete matches any action. */
  action: number;
  from?: { bytes: Buffer; prefixLength: number } | null;
  to?: { bytes: Buffer; prefixLength: number } | null;
  table?: number;
  priority?: number;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  /** FIB_RULE_INVERT. */
  invert?: boolean;
  /** fib_rule_hdr.tos. */
  tos?: number;
  /** FRA_GOTO: the target's priority. */
  goto?: number;
  ipProto?: number;
  sport?: PortRange;
  dport?: PortRange;
  uidRange?: UidRange;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  l3mdev?: boolean;
  protocol?: number;
  /** FRA_FLOW: the source realm in the high 16 bits, the destination realm in the low. */
  flow?: number;
}

/** RTM_NEWRULE (`ip rule add`) or RTM_DELRULE (`ip rule del`). @internal */
export function encodeRule(add: boolean, r: RuleMessage): Buffer {
  const w = new MessageWriter(add ? C.RTM_NEWRULE : C.RTM_DELRULE, C.NLM_F_REQUEST | C.NLM_F_ACK | (add ? C.NLM_F_CREATE | C.NLM_F_EXCL : 0), 96);
  w.u8(r.af).u8(r.to?.prefixLength ?? 0).u8(r.from?.prefixLength ?? 0).u8(r.tos ?? 0);
  w.u8(r.table !== undefined && r.table < 256 ? r.table : 0).u8(0).u8(0).u8(r.action).u32(r.invert ? C.FIB_RULE_INVERT : 0);
  if (r.table !== undefined) w.putU32(C.FRA_TABLE, r.table);
  if (r.priority !== undefined) w.putU32(C.FRA_PRIORITY, r.priority);
  if (r.from) w.putBytes(C.FRA_SRC, r.from.bytes);
  if (r.to) w.putBytes(C.FRA_DST, r.to.bytes);
  if (r.iif !== undefined) w.putStrz(C.FRA_IIFNAME, r.iif);
  if (r.oif !== undefined) w.putStrz(C.FRA_OIFNAME, r.oif);
  if (r.fwmark !== undefined) w.putU32(C.FRA_FWMARK, r.fwmark);
  if (r.fwmask !== undefined) w.putU32(C.FRA_FWMASK, r.fwmask);
  if (r.goto !== undefined) w.putU32(C.FRA_GOTO, r.goto);
  if (r.l3mdev) w.putU8(C.FRA_L3MDEV, 1);
  if (r.ipProto !== undefined) w.putU8(C.FRA_IP_PROTO, r.ipProto);
  if (r.sport) putRange(w, C.FRA_SPORT_RANGE, r.sport, false);
  if (r.dport) putRange(w, C.FRA_DPORT_RANGE, r.dport, false);
  if (r.uidRange) putRange(w, C.FRA_UID_RANGE, r.uidRange, true);
  if (r.suppressPrefixLength !== undefined) w.putU32(C.FRA_SUPPRESS_PREFIXLEN, r.suppressPrefixLength);
  if (r.suppressIfgroup !== undefined) w.putU32(C.FRA_SUPPRESS_IFGROUP, r.suppressIfgroup);
  if (r.flow !== undefined) w.putU32(C.FRA_FLOW, r.flow);
  if (r.protocol !== undefined) w.putU8(C.FRA_PROTOCOL, r.protocol);
  return w.finish();
}

/** `struct fib_rule_port_range` (u16s) or `struct fib_rule_uid_range` (u32s): start, end, in host byte order. */
function putRange(w: MessageWriter, type: number, r: PortRange | UidRange, wide: boolean): void {
  const at = w.nestStart(type);
  if (wide) w.u32(r.start).u32(r.end);
  else w.u16(r.start).u16(r.end);
  w.nestEnd(at);
}

/** RTM_GETRULE dump of one family. @internal */
export function encodeDumpRules(af: number): Buffer {
  const w = new MessageWriter(C.RTM_GETRULE, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  w.u8(af).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0);
  return w.finish();
}
