/**
 * Traffic control on the wire: queueing disciplines and their classes (`tc qdisc`, `tc class`).
 * The typed {@link Qdisc} and {@link TrafficClass} parsed from RTM_NEWQDISC / RTM_NEWTCLASS,
 * the requests that set, delete and dump them, and the option blocks of tbf, htb and netem.
 *
 * The numbers inside an option block are computed as iproute2 6.1's tc computes them (tc_core.c,
 * q_tbf.c, q_htb.c, q_netem.c), so that a request is byte for byte what `tc` sends: times in
 * the scheduler's ticks (the time base of /proc/net/psched), 256-entry rate tables, a tbf's
 * queue limit from its latency. iproute2 6.14 rounds ticks up where 6.1 truncates them
 * (a difference of less than a microsecond) and 6.9 sends a netem's delay as
 * TCA_NETEM_LATENCY64 instead of ticks; the kernel reads both forms.
 * @packageDocumentation
 */
import { endianness } from 'node:os';
import { inspect } from 'node:util';
import { eachAttr, findAttr, MessageWriter, readI32, readString, readU32, readU64 } from './attr.js';
import { C } from './constants.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';


/** `sizeof(struct tcmsg)`: family, 3 bytes of padding, ifindex, handle, parent, info. @internal */
export const TCMSG_LEN = 20;
/** `sizeof(struct tc_ratespec)`. */
const RATESPEC_LEN = 12;
/** `sizeof(struct tc_tbf_qopt)`: two rate specs, limit, buffer, mtu. */
const TBF_QOPT_LEN = 36;
/** `sizeof(struct tc_htb_opt)`: two rate specs, buffer, cbuffer, quantum, level, prio. */
const HTB_OPT_LEN = 44;
/** `sizeof(struct tc_htb_glob)`: version, rate2quantum, defcls, debug, direct_pkts. */
const HTB_GLOB_LEN = 20;
/** `sizeof(struct tc_netem_qopt)`: latency, limit, loss, gap, duplicate, jitter. */
const NETEM_QOPT_LEN = 24;
/** tc's TIME_UNITS_PER_SEC: its times are microseconds. */
const USEC_PER_SEC = 1_000_000;
const U32_MAX = 0xffffffff;

const LE = endianness() === 'LE';

