/**
 * Watching a namespace change: {@link Watcher}, what {@link Netns.watch} returns. A socket of its
 * own per watcher, made inside the namespace and subscribed to the multicast groups its kinds
 * need, read on the event loop, its messages parsed by the same parsers as the dumps. The
 * watcher keeps the state it watches, so that neither its first listing nor an overflow of the
 * socket can lose or double a change: what a consumer applies to a map ends as the kernel's state.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { contextError, fromNative, nativeCall, type ErrorContext } from './errors.js';
import type { NsHandle } from './handle.js';
import { native, type WatchControl } from './native.js';
import * as A from './ops/address.js';
import * as L from './ops/link.js';
import * as N from './ops/neighbor.js';
import * as R from './ops/route.js';
import * as U from './ops/rule.js';
import { checkArray, checkBoolean, checkFamily, checkIfname, checkInt, checkMs, checkOptions, checkSignal, opt, showValue } from './validate.js';
import { parseAddress, type Address } from './wire/address.js';
import { C } from './wire/constants.js';
import { formatAddress, parsePrefix, type Family } from './wire/ip.js';
import { parseLink, type Link } from './wire/link.js';
import { parseNeighbor, type Neighbor } from './wire/neighbor.js';
import { eachMessage, type RawMessage } from './wire/netlink.js';
import { parseRoute, type Route } from './wire/route.js';
import { parseRule, type Rule } from './wire/rule.js';

/** What a watcher can watch. */
export type WatchKind = 'link' | 'address' | 'route' | 'neighbor' | 'rule';

/** Options of {@link Netns.watch}: `ip monitor [link] [address] [route] [neigh] [rule]`. */
export interface WatchOptions {
  /** The kinds of object to watch; default all five. */
  kinds?: readonly WatchKind[];
  /** Only IPv4 (4) or IPv6 (6) addresses, routes, neighbours and rules (links have no family). */
  family?: Family;
  /**
   * First yield what exists now, as `new` events, then one `{ kind: 'synced' }`; no change is
   * lost or doubled between that listing and the live events.
   */
  existing?: boolean;
  /**
   * The watcher socket's receive buffer in bytes; default 8 MiB (forced past `rmem_max` as
   * root). Smaller makes the kernel drop events sooner, which the watcher then reports and
   * repairs (`overflow`, then what changed, then `synced`).
   */
  receiveBufferSize?: number;
  /** Ends the watcher when aborted. */
  signal?: AbortSignal;
  /**
   * How many events may wait for a consumer that falls behind (default 65,536), and how many
   * kernel messages a listing (the first, or a re-read after an overflow) may hold back while it
   * runs. Past it the watcher stops reading its socket until half of the events are taken, or
   * the listing is done: memory stays bounded by the kernel's buffer, and what the kernel drops
   * meanwhile comes back as an `overflow`.
   */
  maxQueued?: number;
}

/** A change of one object of kind `K`, as the kernel announced it (or as a re-read found it). */
export interface Change<K extends WatchKind, T> {
  /** What changed: `link`, `address`, `route`, `neighbor` or `rule`. */
  kind: K;
  /** `new` (made, or changed: the object is its new state) or `delete`. */
  action: 'new' | 'delete';
  /** The object, typed as the listings return it. */
  object: T;
}

/** A change of any kind. */
export type ChangeEvent = Change<'link', Link> | Change<'address', Address> | Change<'route', Route> | Change<'neighbor', Neighbor> | Change<'rule', Rule>;

/** A marker in a watcher's stream. */
export interface Marker<K extends 'overflow' | 'synced'> {
  /**
   * `overflow`: the kernel dropped events; what changed meanwhile follows as changes.
   * `synced`: the watcher's view is the kernel's again (after the first listing of `existing`,
   * and after each overflow).
   */
  kind: K;
}

/** What a watcher yields: a change, or a marker. */
export type WatchEvent = ChangeEvent | Marker<'overflow'> | Marker<'synced'>;

type Obj = Link | Address | Route | Neighbor | Rule;

