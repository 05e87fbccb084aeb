/**
 * Traffic control operations: set, delete and list queueing disciplines (tbf, htb, netem,
 * ingress, clsact) and htb's classes, as `tc qdisc` and `tc class` do. Rates, sizes and times
 * are taken as numbers or as the strings tc reads (`'1mbit'`, `'32kb'`, `'10ms'`), read with
 * tc's own arithmetic.
 * @packageDocumentation
 */
import { C } from '../wire/constants.js';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkIfname, checkInt, checkOptions, opt, showValue } from '../validate.js';
import {
  encodeDelClass,
  encodeDelQdisc,
  encodeDumpClasses,
  encodeDumpQdiscs,
  encodeNewClass,
  encodeSetQdisc,
  formatClassid,
  htbBursts,
  parseClass,
  parsePsched,
  parseQdisc,
  probability,
  PSCHED_DEFAULT,
  
  tbfLimit,
  time2tick,
  xmittime,
  type HtbClassParams,
  type NetemParams,
  type Psched,
  type Qdisc,
  type QdiscParams,
  type TrafficClass,
} from '../wire/tc.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EBUSY, EEXIST, EINVAL, ENOENT } = constants.errno;

const U32_MAX = 0xffffffff;

/**
 * A rate: a number of bits per second, or a string as tc reads it: `'1mbit'`, `'100kbit'`,
 * `'1.5gbit'`, `'125kbps'` (tc's `bps` is bytes per second: `'1mbps'` is 8 Mbit/s), `'1mibit'`.
 * The kernel counts whole bytes per second: bits are divided by 8 and rounded down, as tc does.
 */
export type Rate = number | string;
/** A size: a number of bytes, or a string as tc reads it: `'32kb'` (32 × 1024), `'1mb'`, `'1600b'`, `'10kbit'`. */
export type Size = number | string;
/** A time: a number of milliseconds, or a string with its unit as tc reads it: `'10ms'`, `'1.5s'`, `'500us'`. */
export type Time = number | string;
/** A probability: a number of percent (0 to 100), or a string: `'1%'`, `'0.3%'`. */
export type Percent = number | string;

/** Where a qdisc hangs: `'root'`, a class id as tc writes it (`'1:10'`), or the 32-bit handle as a number. */
export type QdiscParent = 'root' | string | number;

/** What every qdisc but ingress and clsact takes: where it goes and its handle. */
export interface QdiscPlacement {
  /** Where it goes: `'root'` (the default) or the class it becomes the leaf of, `'1:10'`. */
  parent?: QdiscParent;
  /**
   * Its handle, `'1:'` (a major number in hex, as tc writes it), or the 32-bit handle as a
   * number (`0x10000`). Left out, the kernel picks one (`8001:`): give one to add classes.
   */
  handle?: string | number;
}

/**
 * A token bucket filter: traffic leaves at `rate`, in bursts of up to `burst` bytes.
 * `tc qdisc replace dev IFNAME root tbf rate 1mbit burst 32kb latency 50ms [peakrate R mtu M]`.
 * Give `latency` (how long a packet may wait) or `limit` (how many bytes may wait), not both.
 */
export interface TbfSpec extends QdiscPlacement {
  /** `tbf`. */
  kind: 'tbf';
  /** The rate. */
  rate: Rate;
  /** The bucket's size: bytes that may leave at once. At least the link's MTU, or large packets never leave. */
  burst: Size;
  /** The longest a packet waits; the queue's limit in bytes is computed from it, as tc does. */
  latency?: Time;
  /** The queue's limit in bytes. */
  limit?: Size;
  /** A second, faster bucket's rate, that bursts leave at; needs `mtu`. */
  peakrate?: Rate;
  /** The second bucket's size (`mtu`, `minburst`). */
  mtu?: Size;
}

/**
 * A hierarchical token bucket: a classful qdisc whose classes ({@link Netns.addClass}) share the
 * link. `tc qdisc replace dev IFNAME root handle 1: htb [default 10] [r2q N] [direct_qlen P]`
 */
