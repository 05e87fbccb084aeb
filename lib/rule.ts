/**
 * Policy routing rules: the typed {@link Rule} and the requests that add, delete and list them.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readString, readU32, type RawMessage } from './attr.js';
import { C, FIB_RULE_HDR_LEN } from './constants.js';
import type { ErrorContext } from './errors.js';
import { afOf, formatAddress, parsePrefix, type Family, type IpPrefix } from './ip.js';
import type { LinkHost } from './link.js';
import { checkTable, tableName, type RouteTable } from './route.js';
import { checkBoolean, checkIfname, checkInt, checkOptions, nameOf, showValue } from './validate.js';

const { EEXIST, ENOENT } = constants.errno;

/** What a rule does when it matches. */
export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

const ACTIONS: Readonly<Record<RuleAction, number>> = {
  table: C.FR_ACT_TO_TBL,
  goto: C.FR_ACT_GOTO,
  nop: C.FR_ACT_NOP,
  blackhole: C.FR_ACT_BLACKHOLE,
  unreachable: C.FR_ACT_UNREACHABLE,
  prohibit: C.FR_ACT_PROHIBIT,
};

/** A policy routing rule, as `ip rule show` prints it, typed. A snapshot. */
export class Rule {
  family: Family = 4;
  /** Its priority (`pref`). */
  priority = 0;
  /** The source prefix it matches (`from`), or `'all'`. */
  from = 'all';
  /** The destination prefix it matches (`to`), or `'all'`. */
  to = 'all';
  /** The table it looks up (`lookup`): `main`, `local`, `default` or a number; null if its action is not `table`. */
  table: RouteTable | null = null;
  /** The input and output interfaces it matches (`iif`, `oif`), or null. */
  iif: string | null = null;
  oif: string | null = null;
  /** The firewall mark and mask it matches, or null. */
  fwmark: number | null = null;
  fwmask: number | null = null;
  /** What it does. */
  action: RuleAction | number = 'table';

  /** @internal */
  [inspect.custom](): string {
    const parts = [`${this.priority}:`, `from ${this.from}`];
    if (this.to !== 'all') parts.push(`to ${this.to}`);
    if (this.iif) parts.push(`iif ${this.iif}`);
    if (this.oif) parts.push(`oif ${this.oif}`);
    if (this.fwmark !== null) parts.push(`fwmark 0x${this.fwmark.toString(16)}`);
    parts.push(this.action === 'table' ? `lookup ${this.table}` : String(this.action));
    return `Rule <${parts.join(' ')}>`;
  }
}

/** Reads an RTM_NEWRULE message; other messages give undefined. @internal */
export function parseRule(m: RawMessage): Rule | undefined {
  if (m.type !== C.RTM_NEWRULE || m.end - m.start < FIB_RULE_HDR_LEN) return undefined;
  const buf = m.buf;
  const af = buf[m.start]!;
  if (af !== C.AF_INET && af !== C.AF_INET6) return undefined;
  const r = new Rule();
  r.family = af === C.AF_INET6 ? 6 : 4;
  const dstLen = buf[m.start + 1]!;
  const srcLen = buf[m.start + 2]!;
  let table = buf[m.start + 4]!;
  const action = buf[m.start + 7]!;
  r.action = nameOf(ACTIONS, action);
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
        break;
    }
  });
  r.table = r.action === 'table' ? tableName(table) : null;
  return r;
}

/** A rule to add or delete: `ip rule add|del [from P] [to P] [iif I] [oif O] [fwmark M[/K]] [pref N] lookup T`. */
export interface RuleSpec {
  /** Source prefix to match. */
  from?: string;
  /** Destination prefix to match. */
  to?: string;
  /** The table to look up (for the default action `table`). */
  table?: RouteTable;
  /** Priority; the kernel picks one below the lowest existing if left out (on add). */
  priority?: number;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  /** What to do on a match; default `table` (or `goto`/`nop`/`blackhole`/`unreachable`/`prohibit`). */
  action?: RuleAction;
  /** 4 or 6 when no prefix says; default 4. */
  family?: Family;
}

/** Options of {@link Netns.deleteRule}. */
export interface DeleteRuleOptions {
  /** Succeed if there is no such rule (instead of `ENOENT`). */
  missingOk?: boolean;
}

const RULE_KEYS = ['from', 'to', 'table', 'priority', 'iif', 'oif', 'fwmark', 'fwmask', 'action', 'family'] as const;

