/**
 * NAT operations: masquerade and port forwards in the table `inet netns_link`, made, listed and
 * deleted over nf_tables netlink.
 *
 * Calls made in the same tick on one namespace form one nf_tables transaction: the library
 * reads the table's rules and the ruleset's generation once, checks every call against them
 * (a duplicate add is `EEXIST`, a delete of nothing `ENOENT`), and sends one batch that the
 * kernel applies only if nothing changed since that generation (else it is read and tried
 * again). If the kernel refuses a batch of several calls, nothing of it was applied, and each
 * call is tried again in a batch of its own, so one bad call fails alone.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Connection } from '../connection.js';
import { contextError, withHints, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkArray, checkBoolean, checkIfname, checkInt, checkName, checkOptions, opt } from '../validate.js';
import { C } from '../wire/constants.js';
import { formatAddress, networkOf, parseIp, parsePrefix } from '../wire/ip.js';
import {
  forwardChains, forwardExprs, masqueradeExprs, NAT_CHAINS, NAT_TABLE, natKey, parseNatRule,
  type ForwardRule, type ForwardSpec, type ForwardWire, type MasqueradeRule, type MasqueradeSpec, type MasqueradeWire, type NatChain, type NatProtocol, type NatRule,
} from '../wire/nat.js';
import type { KernelError } from '../wire/netlink.js';
import { batchMarker, encodeDelRule, encodeDelTable, encodeDumpRules, encodeGetGen, encodeNewChain, encodeNewRule, encodeNewTable, parseGen, parseRule, type NftRule } from '../wire/nft.js';

const { EEXIST, ENOENT, EIO, EPROTONOSUPPORT, EOPNOTSUPP } = constants.errno;
const ERESTART = C.ERESTART;

/** Options of {@link Netns.deleteMasquerade} and {@link Netns.deleteForward}. */
export interface DeleteNatOptions {
  /** Succeed if there is no such rule (instead of `ENOENT`). */
  missingOk?: boolean;
}

export type { ForwardRule, ForwardSpec, MasqueradeRule, MasqueradeSpec, NatProtocol, NatRule };

const PROTOCOLS: Readonly<Record<NatProtocol, number>> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP };
/** How often a transaction is read and tried again when the ruleset changed under it. */
const RESTARTS = 8;
/** The largest batch sent at once; a larger set of calls goes in several (each call whole). */
const BATCH_BYTES = 1 << 20;

const HINTS = {
  [EPROTONOSUPPORT]: 'the kernel has no nf_tables (CONFIG_NF_TABLES)',
  [EOPNOTSUPP]: 'the kernel refused an nf_tables expression: is NAT (CONFIG_NFT_NAT, CONFIG_NFT_MASQ, CONFIG_NFT_FIB_INET) built?',
};

// --- Input --------------------------------------------------------------------------------

/** At most this many destinations left alone in one masquerade. */
const NOT_TO_MAX = 16;

function checkMasquerade(spec: MasqueradeSpec): { wire: MasqueradeWire; rule: MasqueradeRule } {
  const o = checkOptions(spec, 'masquerade', ['from', 'out', 'notTo']);
  if (o.from === undefined) throw new TypeError('masquerade needs from: the source prefix, like 192.0.2.0/24');
  const from = networkOf(parsePrefix(o.from, 'from'));
  const out = opt(o.out, (v) => checkIfname(v, 'out'));
  const notTo = opt(o.notTo, (v) =>
    checkArray(v, 'notTo', (item, i) => {
      const p = networkOf(parsePrefix(item, `notTo[${i}]`));
      if (p.family !== from.family) throw new TypeError(`notTo[${i}] ${p.text} is IPv${p.family}, but from ${from.text} is IPv${from.family}`);
      if (p.prefixLength === 0) throw new RangeError(`notTo[${i}] ${p.text} would leave every destination alone: masquerade nothing instead`);
      return p;
    }),
  );
  if (notTo && (notTo.length === 0 || notTo.length > NOT_TO_MAX)) throw new RangeError(`notTo must list 1 to ${NOT_TO_MAX} prefixes, not ${notTo.length}`);
  const wire: MasqueradeWire = { from };
  const rule: MasqueradeRule = { type: 'masquerade', from: from.text };
  if (out !== undefined) wire.out = rule.out = out;
  if (notTo) {
    wire.notTo = notTo;
    rule.notTo = notTo.map((p) => p.text);
  }
  return { wire, rule };
}

