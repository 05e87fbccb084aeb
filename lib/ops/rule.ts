/**
 * Policy routing rule operations: add, delete, list and flush, with every selector and action
 * `ip rule` takes.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkByName, checkFamily, checkIfname, checkInt, checkName, checkOptions, checkTable, opt, showValue } from '../validate.js';
import { C } from '../wire/constants.js';
import { afOf, parsePrefix, type Family, type IpPrefix } from '../wire/ip.js';
import { PROTOCOLS, RULE_ACTIONS, TABLES, type RouteProtocol, type RouteTable, type RuleAction } from '../wire/names.js';
import { tableName } from '../wire/route.js';
import { encodeDumpRules, encodeRule, IP_PROTOCOLS, parseRule, type IpProtocol, type PortRange, type Rule, type RuleMessage, type UidRange } from '../wire/rule.js';

const { EEXIST, ENOENT, EINVAL } = constants.errno;

/** The highest port a rule's range may name: the kernel refuses 65535 (`end < 0xffff`). @internal */
export const RULE_PORT_MAX = 0xfffe;

/**
 * A rule to add or delete: `ip rule add|del [not] [from P] [to P] [tos T] [fwmark M[/K]]
 * [iif I] [oif O] [pref N] [l3mdev] [uidrange A-B] [ipproto P] [sport A[-B]] [dport A[-B]]
 * [lookup T | goto N | nop | blackhole | unreachable | prohibit] [suppress_prefixlength N]
 * [suppress_ifgroup G] [realms [S/]D] [protocol P]`. For a delete, what is given narrows the match.
 */