export interface HtbSpec extends QdiscPlacement {
  /** `htb`. */
  kind: 'htb';
  /**
   * The class unclassified traffic goes to: `'1:10'`, or its minor number alone (`':10'`, or
   * 16 as a number: tc's `default 10` is hex). Left out, such traffic leaves unshaped.
   */
  default?: string | number;
  /** The divisor that makes each class's quantum from its rate: default 10. */
  r2q?: number;
  /** The length in packets of the queue of unclassified traffic. */
  directQlen?: number;
}

/**
 * A network emulator: delay, jitter, loss and a rate limit, as on a long or lossy path.
 * `tc qdisc replace dev IFNAME root netem [limit P] [delay D [J [C]]] [loss L [C]] [rate R]`
 */
export interface NetemSpec extends QdiscPlacement {
  /** `netem`. */
  kind: 'netem';
  /** Delay added to every packet. */
  delay?: Time;
  /** Random variation of the delay, up to this much either way; needs `delay`. */
  jitter?: Time;
  /** How much each delay follows the one before; needs `jitter`. */
  delayCorrelation?: Percent;
  /** Packets dropped at random. */
  loss?: Percent;
  /** How much each loss follows the one before; needs `loss`. */
  lossCorrelation?: Percent;
  /** The rate the link is slowed to. */
  rate?: Rate;
  /** The queue's length in packets: default 1000. */
  limit?: number;
}

/** The ingress qdisc, where filters of arriving traffic attach. `tc qdisc replace dev IFNAME ingress` */
export interface IngressSpec {
  /** `ingress`. */
  kind: 'ingress';
}

/** The clsact qdisc, where filters of both directions attach (BPF programs). `tc qdisc replace dev IFNAME clsact` */
export interface ClsactSpec {
  /** `clsact`. */
  kind: 'clsact';
}

/** A qdisc for {@link Netns.setQdisc}, by kind. */
export type QdiscSpec = TbfSpec | HtbSpec | NetemSpec | IngressSpec | ClsactSpec;

/** Options of {@link Netns.deleteQdisc}. */
export interface DeleteQdiscOptions {
  /** Which qdisc: `'root'` (the default), `'ingress'`, `'clsact'`, or the class it is the leaf of, `'1:10'`. */
  parent?: QdiscParent;
  /** Succeed if there is none to delete (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.qdiscs}. */
export interface QdiscFilter {
  /** Only this interface's qdiscs. */
  ifname?: string;
}

/**
 * An htb class. `tc class add|replace dev IFNAME parent P classid ID htb rate R [ceil C]
 * [burst B] [cburst B] [prio N] [quantum Q] [mtu M]`
 */
export interface ClassSpec {
  /** Its id: `'1:10'`, major the htb qdisc's handle, minor 1 to ffff (hex, as tc writes it); or the 32-bit id as a number. */
  classid: string | number;
  /** Its parent class (`'1:1'`), or its qdisc (`'1:'`, the default) for a class at the top. */
  parent?: string | number;
  /** The kind of its qdisc; only `htb` has classes here. */
  kind?: 'htb';
  /** The rate it is guaranteed. */
  rate: Rate;
  /** The rate it may borrow up to from its parent: default `rate`. */
  ceil?: Rate;
  /** Bytes it may send at once at more than `rate`: default, as tc's, the link's MTU (1600). */
  burst?: Size;
  /** Bytes it may send at once at more than `ceil`. */
  cburst?: Size;
  /** Its priority when classes borrow: 0 (first) to 7. Default 0. */
  prio?: number;
  /** Bytes it sends per round when classes share: default rate / r2q. */
  quantum?: number;
  /** The largest packet its rate tables cover: default 1600. */
  mtu?: number;
}

/** Options of {@link Netns.deleteClass}. */
export interface DeleteClassOptions {
  /** Succeed if there is no such class (instead of `ENOENT`). */
  missingOk?: boolean;
}

let pschedRead: Promise<Psched> | undefined;

/** The scheduler's clock, read once from /proc/net/psched (the same in every namespace). */
function psched(): Promise<Psched> {
  return (pschedRead ??= readFile('/proc/net/psched', 'utf8').then(parsePsched, () => PSCHED_DEFAULT));
}

/** A decimal number at the start of a string, as strtod reads it (no sign, no hex, no inf). */
const LEADING_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?/iu;

function splitUnit(s: string): [number, string] | undefined {
  const m = LEADING_NUMBER.exec(s);
  if (!m) return undefined;
  return [Number(m[0]), s.slice(m[0].length).toLowerCase()];
}

/** tc's rate suffixes (lib/utils_math.c), in bits per second each, compared case-insensitively as tc does. */
const RATE_UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['bit', 1],
  ['kibit', 1024],
  ['kbit', 1000],
  ['mibit', 1024 ** 2],
  ['mbit', 1e6],
  ['gibit', 1024 ** 3],
  ['gbit', 1e9],
  ['tibit', 1024 ** 4],
  ['tbit', 1e12],
  ['bps', 8],
  ['kibps', 8 * 1024],
  ['kbps', 8000],
  ['mibps', 8 * 1024 ** 2],
  ['mbps', 8e6],
  ['gibps', 8 * 1024 ** 3],
  ['gbps', 8e9],
  ['tibps', 8 * 1024 ** 4],
  ['tbps', 8e12],
]);

