/**
 * Policy routing rules on the wire: the typed {@link Rule} parsed from RTM_NEWRULE, and the
 * RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE requests.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readString, readU32 } from './attr.js';
import { C, FIB_RULE_HDR_LEN } from './constants.js';
import { formatAddress, type Family } from './ip.js';
import { nameOf, RULE_ACTIONS, type RouteTable, type RuleAction } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';
import { tableName } from './route.js';

/** A policy routing rule, as `ip rule show` prints it, typed. A snapshot. */
export class Rule extends KernelObject {
  /** 4 or 6. */
  family: Family = 4;
  /** Its priority (`pref`). */
  priority = 0;
  /** The source prefix it matches (`from`), or `'all'`. */
  from = 'all';
  /** The destination prefix it matches (`to`), or `'all'`. */
  to = 'all';
  /** The table it looks up (`lookup`): `main`, `local`, `default` or a number; null if its action is not `table`. */
  table: RouteTable | null = null;
  /** The input interface it matches (`iif`), or null. */
  iif: string | null = null;
  /** The output interface it matches (`oif`), or null. */
  oif: string | null = null;
  /** The firewall mark it matches, or null. */
  fwmark: number | null = null;
  /** The mask applied to the mark before matching, or null. */
  fwmask: number | null = null;
  /** What it does. */
  action: RuleAction | number = 'table';

  /** The object as `ip` prints it on one line, e.g. in `ip monitor`. */
  override toString(): string {
    const parts = [`${this.priority}:`, `from ${this.from}`];
    if (this.to !== 'all') parts.push(`to ${this.to}`);
    if (this.iif) parts.push(`iif ${this.iif}`);
    if (this.oif) parts.push(`oif ${this.oif}`);
    if (this.fwmark !== null) parts.push(`fwmark 0x${this.fwmark.toString(16)}`);
    parts.push(this.action === 'table' ? `lookup ${this.table}` : String(this.action));
    return `${parts.join(' ')}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Rule <${this.toString()}>`;
  }
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
  let table = buf[m.start + 4]!;
  r.action = nameOf(RULE_ACTIONS, buf[m.start + 7]!);
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
      default:
        break; // kept: Rule.attribute() reads any attribute
    }
  });
  r.table = r.action === 'table' ? tableName(table) : null;
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
}

/** RTM_NEWRULE (`ip rule add`) or RTM_DELRULE (`ip rule del`). @internal */
export function encodeRule(add: boolean, r: RuleMessage): Buffer {
  const w = new MessageWriter(add ? C.RTM_NEWRULE : C.RTM_DELRULE, C.NLM_F_REQUEST | C.NLM_F_ACK | (add ? C.NLM_F_CREATE | C.NLM_F_EXCL : 0), 96);
  w.u8(r.af).u8(r.to?.prefixLength ?? 0).u8(r.from?.prefixLength ?? 0).u8(0);
  w.u8(r.table !== undefined && r.table < 256 ? r.table : 0).u8(0).u8(0).u8(r.action).u32(0);
  if (r.table !== undefined) w.putU32(C.FRA_TABLE, r.table);
  if (r.priority !== undefined) w.putU32(C.FRA_PRIORITY, r.priority);
  if (r.from) w.putBytes(C.FRA_SRC, r.from.bytes);
  if (r.to) w.putBytes(C.FRA_DST, r.to.bytes);
  if (r.iif !== undefined) w.putStrz(C.FRA_IIFNAME, r.iif);
  if (r.oif !== undefined) w.putStrz(C.FRA_OIFNAME, r.oif);
  if (r.fwmark !== undefined) w.putU32(C.FRA_FWMARK, r.fwmark);
  if (r.fwmask !== undefined) w.putU32(C.FRA_FWMASK, r.fwmask);
  return w.finish();
}

/** RTM_GETRULE dump of one family. @internal */
export function encodeDumpRules(af: number): Buffer {
  const w = new MessageWriter(C.RTM_GETRULE, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  w.u8(af).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0);
  return w.finish();
}