interface KindSpec {
  groups: (family: Family | undefined) => number[];
  types: readonly [newType: number, delType: number];
  parse: (m: RawMessage) => Obj | undefined;
  key: (o: never) => string;
  /** The object as compared for "unchanged": counters and countdowns left out. */
  state: (o: never) => string;
  /** What exists now: the listing of this kind. */
  dump: (h: NsHandle, family: Family | undefined) => Promise<Obj[]>;
}

const both = (v4: number, v6: number) => (family: Family | undefined): number[] => (family === 4 ? [v4] : family === 6 ? [v6] : [v4, v6]);
const plain = (o: object, leave: readonly string[]): string => JSON.stringify(o, (k, v: unknown) => (leave.includes(k) ? undefined : v));

const KINDS: Readonly<Record<WatchKind, KindSpec>> = {
  link: {
    groups: () => [C.RTNLGRP_LINK],
    types: [C.RTM_NEWLINK, C.RTM_DELLINK],
    parse: parseLink,
    key: (l: Link) => String(l.index),
    state: (l: Link) => plain(l, ['stats']),
    dump: (h) => L.links(h),
  },
  address: {
    groups: both(C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR),
    types: [C.RTM_NEWADDR, C.RTM_DELADDR],
    parse: parseAddress,
    key: (a: Address) => `${a.family} ${a.index} ${a.address}/${a.prefixLength} ${a.peer ?? ''}`,
    state: (a: Address) => plain(a, ['validLifetime', 'preferredLifetime']),
    dump: (h, family) => A.addresses(h, family === undefined ? undefined : { family }),
  },
  route: {
    groups: both(C.RTNLGRP_IPV4_ROUTE, C.RTNLGRP_IPV6_ROUTE),
    types: [C.RTM_NEWROUTE, C.RTM_DELROUTE],
    parse: parseRoute,
    key: (r: Route) => `${r.family} ${r.table} ${r.to} ${r.metric ?? ''} ${r.type === 'local' || r.type === 'broadcast' ? r.type : ''}`,
    state: (r: Route) => plain(r, []),
    dump: (h, family) => R.routes(h, { table: 'all', ...(family === undefined ? {} : { family }) }),
  },
  neighbor: {
    groups: () => [C.RTNLGRP_NEIGH],
    types: [C.RTM_NEWNEIGH, C.RTM_DELNEIGH],
    parse: parseNeighbor,
    key: (n: Neighbor) => `${n.family} ${n.index} ${n.address}`,
    state: (n: Neighbor) => plain(n, []),
    dump: (h, family) => N.neighbors(h, family === undefined ? undefined : { family }),
  },
  rule: {
    groups: both(C.RTNLGRP_IPV4_RULE, C.RTNLGRP_IPV6_RULE),
    types: [C.RTM_NEWRULE, C.RTM_DELRULE],
    parse: parseRule,
    key: (r: Rule) => plain(r, []),
    state: (r: Rule) => plain(r, []),
    dump: (h, family) => U.rules(h, family === undefined ? undefined : { family }),
  },
};

const ALL: readonly WatchKind[] = ['link', 'address', 'route', 'neighbor', 'rule'];
const DEFAULT_RCVBUF = 8 << 20;
const DEFAULT_MAX_QUEUED = 1 << 16;

function checkKind(v: unknown, i: number): WatchKind {
  if (typeof v === 'string' && (ALL as readonly string[]).includes(v)) return v as WatchKind;
  throw new TypeError(`kinds[${i}] must be one of ${ALL.join(', ')}, got ${showValue(v)}`);
}

/** Options checked, before anything is opened. */
interface Checked {
  kinds: readonly WatchKind[];
  family: Family | undefined;
  existing: boolean;
  rcvbuf: number;
  maxQueued: number;
  signal: AbortSignal | undefined;
}