/** tc's size suffixes (get_size), in bytes each. */
const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['k', 1024],
  ['kb', 1024],
  ['m', 1024 ** 2],
  ['mb', 1024 ** 2],
  ['g', 1024 ** 3],
  ['gb', 1024 ** 3],
  ['kbit', 1024 / 8],
  ['mbit', 1024 ** 2 / 8],
  ['gbit', 1024 ** 3 / 8],
]);

/** tc's time suffixes (get_time), in microseconds each; a bare number is refused (tc reads microseconds). */
const TIME_UNITS: ReadonlyMap<string, number> = new Map([
  ['s', 1e6],
  ['sec', 1e6],
  ['secs', 1e6],
  ['ms', 1000],
  ['msec', 1000],
  ['msecs', 1000],
  ['us', 1],
  ['usec', 1],
  ['usecs', 1],
]);

/** The largest rate, in bytes per second, a number holds exactly. */
const RATE_MAX = Number.MAX_SAFE_INTEGER;

/** A rate, in the kernel's unit: whole bytes per second (1 or more). @internal */
export function checkRate(v: unknown, what: string): number {
  let bits: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} ${showValue(v)} must be a number of bits per second, 8 or more`);
    bits = v;
  } else if (typeof v === 'string') {
    const p = splitUnit(v);
    const scale = p && RATE_UNITS.get(p[1]);
    if (!p || scale === undefined) throw new TypeError(`${what} ${showValue(v)} must be a rate such as '1mbit', '100kbit', '1.5gbit' or a number of bits per second`);
    bits = p[0] * scale;
  } else {
    throw new TypeError(`${what} must be a rate such as '1mbit' or a number of bits per second, got ${showValue(v)}`);
  }
  const bytes = Math.trunc(bits / 8);
  if (bytes < 1) throw new RangeError(`${what} ${showValue(v)} is less than 8 bit/s: the kernel counts whole bytes per second`);
  if (bytes > RATE_MAX) throw new RangeError(`${what} ${showValue(v)} is more than ${RATE_MAX} bytes per second`);
  return bytes;
}

/** A size in bytes, 1 to 2^32 - 1. @internal */
export function checkSize(v: unknown, what: string): number {
  let n: number;
  if (typeof v === 'number') {
    n = checkInt(v, 1, U32_MAX, `${what} (bytes)`);
  } else if (typeof v === 'string') {
    const p = splitUnit(v);
    const scale = p && SIZE_UNITS.get(p[1]);
    if (!p || scale === undefined) throw new TypeError(`${what} ${showValue(v)} must be a size such as '32kb', '1mb', '1600b' or a number of bytes`);
    n = Math.trunc(p[0] * scale);
  } else {
    throw new TypeError(`${what} must be a size such as '32kb' or a number of bytes, got ${showValue(v)}`);
  }
  if (n < 1 || n > U32_MAX) throw new RangeError(`${what} ${showValue(v)} must be 1 to ${U32_MAX} bytes`);
  return n;
}

/** A time in whole microseconds, 0 to 2^32 - 1. @internal */
export function checkTime(v: unknown, what: string): number {
  let us: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} ${showValue(v)} must be a number of milliseconds, 0 or more`);
    us = Math.round(v * 1000);
  } else if (typeof v === 'string') {
    const p = splitUnit(v);
    const scale = p && TIME_UNITS.get(p[1]);
    if (!p || scale === undefined) throw new TypeError(`${what} ${showValue(v)} must be a time with its unit, such as '10ms', '1.5s', '500us', or a number of milliseconds`);
    us = Math.trunc(p[0] * scale);
  } else {
    throw new TypeError(`${what} must be a time such as '10ms' or a number of milliseconds, got ${showValue(v)}`);
  }
  if (us > U32_MAX) throw new RangeError(`${what} ${showValue(v)} is more than ${U32_MAX} microseconds`);
  return us;
}