/** A kernel struct in host byte order, filled field by field. */
class Struct {
  readonly buf: Buffer;
  private at = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }
  u8(v: number): this {
    this.buf[this.at++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.at = LE ? this.buf.writeUInt16LE(v & 0xffff, this.at) : this.buf.writeUInt16BE(v & 0xffff, this.at);
    return this;
  }
  u32(v: number): this {
    this.at = LE ? this.buf.writeUInt32LE(v >>> 0, this.at) : this.buf.writeUInt32BE(v >>> 0, this.at);
    return this;
  }
  /** A u64, exact below 2^53. */
  u64(v: number): this {
    const hi = Math.floor(v / 0x1_0000_0000);
    const lo = v - hi * 0x1_0000_0000;
    return LE ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
}

/**
 * The scheduler's clock as tc reads it from /proc/net/psched (tc_core_init, get_hz): how many
 * ticks make a microsecond (15.625 on every kernel since 2.6.31: a tick is 64 ns), and the
 * timer frequency htb's default burst divides by (10^9 with high-resolution timers).
 * @internal
 */
export interface Psched {
  tickInUsec: number;
  hz: number;
}

/** What /proc/net/psched says on a kernel with high-resolution timers. @internal */
export const PSCHED_DEFAULT: Psched = Object.freeze({ tickInUsec: 15.625, hz: 1_000_000_000 });

/** /proc/net/psched's four hex words, read as tc_core_init and get_hz read them. @internal */
export function parsePsched(text: string): Psched {
  const w = text.trim().split(/\s+/u).map((x) => Number.parseInt(x, 16));
  const [t2us, us2t, clockRes, hz] = w;
  if (w.length < 4 || w.some((x) => !Number.isFinite(x)) || !t2us || !us2t || !clockRes || !hz) return PSCHED_DEFAULT;
  // tc's compatibility hack: a clock of nanosecond resolution advertises t2us as 1000.
  const mult = clockRes === 1_000_000_000 ? us2t : t2us;
  return { tickInUsec: (mult / us2t) * (clockRes / USEC_PER_SEC), hz: clockRes === 1_000_000 ? hz : 100 };
}

/** C's conversion of a non-negative double to `unsigned int`, for values that fit. */
function u32(v: number): number {
  return Math.trunc(v) >>> 0;
}

/** tc_core_time2tick: whole microseconds to ticks, truncated (iproute2 6.1). @internal */
export function time2tick(us: number, ps: Psched): number {
  return u32(u32(us) * ps.tickInUsec);
}

/** tc_calc_xmittime: the ticks `size` bytes take at `rate` bytes/s; undefined past 2^32 - 1. @internal */
export function xmittime(rate: number, size: number, ps: Psched): number | undefined {
  const us = USEC_PER_SEC * (size / rate);
  if (us * ps.tickInUsec > U32_MAX) return undefined;
  return time2tick(us, ps);
}

/** Ticks to microseconds, exactly (tc 6.1 truncates to whole microseconds; this does not). @internal */
export function tick2us(ticks: number, ps: Psched): number {
  return ticks / ps.tickInUsec;
}

/** tc_calc_rtable: the 256 transmit times of a rate table, and the cell size's log. */
function rateTable(rate: number, mtu: number, ps: Psched): { table: Buffer; cellLog: number } {
  const m = mtu === 0 ? 2047 : mtu;
  let cellLog = 0;
  while (m >> cellLog > 255) cellLog++;
  const s = new Struct(1024);
  for (let i = 0; i < 256; i++) s.u32(xmittime(rate, (i + 1) << cellLog, ps) ?? U32_MAX);
  return { table: s.buf, cellLog };
}

/** struct tc_ratespec as tc fills it: Ethernet, no overhead or mpu, cell_align -1. */
function ratespec(s: Struct, cellLog: number, rate: number): void {
  s.u8(cellLog).u8(C.TC_LINKLAYER_ETHERNET).u16(0).u16(0xffff).u16(0).u32(rate);
}

function u64Attr(w: MessageWriter, type: number, v: number): void {
  w.putBytes(type, new Struct(8).u64(v).buf);
}

/** A 64-bit rate clamped into a 32-bit field, as tc does: `~0U` when it does not fit. */
function rate32(rate: number): number {
  return rate >= 0x1_0000_0000 ? U32_MAX : rate;
}

/** A tbf, in the kernel's units: bytes per second and bytes. @internal */
export interface TbfParams {
  rate: number;
  burst: number;
  limit: number;
  peakrate?: number | undefined;
  mtu?: number | undefined;
}

/**
 * The queue limit in bytes that a latency (in microseconds) makes, as tc computes it: what
 * arrives at `rate` during the latency plus the burst, or at `peakrate` plus the mtu if less.
 * @internal
 */
export function tbfLimit(rate: number, burst: number, latencyUs: number, peakrate?: number, mtu?: number): number {
  let lim = (rate * latencyUs) / USEC_PER_SEC + burst;
  if (peakrate) {
    const lim2 = (peakrate * latencyUs) / USEC_PER_SEC + (mtu ?? 0);
    if (lim2 < lim) lim = lim2;
  }
  return Math.min(u32(lim), U32_MAX);
}

/** TCA_OPTIONS of a tbf: TCA_TBF_PARMS, TCA_TBF_BURST, [RATE64], RTAB, [PRATE64, PBURST, PTAB]. */
function tbfOptions(w: MessageWriter, p: TbfParams, ps: Psched): void {
  const mtu = p.mtu ?? 0;
  const rate = rate32(p.rate);
  const peak = p.peakrate ? rate32(p.peakrate) : 0;
  const rtab = rateTable(rate, mtu, ps);
  const ptab = peak ? rateTable(peak, mtu, ps) : undefined;
  const s = new Struct(TBF_QOPT_LEN);
  ratespec(s, rtab.cellLog, rate);
  if (ptab) ratespec(s, ptab.cellLog, peak);
  else s.u32(0).u32(0).u32(0);
  s.u32(p.limit).u32(xmittime(rate, p.burst, ps) ?? U32_MAX).u32(peak ? xmittime(peak, mtu, ps) ?? U32_MAX : 0);
  const at = w.nestStart(C.TCA_OPTIONS);
  w.putBytes(C.TCA_TBF_PARMS, s.buf);
  w.putU32(C.TCA_TBF_BURST, p.burst);
  if (p.rate >= 0x1_0000_0000) u64Attr(w, C.TCA_TBF_RATE64, p.rate);
  w.putBytes(C.TCA_TBF_RTAB, rtab.table);
  if (ptab && p.peakrate) {
    if (p.peakrate >= 0x1_0000_0000) u64Attr(w, C.TCA_TBF_PRATE64, p.peakrate);
    w.putU32(C.TCA_TBF_PBURST, mtu);
    w.putBytes(C.TCA_TBF_PTAB, ptab.table);
  }
  w.nestEnd(at);
}

/** An htb qdisc: the default class's minor number, rate2quantum, the direct queue's length. @internal */
export interface HtbParams {
  defcls: number;
  r2q: number;
  directQlen?: number | undefined;
}

/** TCA_OPTIONS of an htb qdisc: TCA_HTB_INIT (struct tc_htb_glob, version 3), [DIRECT_QLEN]. */
function htbOptions(w: MessageWriter, p: HtbParams): void {
  const at = w.nestStart(C.TCA_OPTIONS);
  w.putBytes(C.TCA_HTB_INIT, new Struct(HTB_GLOB_LEN).u32(C.TC_HTB_PROTOVER).u32(p.r2q).u32(p.defcls).u32(0).u32(0).buf);
  if (p.directQlen !== undefined) w.putU32(C.TCA_HTB_DIRECT_QLEN, p.directQlen);
  w.nestEnd(at);
}

/** An htb class, in bytes per second and bytes; bursts default as tc's (rate / hz + mtu). @internal */
export interface HtbClassParams {
  rate: number;
  ceil: number;
  burst?: number | undefined;
  cburst?: number | undefined;
  prio: number;
  quantum: number;
  mtu: number;
}

/** The bursts an htb class gets: given, or tc's default, the bytes of one timer tick plus the mtu. @internal */
export function htbBursts(p: HtbClassParams, ps: Psched): { burst: number; cburst: number } {
  return {
    burst: p.burst ?? Math.floor(p.rate / ps.hz) + p.mtu,
    cburst: p.cburst ?? Math.floor(p.ceil / ps.hz) + p.mtu,
  };
}

/** TCA_OPTIONS of an htb class: [RATE64], [CEIL64], TCA_HTB_PARMS, RTAB, CTAB. */
function htbClassOptions(w: MessageWriter, p: HtbClassParams, ps: Psched): void {
  const { burst, cburst } = htbBursts(p, ps);
  const rtab = rateTable(rate32(p.rate), p.mtu, ps);
  const ctab = rateTable(rate32(p.ceil), p.mtu, ps);
  const s = new Struct(HTB_OPT_LEN);
  ratespec(s, rtab.cellLog, rate32(p.rate));
  ratespec(s, ctab.cellLog, rate32(p.ceil));
  s.u32(xmittime(p.rate, burst, ps) ?? U32_MAX).u32(xmittime(p.ceil, cburst, ps) ?? U32_MAX).u32(p.quantum).u32(0).u32(p.prio);
  const at = w.nestStart(C.TCA_OPTIONS);
  if (p.rate >= 0x1_0000_0000) u64Attr(w, C.TCA_HTB_RATE64, p.rate);
  if (p.ceil >= 0x1_0000_0000) u64Attr(w, C.TCA_HTB_CEIL64, p.ceil);
  w.putBytes(C.TCA_HTB_PARMS, s.buf);
  w.putBytes(C.TCA_HTB_RTAB, rtab.table);
  w.putBytes(C.TCA_HTB_CTAB, ctab.table);
  w.nestEnd(at);
}

/** A fraction 0..1 as netem's u32 probability (`rint(p * UINT32_MAX)`, ties to even). @internal */
export function probability(fraction: number): number {
  const x = fraction * U32_MAX;
  const r = Math.round(x);
  return (r - x === 0.5 && r % 2 !== 0 ? r - 1 : r) >>> 0;
}

/** A netem, in ticks, packets, u32 probabilities and bytes per second. @internal */
export interface NetemParams {
  limit: number;
  latency: number;
  jitter: number;
  loss: number;
  /** TCA_NETEM_CORR's delay and loss correlations; left out when neither was given. */
  corr?: { delay: number; loss: number } | undefined;
  rate?: number | undefined;
}

/**
 * TCA_OPTIONS of a netem: unlike other qdiscs, a struct tc_netem_qopt first and the attributes
 * after it inside the same TCA_OPTIONS (TCA_NETEM_CORR, [RATE64], RATE).
 */
function netemOptions(w: MessageWriter, p: NetemParams): void {
  const at = w.nestStart(C.TCA_OPTIONS);
  w.bytes(new Struct(NETEM_QOPT_LEN).u32(p.latency).u32(p.limit).u32(p.loss).u32(0).u32(0).u32(p.jitter).buf);
  if (p.corr) w.putBytes(C.TCA_NETEM_CORR, new Struct(12).u32(p.corr.delay).u32(p.corr.loss).u32(0).buf);
  if (p.rate !== undefined) {
    if (p.rate >= 0x1_0000_0000) u64Attr(w, C.TCA_NETEM_RATE64, p.rate);
    w.putBytes(C.TCA_NETEM_RATE, new Struct(16).u32(rate32(p.rate)).u32(0).u32(0).u32(0).buf);
  }
  w.nestEnd(at);
}

/** A qdisc's options, by kind. @internal */
export type QdiscParams =
  | { kind: 'tbf'; tbf: TbfParams }
  | { kind: 'htb'; htb: HtbParams }
  | { kind: 'netem'; netem: NetemParams }
  | { kind: 'ingress' | 'clsact' };

/** One qdisc in a request, checked and resolved. @internal */
export interface QdiscMessage {
  index: number;
  handle: number;
  parent: number;
  params: QdiscParams;
}

function tcmsg(w: MessageWriter, index: number, handle: number, parent: number): void {
  w.u8(C.AF_UNSPEC).u8(0).u16(0).i32(index).u32(handle).u32(parent).u32(0);
}

/** RTM_NEWQDISC with NLM_F_CREATE | NLM_F_REPLACE: `tc qdisc replace`. @internal */
export function encodeSetQdisc(q: QdiscMessage, ps: Psched = PSCHED_DEFAULT): Buffer {
  const p = q.params;
  const w = new MessageWriter(C.RTM_NEWQDISC, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE, p.kind === 'tbf' ? 1152 : 128);
  tcmsg(w, q.index, q.handle, q.parent);
  w.putStrz(C.TCA_KIND, p.kind);
  if (p.kind === 'tbf') tbfOptions(w, p.tbf, ps);
  else if (p.kind === 'htb') htbOptions(w, p.htb);
  else if (p.kind === 'netem') netemOptions(w, p.netem);
  return w.finish();
}

/** RTM_DELQDISC: `tc qdisc del dev IFNAME root | parent ID | ingress | clsact`. @internal */
export function encodeDelQdisc(index: number, parent: number, handle = 0, kind?: string): Buffer {
  const w = new MessageWriter(C.RTM_DELQDISC, C.NLM_F_REQUEST | C.NLM_F_ACK, 48);
  tcmsg(w, index, handle, parent);
  if (kind !== undefined) w.putStrz(C.TCA_KIND, kind);
  return w.finish();
}

/** RTM_GETQDISC dump, as `tc qdisc show [dev IFNAME]` asks (the kernel lists every link's). @internal */
export function encodeDumpQdiscs(index: number): Buffer {
  const w = new MessageWriter(C.RTM_GETQDISC, C.NLM_F_REQUEST | C.NLM_F_DUMP, 36);
  tcmsg(w, index, 0, 0);
  return w.finish();
}

/** One class in a request, checked and resolved. @internal */
export interface ClassMessage {
  index: number;
  classid: number;
  parent: number;
  htb: HtbClassParams;
}

/**
 * RTM_NEWTCLASS: `tc class add` (NLM_F_CREATE | NLM_F_EXCL: `EEXIST` if it exists) or
 * `tc class replace` (NLM_F_CREATE: made or changed).
 * @internal
 */
export function encodeNewClass(c: ClassMessage, exclusive: boolean, ps: Psched = PSCHED_DEFAULT): Buffer {
  const w = new MessageWriter(C.RTM_NEWTCLASS, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (exclusive ? C.NLM_F_EXCL : 0), 2176);
  tcmsg(w, c.index, c.classid, c.parent);
  w.putStrz(C.TCA_KIND, 'htb');
  htbClassOptions(w, c.htb, ps);
  return w.finish();
}

/** RTM_DELTCLASS: `tc class del dev IFNAME classid ID`. @internal */
export function encodeDelClass(index: number, classid: number): Buffer {
  const w = new MessageWriter(C.RTM_DELTCLASS, C.NLM_F_REQUEST | C.NLM_F_ACK, 36);
  tcmsg(w, index, classid, 0);
  return w.finish();
}

/** RTM_GETTCLASS dump of one link's classes: `tc class show dev IFNAME`. @internal */
export function encodeDumpClasses(index: number): Buffer {
  const w = new MessageWriter(C.RTM_GETTCLASS, C.NLM_F_REQUEST | C.NLM_F_DUMP, 36);
  tcmsg(w, index, 0, 0);
  return w.finish();
}

/** A qdisc's handle as tc prints it: the major number in hex and a colon, `1:`, `8001:`. @internal */
export function formatHandle(h: number): string {
  return `${(h >>> 16).toString(16)}:`;
}

/** A class id or parent as tc prints it (print_tc_classid): `root`, `1:10`, `1:`, `:5`, `none`. @internal */
export function formatClassid(h: number): string {
  h >>>= 0;
  if (h === C.TC_H_ROOT) return 'root';
  if (h === 0) return 'none';
  const maj = h >>> 16;
  const min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

/** C's `%g` with `precision` significant digits. */
function cfmtG(v: number, precision = 6): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const [mant, exp] = v.toExponential(precision - 1).split('e') as [string, string];
  const x = Number(exp);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/u, '') : s);
  if (x < -4 || x >= precision) return `${strip(mant)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return strip(v.toFixed(Math.max(0, precision - 1 - x)));
}

/** A rate in bits per second as tc prints it (print_rate): `1Mbit`, `1500Kbit`, `50Gbit`. @internal */
export function formatRate(bitsPerSecond: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let r = Math.floor(bitsPerSecond);
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (r < 1000) break;
    if (r % 1000 !== 0 && r < 1000 * 1000) break;
    r = Math.floor(r / 1000);
  }
  return `${r}${units[i]!}bit`;
}

/** A size in bytes as tc prints it (sprint_size): `32Kb`, `1Mb`, `1600b`. @internal */
export function formatSize(bytes: number): string {
  const sz = Math.trunc(bytes);
  const kilo = 1024;
  const mega = kilo * kilo;
  if (sz >= mega && Math.abs(mega * Math.round(sz / mega) - sz) < 1024) return `${cfmtG(Math.round(sz / mega))}Mb`;
  if (sz >= kilo && Math.abs(kilo * Math.round(sz / kilo) - sz) < 16) return `${cfmtG(Math.round(sz / kilo))}Kb`;
  return `${sz}b`;
}

/** A time in microseconds as tc prints it (sprint_time): `50ms`, `1.5s`, `800us`. @internal */
export function formatTime(us: number): string {
  const t = Math.trunc(us);
  if (t >= USEC_PER_SEC) return `${cfmtG(t / USEC_PER_SEC, 3)}s`;
  if (t >= 1000) return `${cfmtG(t / 1000, 3)}ms`;
  return `${t}us`;
}

/** A netem probability as tc prints it: `1%`, `0.3%`. */
function formatPercent(percent: number): string {
  return `${cfmtG(percent)}%`;
}

/** A u32 probability as a percentage. */
function percentOf(p: number): number {
  return (100 * p) / U32_MAX;
}

/** A token bucket filter's settings, read back: `tc qdisc show` prints them as `rate 1Mbit burst 32Kb lat 50ms`. */
export interface TbfOptions {
  /** `tbf`. */
  kind: 'tbf';
  /** The rate, in bits per second (`tc -j` prints bytes per second). */
  rate: number;
  /** The bucket's size in bytes (`burst`). */
  burst: number;
  /** The queue's limit in bytes: packets wait while the queue holds less. */
  limit: number;
  /** The longest a packet waits in the queue, in milliseconds (`lat`), or null when `limit` is less than the burst. */
  latency: number | null;
  /** The peak rate in bits per second, or null. */
  peakrate: number | null;
  /** The peak bucket's size in bytes (`minburst`, `mtu`), or null without a peak rate. */
  mtu: number | null;
}

/** An htb qdisc's settings: `r2q 10 default 0x10 direct_packets_stat 0 direct_qlen 1000`. */
export interface HtbOptions {
  /** `htb`. */
  kind: 'htb';
  /** The minor number of the class unclassified traffic goes to (`default 0x10` is 16; 0: none, it goes out unshaped). */
  default: number;
  /** The divisor that makes a class's quantum from its rate (`r2q`). */
  r2q: number;
  /** How many packets went out unshaped for want of a class (`direct_packets_stat`). */
  directPackets: number;
  /** The length of the queue of those packets (`direct_qlen`), or null if the kernel did not say. */
  directQlen: number | null;
}

/** A netem's settings: `limit 1000 delay 10ms  2ms loss 1% rate 1Mbit`. */
export interface NetemOptions {
  /** `netem`. */
  kind: 'netem';
  /** The queue's length in packets. */
  limit: number;
  /** Added delay, in milliseconds. */
  delay: number;
  /** Random variation of the delay, in milliseconds. */
  jitter: number;
  /** How much each delay follows the previous one, in percent. */
  delayCorrelation: number;
  /** Packets dropped at random, in percent. */
  loss: number;
  /** How much each loss follows the previous one, in percent. */
  lossCorrelation: number;
  /** The rate the link is slowed to, in bits per second, or null. */
  rate: number | null;
}

/** A qdisc's settings, by kind; null for kinds this library does not decode (their bytes stay readable). */
export type QdiscOptions = TbfOptions | HtbOptions | NetemOptions;

/** What went through a qdisc or class (`tc -s`): counted since it was made. */
export interface TcStats {
  /** Bytes sent. */
  bytes: number;
  /** Packets sent. */
  packets: number;
  /** Packets dropped. */
  drops: number;
  /** Times a packet had to wait because the rate was reached (`overlimits`). */
  overlimits: number;
  /** Packets put back to be sent again. */
  requeues: number;
  /** Bytes queued now. */
  backlog: number;
  /** Packets queued now. */
  qlen: number;
}

/** A queueing discipline, as `tc qdisc show` prints it, typed. A snapshot. */
export class Qdisc extends KernelObject {
  /** `tbf`, `htb`, `netem`, `ingress`, `clsact`, `noqueue`, `pfifo_fast`, `fq_codel`, ... */
  kind = '';
  /** Its handle as tc prints it: `1:`, `8001:`, `ffff:`, `0:`. */
  handle = '0:';
  /** Where it hangs: `root`, `ffff:fff1` (ingress and clsact), or the class it is the leaf of, `1:10`. */
  parent = 'root';
  /** The interface's name. */
  dev = '';
  /** The interface's index. */
  index = 0;
  /** How many references the kernel holds on it (`refcnt`). */
  refcnt = 1;
  /** Its settings, for tbf, htb and netem; null otherwise. */
  options: QdiscOptions | null = null;
  /** What went through it, or null if the kernel sent no counters. */
  stats: TcStats | null = null;

  /** The qdisc as `tc qdisc show` prints it, on one line. */
  override toString(): string {
    const where = this.parent === 'root' ? 'root ' : this.parent === 'none' ? '' : `parent ${this.parent} `;
    const refcnt = this.refcnt !== 1 ? `refcnt ${this.refcnt} ` : '';
    return `qdisc ${this.kind} ${this.handle} dev ${this.dev || this.index} ${where}${refcnt}${this.#optionsText()}`.trimEnd();
  }

  #optionsText(): string {
    const o = this.options;
    if (this.kind === 'ingress') return '----------------';
    if (o === null) return '';
    if (o.kind === 'tbf') {
      let s = `rate ${formatRate(o.rate)} burst ${formatSize(o.burst)}`;
      if (o.peakrate !== null) s += ` peakrate ${formatRate(o.peakrate)}${o.mtu ? ` minburst ${formatSize(o.mtu)}` : ''}`;
      return o.latency !== null ? `${s} lat ${formatTime(o.latency * 1000)}` : `${s} limit ${formatSize(o.limit)}`;
    }
    if (o.kind === 'htb') {
      const qlen = o.directQlen !== null ? ` direct_qlen ${o.directQlen}` : '';
      return `r2q ${o.r2q} default ${o.default ? `0x${o.default.toString(16)}` : '0'} direct_packets_stat ${o.directPackets}${qlen}`;
    }
    let s = `limit ${o.limit}`;
    if (o.delay) {
      s += ` delay ${formatTime(o.delay * 1000)}`;
      if (o.jitter) s += `  ${formatTime(o.jitter * 1000)}${o.delayCorrelation ? ` ${formatPercent(o.delayCorrelation)}` : ''}`;
    }
    if (o.loss) s += ` loss ${formatPercent(o.loss)}${o.lossCorrelation ? ` ${formatPercent(o.lossCorrelation)}` : ''}`;
    if (o.rate !== null) s += ` rate ${formatRate(o.rate)}`;
    return s;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Qdisc <${this.toString()}>`;
  }
}

/** An htb class's settings: `prio 0 rate 1Mbit ceil 5Mbit burst 15Kb cburst 15Kb`. */
export interface HtbClassOptions {
  /** `htb`. */
  kind: 'htb';
  /** The rate it is guaranteed, in bits per second. */
  rate: number;
  /** The rate it may borrow up to, in bits per second. */
  ceil: number;
  /** Bytes it may send at once above `rate`. */
  burst: number;
  /** Bytes it may send at once above `ceil`. */
  cburst: number;
  /** Its priority, 0 (first) to 7, when classes borrow. */
  prio: number;
  /** Bytes it sends per round when classes share (`quantum`). */
  quantum: number;
  /** 0 for a leaf; inner classes count up from the leaves. */
  level: number;
}

/** A class of a classful qdisc, as `tc class show` prints it, typed. A snapshot. */
export class TrafficClass extends KernelObject {
  /** The kind of its qdisc: `htb` (or `tbf`, `netem`, whose single class the kernel lists too). */
  kind = '';
  /** Its id as tc prints it: `1:10`. */
  classid = '';
  /** Its parent class, or `root` for a class at the top of its qdisc. */
  parent = 'root';
  /** The handle of the qdisc that is its leaf (`leaf 10:`), or null. */
  leaf: string | null = null;
  /** The interface's name. */
  dev = '';
  /** The interface's index. */
  index = 0;
  /** Its settings, for htb; null otherwise. */
  options: HtbClassOptions | null = null;
  /** What went through it, or null if the kernel sent no counters. */
  stats: TcStats | null = null;

  /** The class as `tc class show dev IFNAME` prints it, on one line, with `dev IFNAME` after its id as `tc monitor` prints it. */
  override toString(): string {
    const where = this.parent === 'root' ? 'root ' : `parent ${this.parent} `;
    const leaf = this.leaf !== null ? `leaf ${this.leaf} ` : '';
    const o = this.options;
    const opts = o ? `${o.level === 0 ? `prio ${o.prio} ` : ''}rate ${formatRate(o.rate)} ceil ${formatRate(o.ceil)} burst ${formatSize(o.burst)} cburst ${formatSize(o.cburst)}` : '';
    return `class ${this.kind} ${this.classid} dev ${this.dev || this.index} ${where}${leaf}${opts}`.trimEnd();
  }

  /** @internal */
  [inspect.custom](): string {
    return `TrafficClass <${this.toString()}>`;
  }
}

/** A tc_ratespec's rate, replaced by the 64-bit attribute when present. */
function rateOf(buf: Buffer, specAt: number, r64: [number, number] | undefined): number {
  return r64 && r64[1] - r64[0] >= 8 ? readU64(buf, r64[0]) : readU32(buf, specAt + 8);
}

/** Bytes sent in `ticks` at `rate` bytes/s, to the nearest byte. */
function bytesIn(rate: number, ticks: number, ps: Psched): number {
  return Math.round((rate * tick2us(ticks, ps)) / USEC_PER_SEC);
}

function parseTbf(buf: Buffer, s: number, e: number, ps: Psched): TbfOptions | null {
  const parms = findAttr(buf, s, e, C.TCA_TBF_PARMS);
  if (!parms || parms[1] - parms[0] < TBF_QOPT_LEN) return null;
  const p = parms[0];
  const rate = rateOf(buf, p, findAttr(buf, s, e, C.TCA_TBF_RATE64));
  const peak = rateOf(buf, p + RATESPEC_LEN, findAttr(buf, s, e, C.TCA_TBF_PRATE64));
  const limit = readU32(buf, p + 24);
  const buffer = readU32(buf, p + 28);
  const mtuTicks = readU32(buf, p + 32);
  const burst = bytesIn(rate, buffer, ps);
  let latUs = rate ? USEC_PER_SEC * (limit / rate) - tick2us(buffer, ps) : -1;
  if (peak) {
    const lat2 = USEC_PER_SEC * (limit / peak) - tick2us(mtuTicks, ps);
    if (lat2 > latUs) latUs = lat2;
  }
  return {
    kind: 'tbf',
    rate: rate * 8,
    burst,
    limit,
    latency: latUs >= 0 ? latUs / 1000 : null,
    peakrate: peak ? peak * 8 : null,
    mtu: peak ? bytesIn(peak, mtuTicks, ps) : null,
  };
}

function parseHtb(buf: Buffer, s: number, e: number): HtbOptions | null {
  const init = findAttr(buf, s, e, C.TCA_HTB_INIT);
  if (!init || init[1] - init[0] < HTB_GLOB_LEN) return null;
  const qlen = findAttr(buf, s, e, C.TCA_HTB_DIRECT_QLEN);
  return {
    kind: 'htb',
    r2q: readU32(buf, init[0] + 4),
    default: readU32(buf, init[0] + 8),
    directPackets: readU32(buf, init[0] + 16),
    directQlen: qlen && qlen[1] - qlen[0] >= 4 ? readU32(buf, qlen[0]) : null,
  };
}

function parseNetem(buf: Buffer, s: number, e: number, ps: Psched): NetemOptions | null {
  if (e - s < NETEM_QOPT_LEN) return null;
  let latencyNs = (readU32(buf, s) / ps.tickInUsec) * 1000;
  let jitterNs = (readU32(buf, s + 20) / ps.tickInUsec) * 1000;
  const out: NetemOptions = {
    kind: 'netem',
    limit: readU32(buf, s + 4),
    delay: 0,
    jitter: 0,
    delayCorrelation: 0,
    loss: percentOf(readU32(buf, s + 8)),
    lossCorrelation: 0,
    rate: null,
  };
  let rate64: number | undefined;
  eachAttr(buf, s + NETEM_QOPT_LEN, e, (type, as, ae) => {
    if (type === C.TCA_NETEM_CORR && ae - as >= 8) {
      out.delayCorrelation = percentOf(readU32(buf, as));
      out.lossCorrelation = percentOf(readU32(buf, as + 4));
    } else if (type === C.TCA_NETEM_RATE && ae - as >= 4) {
      const r = readU32(buf, as);
      if (r) out.rate = r * 8;
    } else if (type === C.TCA_NETEM_RATE64 && ae - as >= 8) rate64 = readU64(buf, as);
    else if (type === C.TCA_NETEM_LATENCY64 && ae - as >= 8) latencyNs = Math.max(0, readU64(buf, as));
    else if (type === C.TCA_NETEM_JITTER64 && ae - as >= 8) jitterNs = Math.max(0, readU64(buf, as));
  });
  if (rate64 !== undefined && out.rate !== null) out.rate = rate64 * 8;
  out.delay = latencyNs / 1e6;
  out.jitter = jitterNs / 1e6;
  return out;
}

function parseHtbClass(buf: Buffer, s: number, e: number, ps: Psched): HtbClassOptions | null {
  const parms = findAttr(buf, s, e, C.TCA_HTB_PARMS);
  if (!parms || parms[1] - parms[0] < HTB_OPT_LEN) return null;
  const p = parms[0];
  const rate = rateOf(buf, p, findAttr(buf, s, e, C.TCA_HTB_RATE64));
  const ceil = rateOf(buf, p + RATESPEC_LEN, findAttr(buf, s, e, C.TCA_HTB_CEIL64));
  return {
    kind: 'htb',
    rate: rate * 8,
    ceil: ceil * 8,
    burst: bytesIn(rate, readU32(buf, p + 24), ps),
    cburst: bytesIn(ceil, readU32(buf, p + 28), ps),
    quantum: readU32(buf, p + 32),
    level: readU32(buf, p + 36),
    prio: readU32(buf, p + 40),
  };
}

/** TCA_STATS2's basic and queue counters, or the older struct tc_stats. */
function parseStats(buf: Buffer, s: number, e: number): TcStats | null {
  const stats2 = findAttr(buf, s, e, C.TCA_STATS2);
  if (stats2) {
    const st: TcStats = { bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 };
    let pkt64: number | undefined;
    eachAttr(buf, stats2[0], stats2[1], (type, as, ae) => {
      if (type === C.TCA_STATS_BASIC && ae - as >= 12) {
        st.bytes = readU64(buf, as);
        st.packets = readU32(buf, as + 8);
      } else if (type === C.TCA_STATS_QUEUE && ae - as >= 20) {
        st.qlen = readU32(buf, as);
        st.backlog = readU32(buf, as + 4);
        st.drops = readU32(buf, as + 8);
        st.requeues = readU32(buf, as + 12);
        st.overlimits = readU32(buf, as + 16);
      } else if (type === C.TCA_STATS_PKT64 && ae - as >= 8) pkt64 = readU64(buf, as);
    });
    if (pkt64 !== undefined) st.packets = pkt64;
    return st;
  }
  const old = findAttr(buf, s, e, C.TCA_STATS);
  if (!old || old[1] - old[0] < 36) return null;
  const o = old[0];
  return { bytes: readU64(buf, o), packets: readU32(buf, o + 8), drops: readU32(buf, o + 12), overlimits: readU32(buf, o + 16), requeues: 0, qlen: readU32(buf, o + 28), backlog: readU32(buf, o + 32) };
}

/** The kind, the options' bounds and the counters of a tcmsg's attributes. */
function readTcAttrs(buf: Buffer, s: number, e: number): { kind: string; options: [number, number] | undefined; stats: TcStats | null } {
  const k = findAttr(buf, s, e, C.TCA_KIND);
  return { kind: k ? readString(buf, k[0], k[1]) : '', options: findAttr(buf, s, e, C.TCA_OPTIONS), stats: parseStats(buf, s, e) };
}

/** Reads an RTM_NEWQDISC message; other messages give undefined. @internal */
export function parseQdisc(m: RawMessage, ps: Psched = PSCHED_DEFAULT): Qdisc | undefined {
  if (m.type !== C.RTM_NEWQDISC || m.end - m.start < TCMSG_LEN) return undefined;
  const buf = m.buf;
  const at = m.start + TCMSG_LEN;
  const q = new Qdisc(buf, at, m.end);
  q.index = readI32(buf, m.start + 4);
  q.handle = formatHandle(readU32(buf, m.start + 8));
  q.parent = formatClassid(readU32(buf, m.start + 12));
  q.refcnt = readU32(buf, m.start + 16);
  const a = readTcAttrs(buf, at, m.end);
  q.kind = a.kind;
  q.stats = a.stats;
  if (a.options) {
    const [s, e] = a.options;
    if (q.kind === 'tbf') q.options = parseTbf(buf, s, e, ps);
    else if (q.kind === 'htb') q.options = parseHtb(buf, s, e);
    else if (q.kind === 'netem') q.options = parseNetem(buf, s, e, ps);
  }
  return q;
}

/** Reads an RTM_NEWTCLASS message; other messages give undefined. @internal */
export function parseClass(m: RawMessage, ps: Psched = PSCHED_DEFAULT): TrafficClass | undefined {
  if (m.type !== C.RTM_NEWTCLASS || m.end - m.start < TCMSG_LEN) return undefined;
  const buf = m.buf;
  const at = m.start + TCMSG_LEN;
  const c = new TrafficClass(buf, at, m.end);
  c.index = readI32(buf, m.start + 4);
  c.classid = formatClassid(readU32(buf, m.start + 8));
  c.parent = formatClassid(readU32(buf, m.start + 12));
  const info = readU32(buf, m.start + 16);
  c.leaf = info ? formatHandle(info) : null;
  const a = readTcAttrs(buf, at, m.end);
  c.kind = a.kind;
  c.stats = a.stats;
  if (a.options && c.kind === 'htb') c.options = parseHtbClass(buf, a.options[0], a.options[1], ps);
  return c;
}