/** The options, every one checked before anything is opened. */
function checkWatchOptions(options: WatchOptions | undefined): Checked {
  const o = checkOptions(options, 'watch options', ['kinds', 'family', 'existing', 'receiveBufferSize', 'signal', 'maxQueued']);
  const kinds = opt(o.kinds, (v) => [...new Set(checkArray(v, 'kinds', checkKind))]) ?? ALL;
  if (kinds.length === 0) throw new TypeError('kinds must name at least one kind');
  return {
    kinds,
    family: opt(o.family, checkFamily),
    existing: opt(o.existing, (v) => checkBoolean(v, 'existing')) ?? false,
    rcvbuf: opt(o.receiveBufferSize, (v) => checkInt(v, 1024, 0x7fffffff, 'receiveBufferSize')) ?? DEFAULT_RCVBUF,
    maxQueued: opt(o.maxQueued, (v) => checkInt(v, 1, 0x7fffffff, 'maxQueued')) ?? DEFAULT_MAX_QUEUED,
    signal: opt(o.signal, checkSignal),
  };
}

/**
 * The changes of one namespace, as an async iterable: `for await (const e of watcher)`.
 * Breaking out of the loop, {@link Watcher.close}, the `signal` of its options and closing the
 * namespace's handle all end it; its socket keeps the namespace alive meanwhile, as a handle does.
 * `ip monitor`
 */
export class Watcher implements AsyncIterableIterator<WatchEvent> {
  readonly #h: NsHandle;
  readonly #o: Checked;
  /** By kind, by key: the watcher's view of the kernel's state. */
  readonly #state = new Map<WatchKind, Map<string, Obj>>();
  readonly #queue: WatchEvent[] = [];
  #waiting: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | null = null;
  /** Live messages held back while a listing is being read. */
  #held: RawMessage[] | null = [];
  #resyncing = false;
  /** The kernel dropped events again while a re-read was under way: it must run again. */
  #resyncAgain = false;
  #refreshing = false;
  #socket: WatchControl | null = null;
  /** The socket is not read while the consumer catches up. */
  #paused = false;
  #ended = false;
  #failure: unknown = null;
  readonly #onAbort = (): void => this.close();
  readonly #name: (index: number) => string | null;

  /** @internal */
  constructor(h: NsHandle, o: Checked, name: (index: number) => string | null) {
    this.#h = h;
    this.#o = o;
    this.#name = name;
    for (const k of o.kinds) this.#state.set(k, new Map());
  }

  /** @internal */
  start(fd: number): void {
    this.#socket = native.watchStart(fd, (buf: Buffer, overflow: boolean, errno: number) => this.#receive(buf, overflow, errno));
    this.#o.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Ends the watcher: pending events are dropped, its socket closed. Idempotent. */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue.length = 0;
    this.#socket?.stop();
    this.#socket = null;
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    this.#h.forgetWatcher(this);
    this.#settle();
  }

