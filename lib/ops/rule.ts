/**
 * Policy routing rule operations: add, delete, list.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkFamily, checkIfname, checkInt, checkName, checkOptions, checkTable, opt } from '../validate.js';
import { C } from '../wire/constants.js';
import { afOf, parsePrefix, type Family, type IpPrefix } from '../wire/ip.js';
import { RULE_ACTIONS, type RouteTable, type RuleAction } from '../wire/names.js';
import { tableName } from '../wire/route.js';
import { encodeDumpRules, encodeRule, parseRule, type Rule, type RuleMessage } from '../wire/rule.js';

const { EEXIST, ENOENT } = constants.errno;

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
  /** The input interface to match. */
  iif?: string;
  /** The output interface to match. */
  oif?: string;
  /** The firewall mark to match. */
  fwmark?: number;
  /** The mask applied to the mark before matching. */
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

/** A filter for {@link Netns.rules}: `ip [-4|-6] rule show`. */
export interface RuleFilter {
  /** Only IPv4 (4) or IPv6 (6) rules. */
  family?: Family;
}

const RULE_KEYS = ['from', 'to', 'table', 'priority', 'iif', 'oif', 'fwmark', 'fwmask', 'action', 'family'] as const;

function checkRule(spec: RuleSpec, add: boolean): { message: RuleMessage; ctx: (label: string) => ErrorContext } {
  const o = checkOptions(spec, 'rule', RULE_KEYS);
  const prefix = (v: unknown, what: string): IpPrefix | null => (v === undefined || v === 'all' ? null : parsePrefix(v, what));
  const from = prefix(o.from, 'from');
  const to = prefix(o.to, 'to');
  const family: Family = opt(o.family, checkFamily) ?? from?.family ?? to?.family ?? 4;
  for (const [p, what] of [[from, 'from'], [to, 'to']] as const) {
    if (p && p.family !== family) throw new TypeError(`${what} ${p.text} is IPv${p.family}, but the rule is IPv${family}`);
  }
  const action = opt(o.action, (v) => checkName(RULE_ACTIONS, v, 'action'));
  const table = opt(o.table, checkTable);
  if (add && (action ?? C.FR_ACT_TO_TBL) === C.FR_ACT_TO_TBL && table === undefined) throw new TypeError("a rule with action 'table' needs a table");
  const priority = opt(o.priority, (v) => checkInt(v, 0, 0xffffffff, 'priority'));
  const message: RuleMessage = {
    af: afOf(family),
    // A delete without an action matches any.
    action: action ?? (add ? C.FR_ACT_TO_TBL : 0),
    from,
    to,
    table,
    priority,
    iif: opt(o.iif, (v) => checkIfname(v, 'iif')),
    oif: opt(o.oif, (v) => checkIfname(v, 'oif')),
    fwmark: opt(o.fwmark, (v) => checkInt(v, 0, 0xffffffff, 'fwmark')),
    fwmask: opt(o.fwmask, (v) => checkInt(v, 0, 0xffffffff, 'fwmask')),
  };
  const what = [from ? `from ${from.text}` : 'from all', to ? `to ${to.text}` : '', table !== undefined ? `lookup ${tableName(table)}` : '', priority !== undefined ? `pref ${priority}` : '']
    .filter(Boolean)
    .join(' ');
  return {
    message,
    ctx: (label) => ({
      op: add ? 'addRule' : 'deleteRule',
      object: { rule: { ...o }, netns: label },
      subject: `${what} in netns ${label}`,
      hints: { [EEXIST]: 'such a rule already exists', [ENOENT]: 'no such rule' },
    }),
  };
}

/** `ip rule add ...`. @internal */
export async function addRule(h: NsHandle, spec: RuleSpec): Promise<void> {
  const { message, ctx } = checkRule(spec, true);
  const conn = await h.connection('addRule');
  await conn.request(encodeRule(true, message), ctx(h.label));
}

/** `ip rule del ...`. @internal */
export async function deleteRule(h: NsHandle, spec: RuleSpec, options: DeleteRuleOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'deleteRule options', ['missingOk']);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const { message, ctx } = checkRule(spec, false);
  const conn = await h.connection('deleteRule');
  await unlessMissing(conn.request(encodeRule(false, message), ctx(h.label)), ENOENT, missingOk);
}

/** `ip [-4|-6] rule show`. @internal */
export async function rules(h: NsHandle, filter: RuleFilter | undefined): Promise<Rule[]> {
  const f = checkOptions(filter, 'rules filter', ['family']);
  const family = opt(f.family, checkFamily);
  const conn = await h.connection('rules');
  const families: Family[] = family === undefined ? [4, 6] : [family];
  const ctx: ErrorContext = { op: 'rules', object: { netns: h.label }, subject: `in netns ${h.label}` };
  const lists = await Promise.all(families.map((fam) => conn.dump(encodeDumpRules(afOf(fam)), ctx, parseRule)));
  return lists.flat();
}