/** A probability as a fraction, 0 to 1. @internal */
export function checkPercent(v: unknown, what: string): number {
  let pct: number;
  if (typeof v === 'number') pct = v;
  else if (typeof v === 'string') {
    const m = /^((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)%?$/iu.exec(v);
    if (!m) throw new TypeError(`${what} ${showValue(v)} must be a percentage such as '1%' or '0.3%'`);
    pct = Number(m[1]);
  } else {
    throw new TypeError(`${what} must be a percentage such as '1%' or a number of percent, got ${showValue(v)}`);
  }
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new RangeError(`${what} ${showValue(v)} must be 0 to 100 percent`);
  return pct / 100;
}

const HEX16 = '[0-9a-f]{1,4}';
const QDISC_HANDLE = new RegExp(`^(${HEX16}):?$`, 'iu');
const CLASSID = new RegExp(`^(${HEX16})?:(${HEX16})?$`, 'iu');

/** A qdisc's handle: `'1:'`, or a 32-bit handle with a minor of 0. @internal */
export function checkQdiscHandle(v: unknown, what = 'handle'): number {
  let h: number;
  if (typeof v === 'string') {
    const m = QDISC_HANDLE.exec(v);
    if (!m) throw new TypeError(`${what} ${showValue(v)} must be a qdisc handle such as '1:' (a major number in hex)`);
    h = Number.parseInt(m[1]!, 16) * 0x10000;
  } else if (typeof v === 'number') {
    h = checkInt(v, 0, U32_MAX, what);
    if (h & 0xffff) throw new RangeError(`${what} ${v} (${formatClassid(h)}) has a minor number; a qdisc's handle is a major number alone, such as '1:' (0x10000)`);
  } else {
    throw new TypeError(`${what} must be a qdisc handle such as '1:', got ${showValue(v)}`);
  }
  if (h === 0) throw new RangeError(`${what} ${showValue(v)} is 0: leave it out to let the kernel choose one`);
  return h;
}

/** A class id (`'1:10'`, `'1:'`, `':10'`), `'root'` where allowed, or a 32-bit id. @internal */
export function checkClassid(v: unknown, what: string, root: boolean): number {
  if (root && v === 'root') return C.TC_H_ROOT;
  if (typeof v === 'string') {
    const m = CLASSID.exec(v);
    if (!m) throw new TypeError(`${what} ${showValue(v)} must be a class id such as '1:10'${root ? " or 'root'" : ''}`);
    return (m[1] ? Number.parseInt(m[1], 16) * 0x10000 : 0) + (m[2] ? Number.parseInt(m[2], 16) : 0);
  }
  if (typeof v === 'number') return checkInt(v, 0, U32_MAX, what);
  throw new TypeError(`${what} must be a class id such as '1:10'${root ? " or 'root'" : ''}, got ${showValue(v)}`);
}

function own(spec: object, key: string): unknown {
  return Object.hasOwn(spec, key) ? (spec as Record<string, unknown>)[key] : undefined;
}

const KINDS = ['tbf', 'htb', 'netem', 'ingress', 'clsact'] as const;

/** A qdisc spec checked: where it goes, and a function that encodes its options once the clock is known. */
interface CheckedQdisc {
  kind: (typeof KINDS)[number];
  handle: number;
  parent: number;
  where: string;
  params(ps: Psched): QdiscParams;
}

function placement(o: Partial<QdiscPlacement>): { handle: number; parent: number; where: string } {
  const parent = opt(o.parent, (v) => checkClassid(v, 'parent', true)) ?? C.TC_H_ROOT;
  if (parent === 0) throw new RangeError(`parent ${showValue(o.parent)} is not a class id: give 'root' or a class such as '1:10'`);
  return {
    handle: opt(o.handle, (v) => checkQdiscHandle(v)) ?? 0,
    parent,
    where: parent === C.TC_H_ROOT ? 'root' : `parent ${formatClassid(parent)}`,
  };
}

/** The ticks a size takes at a rate, or a RangeError naming both when they do not fit. */
function ticksFor(rate: number, size: number, ps: Psched, what: string): void {
  if (xmittime(rate >= 0x1_0000_0000 ? U32_MAX : rate, size, ps) === undefined)
    throw new RangeError(`${what} ${size} bytes at ${rate * 8} bit/s lasts more than 2^32 scheduler ticks (${Math.floor(U32_MAX / ps.tickInUsec / 1e6)} s)`);
}

function checkTbf(spec: TbfSpec): CheckedQdisc {
  const o = checkOptions(spec, 'tbf qdisc', ['kind', 'parent', 'handle', 'rate', 'burst', 'latency', 'limit', 'peakrate', 'mtu']);
  const place = placement(o);
  if (o.rate === undefined) throw new TypeError('tbf qdisc: rate is required (tc: the "rate" parameter is mandatory)');
  if (o.burst === undefined) throw new TypeError('tbf qdisc: burst is required (tc: the "burst" parameter is mandatory)');
  const rate = checkRate(o.rate, 'rate');
  const burst = checkSize(o.burst, 'burst');
  if ((o.latency === undefined) === (o.limit === undefined)) throw new TypeError('tbf qdisc: give latency or limit, one of them (tc: either "limit" or "latency" is required, not both)');
  const latency = opt(o.latency, (v) => checkTime(v, 'latency'));
  if (latency === 0) throw new RangeError('tbf qdisc: latency 0 leaves no room to queue a packet');
  const limit = opt(o.limit, (v) => checkSize(v, 'limit'));
  const peakrate = opt(o.peakrate, (v) => checkRate(v, 'peakrate'));
  const mtu = opt(o.mtu, (v) => checkSize(v, 'mtu'));
  if (peakrate !== undefined && mtu === undefined) throw new TypeError('tbf qdisc: peakrate needs mtu, the size of its bucket (as tc)');
  return {
    kind: 'tbf',
    ...place,
    params(ps) {
      ticksFor(rate, burst, ps, 'burst');
      if (peakrate !== undefined && mtu !== undefined) ticksFor(peakrate, mtu, ps, 'mtu');
      return { kind: 'tbf', tbf: { rate, burst, limit: limit ?? tbfLimit(rate, burst, latency!, peakrate, mtu), peakrate, mtu } };
    },
  };
}

function checkHtb(spec: HtbSpec): CheckedQdisc {
  const o = checkOptions(spec, 'htb qdisc', ['kind', 'parent', 'handle', 'default', 'r2q', 'directQlen']);
  const place = placement(o);
  let defcls = 0;
  if (o.default !== undefined) {
    if (typeof o.default === 'number') defcls = checkInt(o.default, 0, 0xffff, 'default (a class\'s minor number)');
    else {
      const id = checkClassid(o.default, 'default', false);
      if (id >>> 16 && place.handle && id >>> 16 !== place.handle >>> 16)
        throw new RangeError(`default ${showValue(o.default)} is not a class of this qdisc (${formatClassid(place.handle)})`);
      defcls = id & 0xffff;
    }
  }
  const r2q = opt(o.r2q, (v) => checkInt(v, 1, U32_MAX, 'r2q')) ?? 10;
  const directQlen = opt(o.directQlen, (v) => checkInt(v, 0, U32_MAX - 1, 'directQlen'));
  const params: QdiscParams = { kind: 'htb', htb: { defcls, r2q, directQlen } };
  return { kind: 'htb', ...place, params: () => params };
}

function checkNetem(spec: NetemSpec): CheckedQdisc {
  const o = checkOptions(spec, 'netem qdisc', ['kind', 'parent', 'handle', 'delay', 'jitter', 'delayCorrelation', 'loss', 'lossCorrelation', 'rate', 'limit']);
  const place = placement(o);
  const delay = opt(o.delay, (v) => checkTime(v, 'delay'));
  const jitter = opt(o.jitter, (v) => checkTime(v, 'jitter'));
  const delayCorr = opt(o.delayCorrelation, (v) => checkPercent(v, 'delayCorrelation'));
  const loss = opt(o.loss, (v) => checkPercent(v, 'loss'));
  const lossCorr = opt(o.lossCorrelation, (v) => checkPercent(v, 'lossCorrelation'));
  if (jitter !== undefined && delay === undefined) throw new TypeError('netem qdisc: jitter needs delay (tc: delay TIME JITTER)');
  if (delayCorr !== undefined && jitter === undefined) throw new TypeError('netem qdisc: delayCorrelation needs jitter (tc: delay TIME JITTER CORRELATION)');
  if (lossCorr !== undefined && loss === undefined) throw new TypeError('netem qdisc: lossCorrelation needs loss (tc: loss PERCENT CORRELATION)');
  const rate = opt(o.rate, (v) => checkRate(v, 'rate'));
  const limit = opt(o.limit, (v) => checkInt(v, 1, U32_MAX, 'limit (packets)')) ?? 1000;
  return {
    kind: 'netem',
    ...place,
    params(ps) {
      const ticks = (us: number | undefined, what: string): number => {
        if (us === undefined) return 0;
        if (us * ps.tickInUsec > U32_MAX) throw new RangeError(`${what} ${us / 1000} ms is more than netem's ${Math.floor(U32_MAX / ps.tickInUsec / 1000)} ms`);
        return time2tick(us, ps);
      };
      const netem: NetemParams = {
        limit,
        latency: ticks(delay, 'delay'),
        jitter: ticks(jitter, 'jitter'),
        loss: loss === undefined ? 0 : probability(loss),
        corr: delayCorr !== undefined || lossCorr !== undefined ? { delay: probability(delayCorr ?? 0), loss: probability(lossCorr ?? 0) } : undefined,
        rate,
      };
      return { kind: 'netem', netem };
    },
  };
}

function checkQdiscSpec(spec: QdiscSpec): CheckedQdisc {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new TypeError(`qdisc must be an object such as { kind: 'tbf', rate: '1mbit', burst: '32kb', latency: '50ms' }, got ${showValue(spec)}`);
  const kind = own(spec, 'kind');
  if (kind === 'tbf') return checkTbf(spec as TbfSpec);
  if (kind === 'htb') return checkHtb(spec as HtbSpec);
  if (kind === 'netem') return checkNetem(spec as NetemSpec);
  if (kind === 'ingress' || kind === 'clsact') {
    checkOptions(spec, `${kind} qdisc`, ['kind']);
    const params: QdiscParams = { kind };
    return { kind, handle: 0xffff0000, parent: C.TC_H_INGRESS, where: kind, params: () => params };
  }
  throw new TypeError(`qdisc kind must be one of ${KINDS.join(', ')}, got ${showValue(kind)}`);
}

function tcCtx(h: NsHandle, op: string, what: string, dev: string, hints: Readonly<Partial<Record<number, string>>>, object: Record<string, unknown> = {}): ErrorContext {
  return { op, object: { ifname: dev, ...object, netns: h.label }, subject: `${what} dev ${dev} in netns ${h.label}`, hints };
}

/** `tc qdisc replace dev IFNAME ...`. @internal */
export async function setQdisc(h: NsHandle, ifname: string, spec: QdiscSpec): Promise<void> {
  const dev = checkIfname(ifname, 'ifname');
  const q = checkQdiscSpec(spec);
  const ps = await psched();
  const params = q.params(ps);
  const parent = formatClassid(q.parent);
  const ctx: Ctx = () =>
    tcCtx(h, 'setQdisc', `${q.kind} ${q.where}`, dev, {
      [ENOENT]: `no class ${parent} on ${dev}, or no ${q.kind} qdisc in this kernel (sch_${q.kind}): the kernel's message says which`,
    }, { kind: q.kind, parent });
  const conn = await h.connection('setQdisc');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  await conn.request(encodeSetQdisc({ index, handle: q.handle, parent: q.parent, params }, ps), ctx);
}

/** `tc qdisc del dev IFNAME root | parent ID | ingress | clsact`. @internal */
export async function deleteQdisc(h: NsHandle, ifname: string, options: DeleteQdiscOptions | undefined): Promise<void> {
  const dev = checkIfname(ifname, 'ifname');
  const o = checkOptions(options, 'deleteQdisc options', ['parent', 'missingOk']);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  let msg: (index: number) => Buffer;
  let where: string;
  if (o.parent === 'ingress' || o.parent === 'clsact') {
    const kind = o.parent;
    msg = (index) => encodeDelQdisc(index, C.TC_H_INGRESS, 0xffff0000, kind);
    where = kind;
  } else {
    const parent = opt(o.parent, (v) => checkClassid(v, 'parent', true)) ?? C.TC_H_ROOT;
    if (parent === 0) throw new RangeError(`parent ${showValue(o.parent)} is not a class id: give 'root', 'ingress', 'clsact' or a class such as '1:10'`);
    msg = (index) => encodeDelQdisc(index, parent);
    where = parent === C.TC_H_ROOT ? 'root' : `parent ${formatClassid(parent)}`;
  }
  const ingress = o.parent === 'ingress' || o.parent === 'clsact';
  const ctx: Ctx = () =>
    tcCtx(h, 'deleteQdisc', `qdisc ${where}`, dev, {
      [ENOENT]: `no qdisc to delete at ${where} of ${dev} (the default one, handle 0:, cannot be deleted)`,
      ...(ingress ? { [EINVAL]: `no ${where} qdisc on ${dev}: the kernel says "Invalid handle" when the link had one before, "Invalid qdisc name" when the other of ingress and clsact is there` } : {}),
    });
  const conn = await h.connection('deleteQdisc');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  try {
    await unlessMissing(conn.change(msg(index), ctx), ENOENT, missingOk);
  } catch (e) {
    // Once a link has had an ingress or clsact qdisc, asking to delete one that is gone is
    // refused as a mismatch (EINVAL), not as missing: look whether one is there after all.
    if (!(missingOk && ingress && (e as { errno?: unknown }).errno === EINVAL)) throw e;
    const found = await conn.dump(encodeDumpQdiscs(index), ctx, (m) => parseQdisc(m));
    if (found.some((q) => q.index === index && q.parent === 'ffff:fff1' && (q.kind === 'ingress' || q.kind === 'clsact'))) throw e;
  }
}

/** `tc -s qdisc show [dev IFNAME]`. @internal */
export async function qdiscs(h: NsHandle, filter: QdiscFilter | undefined): Promise<Qdisc[]> {
  const f = checkOptions(filter, 'qdiscs filter', ['ifname']);
  const dev = opt(f.ifname, (v) => checkIfname(v, 'ifname'));
  const ps = await psched();
  const ctx: ErrorContext = {
    op: 'qdiscs',
    object: { netns: h.label, ...(dev ? { ifname: dev } : {}) },
    subject: `${dev ? `dev ${dev} ` : ''}in netns ${h.label}`,
    hints: {},
  };
  const conn = await h.connection('qdiscs');
  const index = dev === undefined ? 0 : await resolveIndex(conn, h.label, dev, ctx);
  const found = await conn.dump(encodeDumpQdiscs(index), ctx, (m) => parseQdisc(m, ps));
  const name = linkNamer(conn);
  const out = found.filter((q) => index === 0 || q.index === index);
  for (const q of out) q.dev = name(q.index) ?? '';
  return out;
}

function checkClassSpec(spec: ClassSpec): { classid: number; parent: number; htb: HtbClassParams } {
  const o = checkOptions(spec, 'class', ['classid', 'parent', 'kind', 'rate', 'ceil', 'burst', 'cburst', 'prio', 'quantum', 'mtu']);
  if (o.kind !== undefined && o.kind !== 'htb') throw new TypeError(`class kind must be htb, got ${showValue(o.kind)}`);
  if (o.classid === undefined) throw new TypeError("class: classid is required, such as '1:10'");
  const classid = checkClassid(o.classid, 'classid', false);
  if (classid >>> 16 === 0 || (classid & 0xffff) === 0)
    throw new RangeError(`classid ${showValue(o.classid)} must have a major number (its qdisc's handle) and a minor number, such as '1:10'`);
  const parent = opt(o.parent, (v) => checkClassid(v, 'parent', false)) ?? (classid & 0xffff0000) >>> 0;
  if (parent >>> 16 !== classid >>> 16) throw new RangeError(`parent ${showValue(o.parent)} is not of the same qdisc as classid ${formatClassid(classid)}`);
  if (o.rate === undefined) throw new TypeError('class: rate is required (tc: "rate" is required)');
  const rate = checkRate(o.rate, 'rate');
  const ceil = opt(o.ceil, (v) => checkRate(v, 'ceil')) ?? rate;
  const htb: HtbClassParams = {
    rate,
    ceil,
    burst: opt(o.burst, (v) => checkSize(v, 'burst')),
    cburst: opt(o.cburst, (v) => checkSize(v, 'cburst')),
    prio: opt(o.prio, (v) => checkInt(v, 0, C.TC_HTB_NUMPRIO - 1, 'prio')) ?? 0,
    quantum: opt(o.quantum, (v) => checkInt(v, 1, U32_MAX, 'quantum')) ?? 0,
    mtu: opt(o.mtu, (v) => checkInt(v, 1, 0xffff, 'mtu')) ?? 1600,
  };
  return { classid, parent, htb };
}

/** `tc class add|replace dev IFNAME parent P classid ID htb ...`. @internal */
export async function addClass(h: NsHandle, ifname: string, spec: ClassSpec, exclusive: boolean): Promise<void> {
  const op = exclusive ? 'addClass' : 'setClass';
  const dev = checkIfname(ifname, 'ifname');
  const c = checkClassSpec(spec);
  const ps = await psched();
  const { burst, cburst } = htbBursts(c.htb, ps);
  ticksFor(c.htb.rate, burst, ps, 'burst');
  ticksFor(c.htb.ceil, cburst, ps, 'cburst');
  const classid = formatClassid(c.classid);
  const qdisc = formatClassid((c.classid & 0xffff0000) >>> 0);
  const ctx: Ctx = () =>
    tcCtx(h, op, `class ${classid}`, dev, {
      [EEXIST]: exclusive ? `${dev} already has class ${classid} (setClass changes it)` : `${qdisc} on ${dev} has no classes of its own to change`,
      [ENOENT]: `no htb qdisc ${qdisc} on ${dev}`,
    }, { classid });
  const conn = await h.connection(op);
  const index = await resolveIndex(conn, h.label, dev, ctx);
  await conn.request(encodeNewClass({ index, classid: c.classid, parent: c.parent, htb: c.htb }, exclusive, ps), ctx);
}

/** `tc class del dev IFNAME classid ID`. @internal */
export async function deleteClass(h: NsHandle, ifname: string, classid: string | number, options: DeleteClassOptions | undefined): Promise<void> {
  const dev = checkIfname(ifname, 'ifname');
  const id = checkClassid(classid, 'classid', false);
  if (id >>> 16 === 0 || (id & 0xffff) === 0) throw new RangeError(`classid ${showValue(classid)} must have a major and a minor number, such as '1:10'`);
  const o = checkOptions(options, 'deleteClass options', ['missingOk']);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const name = formatClassid(id);
  const ctx: Ctx = () =>
    tcCtx(h, 'deleteClass', `class ${name}`, dev, {
      [ENOENT]: `no class ${name} on ${dev}`,
      [EBUSY]: `class ${name} has classes of its own, or filters point to it: delete those first`,
    }, { classid: name });
  const conn = await h.connection('deleteClass');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  await unlessMissing(conn.change(encodeDelClass(index, id), ctx), ENOENT, missingOk);
}

/** `tc -s class show dev IFNAME`. @internal */
export async function classes(h: NsHandle, ifname: string): Promise<TrafficClass[]> {
  const dev = checkIfname(ifname, 'ifname');
  const ps = await psched();
  const ctx: ErrorContext = tcCtx(h, 'classes', 'classes', dev, {});
  const conn = await h.connection('classes');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  const found = await conn.dump(encodeDumpClasses(index), ctx, (m) => parseClass(m, ps));
  const out = found.filter((c) => c.index === index);
  for (const c of out) c.dev = dev;
  return out;
}