export interface RuleSpec {
  /** Source prefix to match. */
  from?: string;
  /** Destination prefix to match. */
  to?: string;
  /** Match what the selector does not (`not`). */
  invert?: boolean;
  /** The TOS (DS field) to match (`tos`): 0–252 with the two ECN bits 0; 0 (the default) matches any. */
  tos?: number;
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
  /** The IP protocol to match (`ipproto`): `tcp`, `udp`, `icmp`, `ipv6-icmp`, … or 0–255. */
  ipProto?: IpProtocol | number;
  /** The source port, or a range of them, to match (`sport`): 1–65534. */
  sport?: number | PortRange;
  /** The destination port, or a range of them, to match (`dport`): 1–65534. */
  dport?: number | PortRange;
  /** The user ids of the sockets to match (`uidrange A-B`). */
  uidRange?: UidRange;
  /** Look up the table of the VRF the packet's interface belongs to (`l3mdev`), instead of `table`. */
  l3mdev?: boolean;
  /** Refuse a lookup's result whose prefix is this long or shorter (`suppress_prefixlength`), e.g. 0 to skip default routes. */
  suppressPrefixLength?: number;
  /** Refuse a lookup's result whose device is in this group (`suppress_ifgroup`). */
  suppressIfgroup?: number;
  /** IPv4: the destination realm to set (`realms D`), 0–65535. */
  realm?: number;
  /** IPv4: the source realm to set (`realms S/D`), 0–65535. */
  sourceRealm?: number;
  /** Jump to the rule of this priority (`goto N`; the action `goto`); it must come after this one. */
  goto?: number;
  /** What to do on a match; default `table`, or `goto` when {@link RuleSpec.goto} is given. */
  action?: RuleAction;
  /** Who installs it (`protocol`): `static`, `boot`, … or 0–255; default 0 (`unspec`), as `ip rule add`. */
  protocol?: RouteProtocol | number;
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

/** A filter for {@link Netns.flushRules}: `ip [-4|-6] rule flush [protocol P]`. */
export interface FlushRulesFilter {
  /** Only IPv4 (4) or IPv6 (6) rules; default both. */
  family?: Family;
  /** Only rules of this protocol (`protocol`). */
  protocol?: RouteProtocol | number;
}

const RULE_KEYS = [
  'from', 'to', 'invert', 'tos', 'table', 'priority', 'iif', 'oif', 'fwmark', 'fwmask', 'ipProto', 'sport', 'dport', 'uidRange',
  'l3mdev', 'suppressPrefixLength', 'suppressIfgroup', 'realm', 'sourceRealm', 'goto', 'action', 'protocol', 'family',
] as const;

function checkPorts(v: unknown, what: string): PortRange {
  if (typeof v === 'number') {
    const p = checkInt(v, 1, RULE_PORT_MAX, what);
    return { start: p, end: p };
  }
  const o = checkOptions(v as PortRange, what, ['start', 'end']);
  if (o.start === undefined || o.end === undefined) throw new TypeError(`${what} must be a port or { start, end }, got ${showValue(v)}`);
  const start = checkInt(o.start, 1, RULE_PORT_MAX, `${what}.start`);
  const end = checkInt(o.end, 1, RULE_PORT_MAX, `${what}.end`);
  if (start > end) throw new RangeError(`${what} ${start}-${end} ends before it starts`);
  return { start, end };
}

function checkUids(v: unknown): UidRange {
  const o = checkOptions(v as UidRange, 'uidRange', ['start', 'end']);
  if (o.start === undefined || o.end === undefined) throw new TypeError(`uidRange must be { start, end }, got ${showValue(v)}`);
  // (uid_t)-1 is no uid.
  const start = checkInt(o.start, 0, 0xfffffffe, 'uidRange.start');
  const end = checkInt(o.end, 0, 0xfffffffe, 'uidRange.end');
  if (start > end) throw new RangeError(`uidRange ${start}-${end} ends before it starts`);
  return { start, end };
}

function checkTos(v: unknown): number {
  const n = checkInt(v, 0, 255, 'tos');
  if (n & 3) throw new RangeError(`tos ${n} (0x${n.toString(16)}) has ECN bits set: the two low bits must be 0`);
  return n;
}

function checkRule(spec: RuleSpec, add: boolean): { message: RuleMessage; ctx: (label: string) => ErrorContext } {
  const o = checkOptions(spec, 'rule', RULE_KEYS);
  const prefix = (v: unknown, what: string): IpPrefix | null => (v === undefined || v === 'all' ? null : parsePrefix(v, what));
  const from = prefix(o.from, 'from');
  const to = prefix(o.to, 'to');
  const family: Family = opt(o.family, checkFamily) ?? from?.family ?? to?.family ?? 4;
  for (const [p, what] of [[from, 'from'], [to, 'to']] as const) {
    if (p && p.family !== family) throw new TypeError(`${what} ${p.text} is IPv${p.family}, but the rule is IPv${family}`);
  }
  const goto = opt(o.goto, (v) => checkInt(v, 0, 0xffffffff, 'goto'));
  let action = opt(o.action, (v) => checkName(RULE_ACTIONS, v, 'action'));
  if (goto !== undefined) {
    if (action !== undefined && action !== C.FR_ACT_GOTO) throw new TypeError(`goto jumps to another rule: it takes no action ${showValue(o.action)}`);
    action = C.FR_ACT_GOTO;
  }
  if (add && action === C.FR_ACT_GOTO && goto === undefined) throw new TypeError("action 'goto' needs goto: the priority of the rule to jump to");
  // The kernel checks a goto of a delete as of an add, against the priority it would pick.
  if (!add && action === C.FR_ACT_GOTO && (goto === undefined || o.priority === undefined)) throw new TypeError('deleting a goto rule needs its goto and its priority: the kernel checks the jump of a delete too');
  const table = opt(o.table, checkTable);
  const l3mdev = opt(o.l3mdev, (v) => checkBoolean(v, 'l3mdev')) ?? false;
  if (l3mdev && table !== undefined) throw new TypeError('l3mdev looks up the table of the VRF: give no table with it');
  if (table !== undefined && action !== undefined && action !== C.FR_ACT_TO_TBL) throw new TypeError(`a rule with action ${showValue(o.action ?? 'goto')} looks up no table`);
  if (add && (action ?? C.FR_ACT_TO_TBL) === C.FR_ACT_TO_TBL && table === undefined && !l3mdev) throw new TypeError("a rule with action 'table' needs a table (or l3mdev)");
  const priority = opt(o.priority, (v) => checkInt(v, 0, 0xffffffff, 'priority'));
  if (goto !== undefined && priority !== undefined && goto <= priority) throw new RangeError(`goto ${goto} must be after the rule's own priority ${priority}: the kernel jumps forward only`);
  const ipv4Only = (what: string): void => {
    if (family !== 4) throw new TypeError(`${what} is for IPv4 rules; this rule is IPv6`);
  };
  const realm = opt(o.realm, (v) => {
    ipv4Only('realm');
    return checkInt(v, 0, 0xffff, 'realm');
  });
  const sourceRealm = opt(o.sourceRealm, (v) => {
    ipv4Only('sourceRealm');
    return checkInt(v, 0, 0xffff, 'sourceRealm');
  });
  const maxLen = family === 4 ? 32 : 128;
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
    invert: opt(o.invert, (v) => checkBoolean(v, 'invert')),
    tos: opt(o.tos, checkTos),
    goto,
    ipProto: opt(o.ipProto, (v) => checkByName(IP_PROTOCOLS, v, 'ipProto', 255)),
    sport: opt(o.sport, (v) => checkPorts(v, 'sport')),
    dport: opt(o.dport, (v) => checkPorts(v, 'dport')),
    uidRange: opt(o.uidRange, checkUids),
    suppressPrefixLength: opt(o.suppressPrefixLength, (v) => checkInt(v, 0, maxLen, 'suppressPrefixLength')),
    suppressIfgroup: opt(o.suppressIfgroup, (v) => checkInt(v, 0, 0xfffffffe, 'suppressIfgroup')),
    l3mdev,
    protocol: opt(o.protocol, (v) => checkByName(PROTOCOLS, v, 'protocol', 255)),
    flow: realm === undefined && sourceRealm === undefined ? undefined : (((sourceRealm ?? 0) << 16) | (realm ?? 0)) >>> 0,
  };
  const what = [
    message.invert ? 'not' : '',
    from ? `from ${from.text}` : 'from all',
    to ? `to ${to.text}` : '',
    table !== undefined ? `lookup ${tableName(table)}` : '',
    goto !== undefined ? `goto ${goto}` : '',
    priority !== undefined ? `pref ${priority}` : '',
  ]
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
  await unlessMissing(conn.change(encodeRule(false, message), ctx(h.label)), ENOENT, missingOk);
}