function buildRule(spec: RuleSpec, add: boolean): { msg: Buffer; ctx: (label: string) => ErrorContext } {
  const o = checkOptions(spec, 'rule', RULE_KEYS);
  const from: IpPrefix | null = o.from === undefined || o.from === 'all' ? null : parsePrefix(o.from, 'from');
  const to: IpPrefix | null = o.to === undefined || o.to === 'all' ? null : parsePrefix(o.to, 'to');
  if (o.family !== undefined && o.family !== 4 && o.family !== 6) throw new TypeError(`family must be 4 or 6, got ${showValue(o.family)}`);
  const family: Family = o.family ?? from?.family ?? to?.family ?? 4;
  for (const [p, what] of [[from, 'from'], [to, 'to']] as const) {
    if (p && p.family !== family) throw new TypeError(`${what} ${p.text} is IPv${p.family}, but the rule is IPv${family}`);
  }
  const action = o.action === undefined ? C.FR_ACT_TO_TBL : Object.hasOwn(ACTIONS, o.action) ? ACTIONS[o.action] : undefined;
  if (action === undefined) throw new TypeError(`action must be one of ${Object.keys(ACTIONS).join(', ')}, got ${showValue(o.action)}`);
  const table = o.table === undefined ? undefined : checkTable(o.table);
  if (add && action === C.FR_ACT_TO_TBL && table === undefined) throw new TypeError("a rule with action 'table' needs a table");
  const priority = o.priority === undefined ? undefined : checkInt(o.priority, 0, 0xffffffff, 'priority');
  const iif = o.iif === undefined ? undefined : checkIfname(o.iif, 'iif');
  const oif = o.oif === undefined ? undefined : checkIfname(o.oif, 'oif');
  const fwmark = o.fwmark === undefined ? undefined : checkInt(o.fwmark, 0, 0xffffffff, 'fwmark');
  const fwmask = o.fwmask === undefined ? undefined : checkInt(o.fwmask, 0, 0xffffffff, 'fwmask');

  const w = new MessageWriter(add ? C.RTM_NEWRULE : C.RTM_DELRULE, C.NLM_F_REQUEST | C.NLM_F_ACK | (add ? C.NLM_F_CREATE | C.NLM_F_EXCL : 0), 96);
  w.u8(afOf(family)).u8(to?.prefixLength ?? 0).u8(from?.prefixLength ?? 0).u8(0);
  w.u8(table !== undefined && table < 256 ? table : 0).u8(0).u8(0).u8(o.action === undefined && !add ? 0 : action).u32(0);
  if (table !== undefined) w.putU32(C.FRA_TABLE, table);
  if (priority !== undefined) w.putU32(C.FRA_PRIORITY, priority);
  if (from) w.putBytes(C.FRA_SRC, from.bytes);
  if (to) w.putBytes(C.FRA_DST, to.bytes);
  if (iif !== undefined) w.putStrz(C.FRA_IIFNAME, iif);
  if (oif !== undefined) w.putStrz(C.FRA_OIFNAME, oif);
  if (fwmark !== undefined) w.putU32(C.FRA_FWMARK, fwmark);
  if (fwmask !== undefined) w.putU32(C.FRA_FWMASK, fwmask);
  const what = [from ? `from ${from.text}` : 'from all', to ? `to ${to.text}` : '', table !== undefined ? `lookup ${tableName(table)}` : '', priority !== undefined ? `pref ${priority}` : '']
    .filter(Boolean)
    .join(' ');
  return {
    msg: w.finish(),
    ctx: (label) => ({
      op: add ? 'addRule' : 'deleteRule',
      object: { rule: { ...spec }, netns: label },
      subject: `${what} in netns ${label}`,
      hints: { [EEXIST]: 'such a rule already exists', [ENOENT]: 'no such rule' },
    }),
  };
}

/** `ip rule add ...`. @internal */
export async function addRule(host: LinkHost, spec: RuleSpec): Promise<void> {
  const { msg, ctx } = buildRule(spec, true);
  await (await host.connection()).request(msg, ctx(host.label));
}

/** `ip rule del ...`. @internal */
export async function deleteRule(host: LinkHost, spec: RuleSpec, options: DeleteRuleOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'deleteRule options', ['missingOk']);
  const missingOk = o.missingOk === undefined ? false : checkBoolean(o.missingOk, 'missingOk');
  const { msg, ctx } = buildRule(spec, false);
  try {
    await (await host.connection()).request(msg, ctx(host.label));
  } catch (e) {
    if (missingOk && (e as { errno?: number }).errno === ENOENT) return;
    throw e;
  }
}

/** `ip [-4|-6] rule show`. @internal */
export async function rules(host: LinkHost, filter: { family?: Family } | undefined): Promise<Rule[]> {
  const f = checkOptions(filter, 'rules filter', ['family']);
  if (f.family !== undefined && f.family !== 4 && f.family !== 6) throw new TypeError(`family must be 4 or 6, got ${showValue(f.family)}`);
  const conn = await host.connection();
  const families: Family[] = f.family === undefined ? [4, 6] : [f.family];
  const lists = await Promise.all(
    families.map((family) => {
      const w = new MessageWriter(C.RTM_GETRULE, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
      w.u8(afOf(family)).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0);
      return conn.dump(w.finish(), { op: 'rules', object: { netns: host.label }, subject: `in netns ${host.label}` }, parseRule);
    }),
  );
  return lists.flat();
}