  /** The next event. */
  next(): Promise<IteratorResult<WatchEvent>> {
    const e = this.#queue.shift();
    this.#resume();
    if (e) return Promise.resolve({ value: e, done: false });
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Ends the watcher when a `for await` loop is left early. */
  return(): Promise<IteratorResult<WatchEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The watcher itself: `for await (const e of watcher)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Reads what exists and settles the first view (then the live messages held meanwhile). @internal */
  async sync(announce: boolean): Promise<void> {
    const found = await this.#dump(this.#o.kinds);
    for (const [kind, objects] of found) {
      const state = this.#state.get(kind)!;
      for (const o of objects) {
        state.set(KINDS[kind].key(o as never), o);
        if (announce) this.#push({ kind, action: 'new', object: o } as ChangeEvent);
      }
    }
    if (announce) this.#push({ kind: 'synced' });
    this.#release();
  }

  /** What exists now, of each kind: the same listings as ns.links(), ns.addresses(), ... */
  #dump(kinds: readonly WatchKind[]): Promise<[WatchKind, Obj[]][]> {
    return Promise.all(kinds.map(async (k): Promise<[WatchKind, Obj[]]> => [k, await this.#list(k)]));
  }

  /**
   * One kind's listing, consistent. A listing keeps failing with `EINTR` (the kernel saw its
   * tables change under it, four times) while another process keeps changing them, as a flood
   * that overflows the socket does; the watcher tries again, a little later each time, for as
   * long as it lives. An interrupted listing is not taken as it is: it can miss an object that
   * existed throughout (one deleted before the dump's cursor shifts the rest), and no event
   * would ever bring that object back.
   */
  async #list(kind: WatchKind): Promise<Obj[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await KINDS[kind].dump(this.#h, this.#o.family);
      } catch (e) {
        if ((e as { errno?: unknown }).errno !== constants.errno.EINTR || this.#ended) throw e;
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 20)));
      }
    }
  }

  /**
   * The messages held back during a listing, and those still queued on the socket (sent before
   * the listing's reply, not yet read): what the listing already showed is dropped.
   */
  #release(): void {
    const queued = this.#socket?.drain();
    if (queued) this.#receive(...queued);
    const held = this.#held ?? [];
    this.#held = null;
    for (const m of held) this.#apply(m, true);
    this.#resume();
  }

  #receive(buf: Buffer, overflow: boolean, errno: number): void {
    if (this.#ended) return;
    if (errno) {
      this.#fail(fromNative(Object.assign(new Error('recvmsg'), { errno, syscall: 'recvmsg' }), this.#ctx()));
      return;
    }
    eachMessage(buf, (m) => {
      if (this.#held) this.#held.push(m);
      else this.#apply(m, false);
    });
    // While a listing is read, what it holds back is bounded as the queue is: past maxQueued
    // the socket is left unread, and what the kernel drops meanwhile comes back as an overflow.
    if (this.#held && this.#held.length >= this.#o.maxQueued) this.#pause();
    if (overflow) {
      if (this.#resyncing) this.#resyncAgain = true;
      else void this.#resync();
    }
  }

  /** After the kernel dropped events: say so, read the state again, yield the difference. */
  async #resync(): Promise<void> {
    this.#resyncing = true;
    this.#push({ kind: 'overflow' });
    this.#held ??= [];
    try {
      if (await this.#reread(this.#o.kinds)) {
        this.#release();
        this.#push({ kind: 'synced' });
      }
    } catch (e) {
      this.#fail(e);
    } finally {
      this.#resyncing = false;
    }
    if (this.#resyncAgain && !this.#ended) {
      this.#resyncAgain = false;
      await this.#resync();
    }
  }

  /**
   * The kernel flushes IPv4 routes (and neighbours) of a link that goes down or away without
   * announcing each: after such a link event, they are read again and the difference yielded.
   */
  #afterLinkLoss(): void {
    const kinds = this.#o.kinds.filter((k) => k === 'route' || k === 'neighbor');
    if (kinds.length === 0 || this.#refreshing) return;
    this.#refreshing = true;
    setImmediate(() => {
      this.#refreshing = false;
      if (this.#ended || this.#resyncing || this.#held) return;
      // Held meanwhile, as during a listing, so a change seen by both is yielded once.
      this.#held = [];
      this.#reread(kinds).then(
        (live) => live && this.#release(),
        (e: unknown) => this.#fail(e),
      );
    });
  }

  /** Reads `kinds` again and yields how they differ from the watcher's view; false if it ended meanwhile. */
  async #reread(kinds: readonly WatchKind[]): Promise<boolean> {
    const found = await this.#dump(kinds);
    if (this.#ended) return false;
    for (const [kind, objects] of found) {
      const spec = KINDS[kind];
      const state = this.#state.get(kind)!;
      const now = new Map(objects.map((o) => [spec.key(o as never), o]));
      for (const [key, old] of state) {
        if (!now.has(key)) {
          state.delete(key);
          this.#push({ kind, action: 'delete', object: old } as ChangeEvent);
        }
      }
      for (const [key, o] of now) {
        const old = state.get(key);
        state.set(key, o);
        if (!old || spec.state(old as never) !== spec.state(o as never)) this.#push({ kind, action: 'new', object: o } as ChangeEvent);
      }
    }
    return true;
  }

  /** One kernel message: the watcher's view updated, the event queued (unless already known). */
  #apply(m: RawMessage, deduplicate: boolean): void {
    for (const kind of this.#o.kinds) {
      const spec = KINDS[kind];
      const [newType, delType] = spec.types;
      if (m.type !== newType && m.type !== delType) continue;
      // The dump parsers read the NEW type; a DEL message has the same layout.
      const o = spec.parse(m.type === newType ? m : { ...m, type: newType });
      if (!o || (this.#o.family !== undefined && 'family' in o && o.family !== this.#o.family)) return;
      this.#nameLinks(kind, o);
      const key = spec.key(o as never);
      const state = this.#state.get(kind)!;
      // The state before is needed to deduplicate and to see a link go down, not otherwise.
      const old = deduplicate || kind === 'link' ? state.get(key) : undefined;
      if (m.type === delType) {
        if (deduplicate && !old) return;
        state.delete(key);
        this.#push({ kind, action: 'delete', object: o } as ChangeEvent);
      } else {
        if (deduplicate && old && spec.state(old as never) === spec.state(o as never)) return;
        state.set(key, o);
        this.#push({ kind, action: 'new', object: o } as ChangeEvent);
      }
      if (kind === 'link' && (m.type === delType || ((old as Link | undefined)?.up && !(o as Link).up))) this.#afterLinkLoss();
      return;
    }
  }

  /** Interface names for objects that carry only an index, as the listings give them. */
  #nameLinks(kind: WatchKind, o: Obj): void {
    if (kind === 'address') A.nameAddress(o as Address, this.#nameOrNull);
    else if (kind === 'route') R.nameDevs([o as Route], this.#nameOrNull);
    else if (kind === 'neighbor') (o as Neighbor).dev = this.#linkName((o as Neighbor).index);
  }

  /** {@link #linkName}, null for none, bound once. */
  readonly #nameOrNull = (index: number): string | null => this.#linkName(index) || null;

  /** A link's name: from the watched links if known (also for one just deleted), else asked. */
  #linkName(index: number): string {
    const known = this.#state.get('link')?.get(String(index)) as Link | undefined;
    return known?.name ?? this.#name(index) ?? '';
  }

  #push(e: WatchEvent): void {
    if (this.#ended) return;
    const w = this.#waiting;
    if (w) {
      this.#waiting = null;
      w.resolve({ value: e, done: false });
    } else {
      this.#queue.push(e);
      if (this.#queue.length >= this.#o.maxQueued) this.#pause();
    }
  }

  /** The socket left unread: the queue, or what a listing holds back, is full. */
  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#socket?.pause();
  }

  /** The socket read again once the queue is down to half, and no listing holds back too much. */
  #resume(): void {
    if (!this.#paused || this.#queue.length > this.#o.maxQueued >> 1 || (this.#held && this.#held.length >= this.#o.maxQueued)) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  #fail(e: unknown): void {
    if (this.#ended) return;
    this.#failure = e;
    this.#socket?.stop();
    this.#socket = null;
    this.#ended = true;
    this.#h.forgetWatcher(this);
    this.#settle();
  }

  /** Answers a waiting next() once nothing more can come. */
  #settle(): void {
    const w = this.#waiting;
    if (!w) return;
    this.#waiting = null;
    if (this.#failure) w.reject(this.#failure);
    else w.resolve({ value: undefined, done: true });
  }

  #ctx(): ErrorContext {
    return { op: 'watch', object: { netns: this.#h.label }, subject: `netns ${this.#h.label}` };
  }
}

/** `ip monitor`: a watcher on `h`'s namespace, subscribed when this resolves. @internal */
export async function watch(h: NsHandle, options: WatchOptions | undefined): Promise<Watcher> {
  const o = checkWatchOptions(options);
  const ctx: ErrorContext = { op: 'watch', object: { netns: h.label }, subject: `netns ${h.label}` };
  if (o.signal?.aborted) throw contextError(ctx, constants.errno.ECANCELED, 'aborted before it began');
  const groups = [...new Set(o.kinds.flatMap((k) => KINDS[k].groups(o.family)))];
  const conn = await h.connection('watch');
  const { fd } = await h.withFd((nsfd) => nativeCall(ctx, () => native.watchOpen(nsfd, groups, o.rcvbuf)));
  const w = new Watcher(h, o, (index) => {
    const name = conn.ifname(index);
    return typeof name === 'string' ? name : null;
  });
  if (h.closed) {
    native.close(fd);
    throw h.closedError('watch');
  }
  w.start(fd);
  h.rememberWatcher(w);
  try {
    await w.sync(o.existing);
  } catch (e) {
    w.close();
    throw e;
  }
  return w;
}

/** Options of {@link Netns.waitForLink} and {@link Netns.waitForAddress}. */
export interface WaitOptions {
  /** Give up after this many milliseconds (`ETIMEDOUT`); default: wait as long as it takes. */
  timeout?: number;
  /** Give up when aborted (`ECANCELED`). */
  signal?: AbortSignal;
}

/**
 * Resolves with the first event `match` accepts, on a watcher that lists what exists first, so
 * a state reached before the call is found as surely as one reached after it.
 */
async function waitFor<T>(h: NsHandle, op: string, object: Record<string, unknown>, kinds: WatchKind[], options: WaitOptions | undefined, match: (e: ChangeEvent) => T | undefined): Promise<T> {
  const o = checkOptions(options, `${op} options`, ['timeout', 'signal']);
  const timeout = opt(o.timeout, (v) => checkMs(v, 'timeout', 1));
  const signal = opt(o.signal, checkSignal);
  const what = Object.values(object).join(' ');
  const ctx = (hint: string): ErrorContext => ({ op, object: { ...object, netns: h.label }, subject: `${what} in netns ${h.label}`, hints: { [constants.errno.ETIMEDOUT]: hint, [constants.errno.ECANCELED]: hint } });
  const w = await watch(h, { kinds, existing: true, ...(signal ? { signal } : {}) });
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  if (timeout !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      w.close();
    }, timeout);
  }
  try {
    for await (const e of w) {
      if (e.kind === 'overflow' || e.kind === 'synced') continue;
      const found = match(e);
      if (found !== undefined) return found;
    }
    if (timedOut) throw contextError(ctx(`not reached within ${timeout} ms`), constants.errno.ETIMEDOUT, null);
    throw contextError(ctx(signal?.aborted ? 'aborted' : 'the namespace\'s handle was closed'), constants.errno.ECANCELED, null);
  } finally {
    clearTimeout(timer);
    w.close();
  }
}