function checkForward(spec: ForwardSpec): { wire: ForwardWire; rule: ForwardRule } {
  const o = checkOptions(spec, 'forwardPort', ['protocol', 'port', 'to', 'toPort', 'in', 'destination']);
  if (o.protocol === undefined) throw new TypeError("forwardPort needs protocol: 'tcp' or 'udp'");
  checkName(PROTOCOLS, o.protocol, 'protocol');
  const protocol = o.protocol;
  if (o.port === undefined) throw new TypeError('forwardPort needs port: 1 to 65535');
  const port = checkInt(o.port, 1, 65535, 'port');
  if (o.to === undefined) throw new TypeError('forwardPort needs to: the address to forward to');
  const to = parseIp(o.to, 'to');
  const toPort = opt(o.toPort, (v) => checkInt(v, 1, 65535, 'toPort'));
  const inIf = opt(o.in, (v) => checkIfname(v, 'in'));
  const destination = opt(o.destination, (v) => parseIp(v, 'destination'));
  if (destination && destination.family !== to.family) {
    throw new TypeError(`destination ${destination.text} is IPv${destination.family}, but to ${to.text} is IPv${to.family}`);
  }
  const wire: ForwardWire = { protocol, port, to };
  const rule: ForwardRule = { type: 'forward', protocol, port, to: formatIp(to.bytes) };
  if (toPort !== undefined) wire.toPort = rule.toPort = toPort;
  if (inIf !== undefined) wire.in = rule.in = inIf;
  if (destination) {
    wire.destination = destination;
    rule.destination = formatIp(destination.bytes);
  }
  return { wire, rule };
}

function formatIp(bytes: Buffer): string {
  return formatAddress(bytes, 0, bytes.length);
}

/** A rule's fields without its type: the call's own options, for errors. */
function fields(r: NatRule): Record<string, unknown> {
  const { type: _type, ...rest } = r;
  return rest;
}

function checkDeleteOptions(options: DeleteNatOptions | undefined, op: string): boolean {
  const o = checkOptions(options, `${op} options`, ['missingOk']);
  return opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
}

function describe(r: NatRule): string {
  if (r.type === 'masquerade') return `from ${r.from}${r.notTo ? ` not to ${r.notTo.join(', ')}` : ''}${r.out !== undefined ? ` out ${r.out}` : ''}`;
  const host = (a: string): string => (a.includes(':') ? `[${a}]` : a);
  const dest = r.destination !== undefined ? `${host(r.destination)}:` : '';
  return `${r.protocol} ${dest}${r.port}${r.in !== undefined ? ` in ${r.in}` : ''} to ${host(r.to)}${r.toPort !== undefined ? `:${r.toPort}` : ''}`;
}

// --- The queue of one namespace's NAT calls ---------------------------------------------------

interface Call {
  kind: 'add' | 'delete' | 'flush' | 'list';
  rule?: NatRule;
  /** For an add: the rules to make, by chain. */
  make?: { chain: NatChain; exprs: ReturnType<typeof masqueradeExprs> }[];
  missingOk?: boolean;
  ctx: Ctx;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** The library's rules in the table, as read from the kernel, by the call that made them. */
interface Existing {
  gen: number;
  byKey: Map<string, { rule: NatRule; parts: { chain: string; handle: number }[] }>;
  ordered: NatRule[];
}

class NatQueue {
  private pending: Call[] = [];
  private running = false;

  constructor(private readonly conn: Connection) {}