async function dumpRules(h: NsHandle, op: string, family: Family | undefined): Promise<Rule[]> {
  const conn = await h.connection(op);
  const families: Family[] = family === undefined ? [4, 6] : [family];
  const ctx: ErrorContext = { op, object: { netns: h.label }, subject: `in netns ${h.label}` };
  const lists = await Promise.all(families.map((fam) => conn.dump(encodeDumpRules(afOf(fam)), ctx, parseRule)));
  return lists.flat();
}

/** `ip [-4|-6] rule show`. @internal */
export async function rules(h: NsHandle, filter: RuleFilter | undefined): Promise<Rule[]> {
  const f = checkOptions(filter, 'rules filter', ['family']);
  return dumpRules(h, 'rules', opt(f.family, checkFamily));
}

/** The RTM_DELRULE that matches exactly this rule, as read: every selector and its action. */
function deletionOf(r: Rule): RuleMessage {
  const prefix = (p: string): { bytes: Buffer; prefixLength: number } | null => (p === 'all' ? null : parsePrefix(p));
  const table = r.table === null ? undefined : typeof r.table === 'number' ? r.table : TABLES[r.table];
  return {
    af: afOf(r.family),
    action: typeof r.action === 'number' ? r.action : RULE_ACTIONS[r.action],
    from: prefix(r.from),
    to: prefix(r.to),
    table,
    priority: r.priority,
    iif: r.iif ?? undefined,
    oif: r.oif ?? undefined,
    fwmark: r.fwmark ?? undefined,
    fwmask: r.fwmask ?? undefined,
    invert: r.invert,
    tos: r.tos,
    goto: r.goto ?? undefined,
    ipProto: r.ipProto === null ? undefined : typeof r.ipProto === 'number' ? r.ipProto : IP_PROTOCOLS[r.ipProto],
    sport: r.sport ?? undefined,
    dport: r.dport ?? undefined,
    uidRange: r.uidRange ?? undefined,
    suppressPrefixLength: r.suppressPrefixLength ?? undefined,
    suppressIfgroup: r.suppressIfgroup ?? undefined,
    l3mdev: r.l3mdev,
    protocol: typeof r.protocol === 'number' ? r.protocol : PROTOCOLS[r.protocol],
  };
}

/**
 * `ip [-4|-6] rule flush [protocol P]`: deletes every rule but those of priority 0 (the
 * `local` lookup), the defaults `main` and `default` too, as `ip rule flush` does, in one
 * batch; resolves with how many.
 * @internal
 */
export async function flushRules(h: NsHandle, filter: FlushRulesFilter | undefined): Promise<number> {
  const f = checkOptions(filter, 'flushRules filter', ['family', 'protocol']);
  const family = opt(f.family, checkFamily);
  const protocol = opt(f.protocol, (v) => checkByName(PROTOCOLS, v, 'protocol', 255));
  const found = (await dumpRules(h, 'flushRules', family)).filter(
    (r) => r.priority !== 0 && (protocol === undefined || (typeof r.protocol === 'number' ? r.protocol : PROTOCOLS[r.protocol]) === protocol),
  );
  const conn = await h.connection('flushRules');
  await Promise.all(
    found.map((r) => {
      const ctx: Ctx = () => ({ op: 'flushRules', object: { netns: h.label, priority: r.priority }, subject: `${r.toString().replace('\t', ' ')} in netns ${h.label}`, hints: { [EINVAL]: 'the kernel refused to delete this rule' } });
      return unlessMissing(conn.change(encodeRule(false, deletionOf(r)), ctx), ENOENT, true);
    }),
  );
  return found.length;
}