/** The default test of {@link Netns.waitForLink}: operationally up. */
const operUp = (l: Link): boolean => l.operstate === 'UP';

/** `ip monitor link` until a link named `ifname` satisfies `predicate`. @internal */
export function waitForLink(h: NsHandle, ifname: string, predicate: ((link: Link) => boolean) | undefined, options: WaitOptions | undefined): Promise<Link> {
  checkIfname(ifname);
  if (predicate !== undefined && typeof predicate !== 'function') throw new TypeError(`predicate must be a function, got ${showValue(predicate)}`);
  const test = predicate ?? operUp;
  return waitFor(h, 'waitForLink', { ifname }, ['link'], options, (e) =>
    e.kind === 'link' && e.action === 'new' && e.object.name === ifname && test(e.object) ? e.object : undefined,
  );
}

/**
 * `ip monitor address` until `ifname` has `cidr`, no longer tentative (IPv6 duplicate address
 * detection finished). A failed detection rejects with `EADDRINUSE`.
 * @internal
 */
export function waitForAddress(h: NsHandle, ifname: string, cidr: string, options: WaitOptions | undefined): Promise<Address> {
  checkIfname(ifname);
  const p = parsePrefix(cidr);
  const address = formatAddress(p.bytes, 0, p.bytes.length);
  return waitFor(h, 'waitForAddress', { ifname, address: cidr }, ['address'], options, (e) => {
    if (e.kind !== 'address' || e.action !== 'new') return undefined;
    const a = e.object;
    if (a.ifname !== ifname || a.address !== address || a.prefixLength !== p.prefixLength) return undefined;
    if (a.flags & C.IFA_F_DADFAILED) {
      throw contextError({ op: 'waitForAddress', object: { ifname, address: cidr, netns: h.label }, subject: `${cidr} on ${ifname} in netns ${h.label}`, hints: { [constants.errno.EADDRINUSE]: 'duplicate address detection found another host using it' } }, constants.errno.EADDRINUSE, null);
    }
    return a.tentative ? undefined : a;
  });
}