  submit<T>(call: Omit<Call, 'resolve' | 'reject'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ ...call, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        process.nextTick(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const calls = this.pending;
        this.pending = [];
        // Adds and deletes made together share a transaction; a flush or a listing stands alone, in order.
        // A delete of what an add of the same group makes waits for it: the rule has no handle yet.
        let group: Call[] = [];
        let adds = new Set<string>();
        for (const c of calls) {
          const key = c.rule ? natKey(c.rule) : '';
          if (c.kind === 'add' || (c.kind === 'delete' && !adds.has(key))) {
            if (c.kind === 'add') adds.add(key);
            group.push(c);
            continue;
          }
          if (group.length) await this.settle(group);
          group = [];
          adds = new Set();
          if (c.kind === 'delete') {
            group.push(c);
          } else {
            await this.settle([c]);
          }
        }
        if (group.length) await this.settle(group);
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs one group, every call settled whatever happens. */
  private async settle(group: Call[]): Promise<void> {
    try {
      const only = group[0]!;
      if (only.kind === 'list') only.resolve((await this.read(only.ctx)).ordered);
      else if (only.kind === 'flush') await this.flush(only);
      else await this.transact(group);
    } catch (e) {
      for (const c of group) c.reject(e as Error);
    }
  }

  /** The generation, then the table's rules: a batch sent with that generation sees no change in between. */
  private async read(ctx: Ctx): Promise<Existing> {
    const [gens, rules] = await Promise.all([
      this.conn.request(encodeGetGen(), ctx, parseGen),
      this.conn.dump(encodeDumpRules(NAT_TABLE), ctx, parseRule),
    ]);
    const gen = gens[0];
    if (gen === undefined) throw contextError(ctx, EIO, 'no generation in the reply to NFT_MSG_GETGEN');
    return collect(gen, rules);
  }

  private async flush(call: Call): Promise<void> {
    const answers = await this.conn.batch([batchMarker(C.NFNL_MSG_BATCH_BEGIN), encodeDelTable(NAT_TABLE, C.NLM_F_ACK), batchMarker(C.NFNL_MSG_BATCH_END)], call.ctx);
    const err = firstError(answers);
    if (err && err.errno !== ENOENT) throw contextError(call.ctx, err.errno, err.message);
    if (!err && answers[1] === undefined) throw contextError(call.ctx, EIO, 'the kernel did not answer the batch');
    call.resolve(undefined);
  }

  private async transact(group: Call[]): Promise<void> {
    let calls = group;
    for (let attempt = 0; calls.length > 0; attempt++) {
      const existing = await this.read(calls[0]!.ctx);
      const plans = plan(calls, existing);
      const work = plans.filter((p) => p.messages.length > 0);
      const sent = await this.send(work, existing.gen, calls[0]!.ctx);
      for (const p of work.slice(0, sent.committed)) p.done();
      if (sent.outcome === 'ok') {
        for (const p of plans) if (p.messages.length === 0) p.done();
        return;
      }
      const open = plans.filter((p) => !work.slice(0, sent.committed).includes(p));
      if (sent.outcome === 'restart') {
        // The ruleset changed since it was read: read it again and decide again.
        if (attempt < RESTARTS) {
          calls = open.map((p) => p.call);
          continue;
        }
        for (const p of open) p.call.reject(contextError(p.call.ctx, ERESTART, `the ruleset kept changing (${RESTARTS + 1} tries)`));
        return;
      }
      // Refused: nothing of that batch was applied. Alone in it, a call fails with the kernel's
      // reason; together, each one runs again by itself so that only the bad one fails.
      const { errno, message, refused } = sent.outcome;
      if (refused) {
        // Every call of the batch needs the table and its chains: they fail alike.
        const hint = `the kernel refused ${refused} of table inet ${NAT_TABLE}: something other than netns-link made it, with other settings (flushNat() deletes the table)`;
        for (const p of open) p.call.reject(contextError(withHints(p.call.ctx, { [errno]: hint }), errno, message));
        return;
      }
      if (sent.failed.length === 1) {
        const bad = sent.failed[0]!;
        bad.call.reject(contextError(bad.call.ctx, errno, message));
        calls = open.filter((p) => p !== bad).map((p) => p.call);
        continue;
      }
      for (const p of open) await this.transact([p.call]).catch((e: unknown) => p.call.reject(e as Error));
      return;
    }
  }

  /**
   * Sends the plans' messages in batches of at most BATCH_BYTES, each call's messages whole.
   * Says how many plans were committed, and how the batch after them fared.
   */
  private async send(work: readonly Plan[], gen: number, ctx: Ctx): Promise<{ committed: number; failed: Plan[]; outcome: 'ok' | 'restart' | Refusal }> {
    const limit = Math.min(BATCH_BYTES, this.conn.sndbuf > 0 ? this.conn.sndbuf / 2 : BATCH_BYTES);
    const size = (p: Plan): number => p.messages.reduce((n, m) => n + m.length, 0);
    const setup = work.some((p) => p.call.kind === 'add') ? tableAndChains() : [];
    let committed = 0;
    for (let batches = 0; committed < work.length; batches++) {
      // The table and chains once, in the first batch; then whole calls while they fit.
      const messages = batches === 0 ? [...setup] : [];
      let bytes = messages.reduce((n, m) => n + m.length, 0);
      const members: Plan[] = [];
      for (let i = committed; i < work.length && (members.length === 0 || bytes + size(work[i]!) <= limit); i++) {
        members.push(work[i]!);
        messages.push(...work[i]!.messages);
        bytes += size(work[i]!);
      }
      // Only the last change asks for an ACK: a failure is answered anyway, and the ACK says the batch was taken.
      const last = messages[messages.length - 1]!;
      last.writeUInt16LE(last.readUInt16LE(6) | C.NLM_F_ACK, 6);
      // Each batch expects the generation the batches before it made.
      const answers = await this.conn.batch([batchMarker(C.NFNL_MSG_BATCH_BEGIN, gen + batches), ...messages, batchMarker(C.NFNL_MSG_BATCH_END)], ctx);
      const at = answers.findIndex((a) => a);
      if (at >= 0) {
        const err = answers[at]!;
        if (err.errno === ERESTART) return { committed, failed: members, outcome: 'restart' };
        // The table or a chain refused: the table holds something of the same name that is not ours.
        const refused = batches === 0 && at >= 1 && at <= setup.length ? (at === 1 ? `table inet ${NAT_TABLE}` : `chain ${Object.values(NAT_CHAINS)[at - 2]!.name}`) : null;
        return { committed, failed: members, outcome: { ...err, refused } };
      }
      if (answers[answers.length - 2] !== null) return { committed, failed: members, outcome: { errno: EIO, message: 'the kernel did not answer the batch', refused: null } };
      committed += members.length;
    }
    return { committed, failed: [], outcome: 'ok' };
  }
}

/** The kernel's refusal of a batch; `refused` names the table or chain it refused, if that was it. */
interface Refusal extends KernelError {
  refused: string | null;
}

interface Plan {
  call: Call;
  messages: Buffer[];
  done(): void;
}

function firstError(answers: readonly (KernelError | null | undefined)[]): KernelError | undefined {
  for (const a of answers) if (a) return a;
  return undefined;
}

function tableAndChains(): Buffer[] {
  return [encodeNewTable(NAT_TABLE), ...Object.values(NAT_CHAINS).map((c) => encodeNewChain(NAT_TABLE, c))];
}

function collect(gen: number, rules: readonly NftRule[]): Existing {
  const byKey: Existing['byKey'] = new Map();
  const ordered: NatRule[] = [];
  for (const r of rules) {
    if (r.table !== NAT_TABLE || r.family !== C.NFPROTO_INET) continue;
    const rule = parseNatRule(r);
    if (!rule) continue;
    const key = natKey(rule);
    // A forward is a rule in prerouting and one in output: listed once, deleted together.
    let entry = byKey.get(key);
    if (!entry) {
      entry = { rule, parts: [] };
      byKey.set(key, entry);
      ordered.push(rule);
    }
    entry.parts.push({ chain: r.chain, handle: r.handle });
  }
  // Masquerades first, then forwards, each in the kernel's order.
  ordered.sort((a, b) => (a.type === b.type ? 0 : a.type === 'masquerade' ? -1 : 1));
  return { gen, byKey, ordered };
}

/** What each call of a group sends, checked against the rules that exist and each other. */
function plan(group: readonly Call[], existing: Existing): Plan[] {
  const made = new Set<string>();
  const removed = new Set<string>();
  return group.map((call): Plan => {
    const key = natKey(call.rule!);
    const entry = existing.byKey.get(key);
    const present = (entry !== undefined && !removed.has(key)) || made.has(key);
    if (call.kind === 'add') {
      if (present) return refusal(call, EEXIST);
      made.add(key);
      return { call, messages: call.make!.map((m) => encodeNewRule(NAT_TABLE, m.chain, m.exprs)), done: () => call.resolve(undefined) };
    }
    if (!present || !entry) {
      return call.missingOk ? { call, messages: [], done: () => call.resolve(undefined) } : refusal(call, ENOENT);
    }
    removed.add(key);
    return { call, messages: entry.parts.map((p) => encodeDelRule(NAT_TABLE, p.chain, p.handle)), done: () => call.resolve(undefined) };
  });
}

function refusal(call: Call, errno: number): Plan {
  return { call, messages: [], done: () => call.reject(contextError(call.ctx, errno, null)) };
}

const queues = new WeakMap<Connection, NatQueue>();

async function queueOf(h: NsHandle, op: string): Promise<NatQueue> {
  const conn = await h.netfilter(op);
  let q = queues.get(conn);
  if (!q) {
    q = new NatQueue(conn);
    queues.set(conn, q);
  }
  return q;
}

/** The context of a call's errors, built only if one fails (a thousand calls in a tick are common). */
function context(op: string, h: NsHandle, rule: NatRule | null, object: Record<string, unknown>): () => ErrorContext {
  return () => ({
    op,
    object: { ...object, netns: h.label },
    subject: `${rule ? describe(rule) : `table inet ${NAT_TABLE}`} in netns ${h.label}`,
    hints: {
      ...HINTS,
      [EEXIST]: 'the same rule exists already',
      [ENOENT]: rule ? 'no such rule' : `no table inet ${NAT_TABLE}`,
    },
  });
}

// --- The operations -----------------------------------------------------------------------

/** `nft add rule inet netns_link postrouting ip saddr FROM [oifname OUT] masquerade`. @internal */
export async function masquerade(h: NsHandle, spec: MasqueradeSpec): Promise<void> {
  const { wire, rule } = checkMasquerade(spec);
  const q = await queueOf(h, 'masquerade');
  await q.submit({ kind: 'add', rule, make: [{ chain: 'postrouting', exprs: masqueradeExprs(wire) }], ctx: context('masquerade', h, rule, { masquerade: fields(rule) }) });
}

/** `nft add rule inet netns_link prerouting … dnat to TO:TOPORT` (and in output). @internal */
export async function forwardPort(h: NsHandle, spec: ForwardSpec): Promise<void> {
  const { wire, rule } = checkForward(spec);
  const q = await queueOf(h, 'forwardPort');
  const make = forwardChains(wire).map((chain) => ({ chain, exprs: forwardExprs(wire, chain) }));
  await q.submit({ kind: 'add', rule, make, ctx: context('forwardPort', h, rule, { forward: fields(rule) }) });
}

/** `nft delete rule inet netns_link postrouting handle N` for the masquerade `spec` made. @internal */
export async function deleteMasquerade(h: NsHandle, spec: MasqueradeSpec, options: DeleteNatOptions | undefined): Promise<void> {
  const missingOk = checkDeleteOptions(options, 'deleteMasquerade');
  const { rule } = checkMasquerade(spec);
  const q = await queueOf(h, 'deleteMasquerade');
  await q.submit({ kind: 'delete', rule, missingOk, ctx: context('deleteMasquerade', h, rule, { masquerade: fields(rule) }) });
}

/** `nft delete rule …` for both rules of the forward `spec` made. @internal */
export async function deleteForward(h: NsHandle, spec: ForwardSpec, options: DeleteNatOptions | undefined): Promise<void> {
  const missingOk = checkDeleteOptions(options, 'deleteForward');
  const { rule } = checkForward(spec);
  const q = await queueOf(h, 'deleteForward');
  await q.submit({ kind: 'delete', rule, missingOk, ctx: context('deleteForward', h, rule, { forward: fields(rule) }) });
}

/** `nft -a list table inet netns_link`, read as the calls that made its rules. @internal */
export async function natRules(h: NsHandle): Promise<NatRule[]> {
  const q = await queueOf(h, 'natRules');
  return q.submit<NatRule[]>({ kind: 'list', ctx: context('natRules', h, null, {}) });
}

/** `nft delete table inet netns_link`: every NAT rule the library made here; no other table. @internal */
export async function flushNat(h: NsHandle): Promise<void> {
  const q = await queueOf(h, 'flushNat');
  await q.submit({ kind: 'flush', ctx: context('flushNat', h, null, {}) });
}
