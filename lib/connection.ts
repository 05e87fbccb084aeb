/**
 * One rtnetlink socket, bound to the namespace it was made in, and its request queue.
 *
 * Requests made in the same tick go to the kernel together: the first one schedules a flush
 * for the end of the tick, and everything queued by then goes down in one native call (one
 * `sendmsg` per chunk). While a batch is in flight, new requests wait and form the next one.
 * Replies are matched to requests by sequence number (the addon has already checked the port
 * id and dropped strays). The socket's I/O is a {@link Transport}, given to the constructor:
 * the addon in use, a fake kernel in tests.
 * @internal
 * @packageDocumentation
 */
import { constants as os } from 'node:os';
import { performance } from 'node:perf_hooks';
import { debuglog } from 'node:util';
import { readU16, writeU32 } from './wire/attr.js';
import { C } from './wire/constants.js';
import { eachMessage, readAck, readDone, type KernelError, type RawMessage } from './wire/netlink.js';
import { contextError, isNativeError, type Ctx } from './errors.js';
import type { Answer, NativeError } from './native.js';

/** A socket's netlink protocol: rtnetlink, or nfnetlink (nf_tables). @internal */
export type Protocol = 'route' | 'netfilter';

/** What a connection needs of the socket's owner: the addon's calls of these names. @internal */
export interface Transport {
  /** Sends the requests (whole messages, back to back) and resolves with their answer (`true`: all plain ACKs). */
  transact(fd: number, portid: number, requests: Buffer): Promise<Answer>;
  /**
   * The same, for quick requests only, on the hot I/O thread, which takes its jobs in order:
   * the answer itself when it came while the caller waited, else a promise of it.
   * `wait: false`: the caller does not wait a moment for the answer (more is coming).
   */
  transactQuick(fd: number, portid: number, requests: Buffer, wait?: boolean): Answer | Promise<Answer>;
  /** The index of an interface in the socket's namespace, or -errno (SIOCGIFINDEX). */
  ifindex(fd: number, name: string): number;
  /** The name of an interface in the socket's namespace, or -errno (SIOCGIFNAME). */
  ifname(fd: number, index: number): string | number;
  close(fd: number): void;
  /**
   * The same as `transact`, for a dump: its replies go to `onPart` in parts as they are read,
   * and the promise resolves with the rest, after the last part.
   */
  transactParts?(fd: number, portid: number, requests: Buffer, onPart: (replies: Buffer) => void): Promise<Answer>;
  /** Several sockets' exchanges in one job: per socket its answer, or its failure (with `replies`). */
  transactMany?(fds: number[], portids: number[], requests: Buffer[]): Promise<(Answer | NativeError)[]>;
  /** close(fd) off the event loop, where closing can take the kernel long (a netfilter socket's). */
  closeLater?(fd: number): Promise<void>;
}

/**
 * Requests whose kernel work is short and bounded: they go to the hot I/O thread (see
 * native/io.cc). Link creation, deletion and moves, namespace work and dumps go to the pool,
 * where a 16 ms veth delete holds up nothing else.
 */
const QUICK: ReadonlySet<number> = new Set([
  C.RTM_NEWADDR, C.RTM_DELADDR, C.RTM_NEWROUTE, C.RTM_DELROUTE, C.RTM_NEWNEIGH, C.RTM_DELNEIGH,
  C.RTM_NEWRULE, C.RTM_DELRULE, C.RTM_GETLINK, C.RTM_GETADDR, C.RTM_GETROUTE, C.RTM_GETNEIGH,
  C.RTM_GETRULE, C.RTM_GETNSID,
]);

/**
 * A burst of quick requests on one socket (a `Promise.all` of a thousand addresses) goes down in
 * chunks of this many as it is made, not all at the end of the tick: the I/O thread works on a
 * chunk while the caller encodes the next and settles the last, so JavaScript's time per
 * request overlaps the kernel's instead of adding to it. The native exchange sends 64 messages
 * per `sendmsg`.
 */
export const PIPELINE_CHUNK = 64;

function isQuick(p: Pending): boolean {
  return !p.dump && !p.parts && QUICK.has(readU16(p.msg, 4));
}

/** `NODE_DEBUG=netns-link`: each request and reply, one line each; nothing is formatted when off. */
const debug = debuglog('netns-link');
let messageNames: Map<number, string> | undefined;

let nftNames: Map<number, string> | undefined;

/** A message type's name (`RTM_NEWADDR`, `NFT_MSG_NEWRULE`), for the debug log. */
function typeName(type: number, protocol: Protocol): string {
  if (protocol === 'netfilter') {
    if (type === C.NFNL_MSG_BATCH_BEGIN) return 'NFNL_MSG_BATCH_BEGIN';
    if (type === C.NFNL_MSG_BATCH_END) return 'NFNL_MSG_BATCH_END';
    if (type >> 8 === C.NFNL_SUBSYS_NFTABLES) {
      nftNames ??= new Map(Object.entries(C).filter(([k]) => k.startsWith('NFT_MSG_')).map(([k, v]) => [v, k]));
      return nftNames.get(type & 0xff) ?? `type ${type}`;
    }
  }
  messageNames ??= new Map(Object.entries(C).filter(([k]) => /^(RTM|NLMSG)_/u.test(k) && k !== 'NLMSG_HDRLEN').map(([k, v]) => [v, k]));
  return messageNames.get(type) ?? `type ${type}`;
}

function logRequests(fd: number, batch: readonly Pending[], protocol: Protocol): void {
  for (const p of batch) {
    eachMessage(p.msg, (m) => {
      debug('fd %d -> %s seq %d flags 0x%s len %d', fd, typeName(m.type, protocol), m.seq, m.flags.toString(16), m.end - m.start + 16);
    });
  }
}

function logReply(fd: number, m: RawMessage, protocol: Protocol): void {
  if (m.type === C.NLMSG_ERROR) {
    const ack = readAck(m);
    debug('fd %d <- %s seq %d%s', fd, ack ? 'error' : 'ack', m.seq, ack ? ` errno ${ack.errno}${ack.message ? ` "${ack.message}"` : ''}` : '');
  } else {
    debug('fd %d <- %s seq %d len %d', fd, typeName(m.type, protocol), m.seq, m.end - m.start + 16);
  }
}

/** How often an interrupted dump (`NLM_F_DUMP_INTR`) is run again before giving up. @internal */
export const DUMP_RETRIES = 4;

/** Reads one reply message into a result, or skips it by returning undefined. @internal */
export type Parse<T> = (m: RawMessage) => T | undefined;

interface Pending {
  msg: Buffer;
  seq: number;
  dump: boolean;
  /**
   * An nf_tables batch: the offsets of its messages in `msg` (BEGIN first, END last). Each gets
   * a sequence number; `answers` holds what came back for each, and the batch resolves with it.
   */
  parts: number[] | null;
  answers: (KernelError | null | undefined)[] | null;
  parse: Parse<unknown> | undefined;
  /** What `parse` made of the replies; null for a change that resolves with nothing. */
  results: unknown[] | null;
  interrupted: boolean;
  attempts: number;
  ctx: Ctx;
  resolve(results: unknown[] | undefined): void;
  reject(e: Error): void;
  /** Set once an ACK, an error or NLMSG_DONE has answered it. */
  error: KernelError | null | undefined;
}

/**
 * How long requests may settle one after another without the event loop turning. A quick
 * request can settle without a turn (the hot I/O thread answered in place), so a loop of
 * `await ns.getRoute()` would otherwise starve timers and I/O; past the budget the next batch
 * waits for the loop (setImmediate).
 */
let syncBudgetMs = 1;

/**
 * For tests whose subject is not the budget (a tick making hundreds of requests can pass 1 ms
 * on a loaded machine): sets it, and returns the one before. @internal
 */
export function syncBudget(ms?: number): number {
  const previous = syncBudgetMs;
  if (ms !== undefined) syncBudgetMs = ms;
  return previous;
}

/** When the current stretch without a turn of the loop began; 0 when the loop has just turned. */
let stretchStart = 0;

/**
 * Changes when a request that may change interface names goes to the kernel on any route
 * socket of this process (anything but the quick requests: a link made, deleted, renamed or
 * moved, a namespace's work), and again when it is answered. The names a connection keeps
 * (see {@link Connection.ifindex}) are forgotten when it has changed.
 */
let namesEpoch = 0;

/**
 * How long a name found is kept at most, in milliseconds: what another process changes is seen
 * within this, as it would be if the lookup had been made before a preemption of this length
 * (measured here: 1-15 ms, between a lookup and its request's sendmsg).
 */
let namesKeptMs = 1;

/** For tests, which must not depend on the machine's speed: sets it, and returns the one before. @internal */
export function namesKept(ms?: number): number {
  const previous = namesKeptMs;
  if (ms !== undefined) namesKeptMs = ms;
  return previous;
}

function loopTurned(): void {
  stretchStart = 0;
}

/** Whether the next batch should wait for the event loop to turn. */
function overBudget(): boolean {
  const now = performance.now();
  if (stretchStart === 0) {
    stretchStart = now;
    setImmediate(loopTurned);
    return false;
  }
  return now - stretchStart > syncBudgetMs;
}

/** @internal */
export class Connection {
  private seq = 0;
  private queue: Pending[] = [];
  /** Whether every request queued is quick (a chunk of them may go down early). */
  private queueQuick = true;
  /** Exchanges under way: one, or several quick chunks of a burst (the I/O thread takes them in order). */
  private inflight = 0;
  /** Whether the exchanges under way are such chunks: more quick requests may follow them at once. */
  private pipelining = false;
  private scheduled = false;
  private closing = false;
  private closed = false;
  /** Names found (see {@link ifindex}), while {@link namesEpoch} is this and until `namesUntil`. */
  private readonly names = new Map<string, number>();
  private namesEpoch = 0;
  private namesUntil = 0;
  /** Whether the exchange under way may change names: its answer changes {@link namesEpoch}. */
  private renaming = false;

  constructor(
    private readonly transport: Transport,
    readonly fd: number,
    readonly portid: number,
    readonly protocol: Protocol = 'route',
    /** The socket's send buffer: the largest datagram (an nf_tables batch) it takes. */
    readonly sndbuf = 0,
  ) {}

  /**
   * The index of `name` in this socket's namespace, or a negative errno; no round trip. A name
   * found is kept for at most a millisecond and never past a request of this process
   * that may change names ({@link namesEpoch}), sent or answered: requests made one after
   * another on one link (W3) look it up once a millisecond (SIOCGIFINDEX, 1-4 µs each), not
   * once a request. What this process changes is seen at once, as without the kept names; what
   * another process changes, within the millisecond. A name not found is asked again each time
   * (a request of the same tick may be making it).
   */
  ifindex(name: string): number {
    if (this.names.size > 0) {
      if (this.namesEpoch === namesEpoch && performance.now() < this.namesUntil) {
        const kept = this.names.get(name);
        if (kept !== undefined) return kept;
      } else {
        this.names.clear();
      }
    }
    const index = this.transport.ifindex(this.fd, name);
    if (index > 0) {
      if (this.names.size === 0) {
        this.namesEpoch = namesEpoch;
        this.namesUntil = performance.now() + namesKeptMs;
      }
      this.names.set(name, index);
    }
    return index;
  }

  /** The name of interface `index` in this socket's namespace, or a negative errno. */
  ifname(index: number): string | number {
    return this.transport.ifname(this.fd, index);
  }

  /**
   * Sends a change (the message must carry NLM_F_ACK) or a get; resolves with the parsed
   * reply messages once the kernel acknowledged it.
   */
  request<T>(msg: Buffer, ctx: Ctx, parse?: Parse<T>): Promise<T[]> {
    return this.enqueue(msg, ctx, false, parse) as Promise<T[]>;
  }

  /**
   * Sends a change whose answer is only its ACK; resolves with nothing once the kernel
   * acknowledged it (no result list, and no second promise to drop it).
   */
  change(msg: Buffer, ctx: Ctx): Promise<void> {
    return this.enqueue(msg, ctx, false, undefined, null, true) as Promise<undefined>;
  }

  /** Runs a dump; resolves with every parsed message of every part. */
  dump<T>(msg: Buffer, ctx: Ctx, parse: Parse<T>): Promise<T[]> {
    return this.enqueue(msg, ctx, true, parse) as Promise<T[]>;
  }

  /**
   * Sends an nf_tables batch: `messages` are BEGIN, the changes, END, sent in one datagram.
   * Resolves with what the kernel said of each message, in order: an error, an ACK (null), or
   * undefined for a message it did not answer (inside a batch, one without NLM_F_ACK that
   * succeeded). Rejects only if the batch could not be exchanged at all.
   */
  batch(messages: readonly Buffer[], ctx: Ctx): Promise<(KernelError | null | undefined)[]> {
    const parts: number[] = [];
    let at = 0;
    for (const m of messages) {
      parts.push(at);
      at += m.length;
    }
    return this.enqueue(Buffer.concat(messages), ctx, false, undefined, parts) as Promise<(KernelError | null | undefined)[]>;
  }

  /** Closes the socket once every request already made has been answered. */
  close(): void {
    this.closing = true;
    this.closeIfIdle();
  }

  private closeIfIdle(): void {
    if (this.closing && !this.closed && !this.inflight && this.queue.length === 0) {
      this.closed = true;
      // The kernel takes 8-14 ms to close a netfilter socket that sent an nf_tables batch.
      if (this.protocol === 'netfilter' && this.transport.closeLater) void this.transport.closeLater(this.fd).catch(() => undefined);
      else this.transport.close(this.fd);
    }
  }

  private enqueue(msg: Buffer, ctx: Ctx, dump: boolean, parse: Parse<unknown> | undefined, parts: number[] | null = null, ackOnly = false): Promise<unknown[] | undefined> {
    return new Promise((resolve, reject) => {
      if (this.closing) {
        reject(contextError(ctx, os.errno.EBADF, null, 'closed'));
        return;
      }
      this.push({
        msg, seq: 0, dump, parts, answers: null, parse, results: ackOnly ? null : [], interrupted: false, attempts: 0, ctx, resolve, reject, error: undefined,
      });
      if (this.queue.length >= PIPELINE_CHUNK && this.queueQuick && (this.inflight === 0 || this.pipelining)) this.sendChunk();
      else if (this.inflight === 0 || this.pipelining) this.schedule();
    });
  }

  private push(p: Pending): void {
    if (this.queue.length === 0) this.queueQuick = true;
    this.queue.push(p);
    if (this.queueQuick && !isQuick(p)) this.queueQuick = false;
  }

  /** Takes the queue as the next batch, its requests numbered. */
  private take(): Pending[] {
    const batch = this.queue;
    this.queue = [];
    // A name kept never outlives a request of ours that could change it: sent, and answered.
    if (!this.queueQuick && this.protocol === 'route') {
      namesEpoch++;
      this.renaming = true;
    }
    for (const p of batch) {
      // Consecutive modulo 2^32 within a batch: replies are found by (seq - first seq).
      this.seq = (this.seq + 1) >>> 0;
      p.seq = this.seq;
      writeU32(p.msg, p.seq, 8);
      if (p.parts) {
        // Every message of an nf_tables batch gets its own number, in order.
        for (let i = 1; i < p.parts.length; i++) {
          this.seq = (this.seq + 1) >>> 0;
          writeU32(p.msg, this.seq, p.parts[i]! + 8);
        }
        p.answers = new Array<undefined>(p.parts.length).fill(undefined);
      }
    }
    if (debug.enabled) logRequests(this.fd, batch, this.protocol);
    return batch;
  }

  /** A full chunk of quick requests, sent now to the I/O thread, after those already there. */
  private sendChunk(): void {
    const batch = this.take();
    this.inflight++;
    this.pipelining = true;
    this.exchangeQuick(batch, Buffer.concat(batch.map((p) => p.msg)), false);
  }

  private exchangeQuick(batch: Pending[], payload: Buffer, wait: boolean, done?: () => void): void {
    this.answer(batch, this.transport.transactQuick(this.fd, this.portid, payload, wait), done);
  }

  /** Settles the batch with the exchange's replies (at once if they are here), or its failure; `done` first. */
  private answer(batch: Pending[], exchange: Answer | Promise<Answer>, done: (() => void) | undefined): void {
    if (exchange === true || Buffer.isBuffer(exchange)) {
      done?.();
      this.settle(batch, exchange, null);
      return;
    }
    exchange.then(
      (replies) => {
        done?.();
        this.settle(batch, replies, null);
      },
      (e: unknown) => {
        done?.();
        this.failed(batch, e);
      },
    );
  }

  /** Flushes at the end of this tick, or after a turn of the loop when over the budget. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    flushesDue++;
    if (overBudget()) setImmediate(this.flushNow);
    else process.nextTick(this.flushNow);
  }

  /** `flush` bound once, not a closure per batch. */
  private readonly flushNow = (): void => this.flush();

  private flush(): void {
    this.scheduled = false;
    flushesDue--;
    if (this.queue.length === 0) return;
    // Behind chunks of a burst, the rest of it follows them on the I/O thread; anything else
    // waits for what is under way.
    const behindChunks = this.pipelining && this.queueQuick;
    if (this.inflight > 0 && !behindChunks) return;
    const quick = this.queueQuick;
    const batch = this.take();
    const payload = batch.length === 1 ? batch[0]!.msg : Buffer.concat(batch.map((p) => p.msg));
    this.inflight++;
    if (behindChunks) this.exchangeQuick(batch, payload, true);
    else if (this.transport.transactMany && batch.every(groupable)) joinGroup(this.transport, this, batch, payload, quick);
    else this.send(batch, payload, quick);
  }

  /** One exchange of its own: quick requests on the hot I/O thread, others on the pool; `done` first when it ends. */
  send(batch: Pending[], payload: Buffer, quick: boolean, done?: () => void): void {
    if (quick) {
      this.exchangeQuick(batch, payload, true, done);
      return;
    }
    // A dump alone is parsed part by part while the kernel makes the rest.
    if (batch.length === 1 && batch[0]!.dump && this.transport.transactParts) {
      this.answer(batch, this.transport.transactParts(this.fd, this.portid, payload, (part) => this.absorb(batch, part)), done);
      return;
    }
    this.answer(batch, this.transport.transact(this.fd, this.portid, payload), done);
  }

  /** An exchange that failed: what was read is settled, the rest fails with the reason. */
  failed(batch: Pending[], e: unknown): void {
    if (isNativeError(e)) this.settle(batch, e.replies ?? Buffer.alloc(0), e);
    else this.settle(batch, Buffer.alloc(0), { errno: os.errno.EIO, syscall: String(e) });
  }

  settle(batch: Pending[], replies: Answer, failure: { errno: number; syscall: string } | null): void {
    if (--this.inflight === 0) this.pipelining = false;
    if (this.renaming) {
      // Alone under way: anything but a quick chunk waits for the exchanges before it.
      this.renaming = false;
      namesEpoch++;
    }
    if (replies === true) this.acked(batch);
    else this.absorb(batch, replies);
    this.finish(batch, failure);
  }

  /** Every request of the batch answered by a plain ACK (the addon made no buffer of them). */
  private acked(batch: Pending[]): void {
    const logging = debug.enabled;
    for (const p of batch) {
      if (logging) debug('fd %d <- ack seq %d', this.fd, p.seq);
      // The addon never answers `true` for an nf_tables batch (it answers only some messages).
      if (!p.parts) p.error = null;
    }
  }

  /** Reads replies into the batch's requests: errors and ACKs noted, results parsed. */
  private absorb(batch: Pending[], replies: Buffer): void {
    const first = batch[0]!.seq;
    const logging = debug.enabled;
    // Which request each sequence number belongs to (an nf_tables batch takes several).
    let bySeq = batch;
    for (const p of batch) {
      if (p.parts) {
        bySeq = batch.flatMap((q) => (q.parts ? q.parts.map(() => q) : [q]));
        break;
      }
    }
    eachMessage(replies, (m) => {
      if (logging) logReply(this.fd, m, this.protocol);
      const p = bySeq[(m.seq - first) >>> 0];
      if (p === undefined) return;
      if (p.parts) {
        const i = (m.seq - p.seq) >>> 0;
        const answers = p.answers!;
        if (m.type === C.NLMSG_ERROR && i < answers.length && answers[i] === undefined) answers[i] = readAck(m);
        return;
      }
      if (p.seq !== m.seq || p.error !== undefined) return;
      if (m.type === C.NLMSG_ERROR) {
        p.error = readAck(m);
      } else if (m.type === C.NLMSG_DONE && p.dump) {
        p.error = readDone(m);
      } else {
        if (m.flags & C.NLM_F_DUMP_INTR) p.interrupted = true;
        if (p.parse) {
          const r = p.parse(m);
          // A request with `parse` always has its list (only a `change`, without one, has none).
          if (r !== undefined) p.results!.push(r);
        }
      }
    });
  }

  /** Settles each request of the batch with what its replies said, or `failure`. */
  private finish(batch: Pending[], failure: { errno: number; syscall: string } | null): void {
    for (const p of batch) {
      if (p.parts) {
        if (failure) p.reject(contextError(p.ctx, failure.errno, null, failure.syscall));
        else p.resolve(p.answers!);
      } else if (p.error === undefined) {
        const f = failure ?? { errno: os.errno.EIO, syscall: 'recvmsg' };
        p.reject(contextError(p.ctx, f.errno, null, f.syscall));
      } else if (p.error !== null) {
        p.reject(contextError(p.ctx, p.error.errno, p.error.message));
      } else if (p.interrupted) {
        // The dump saw the tables change under it: its parts may disagree. Run it again.
        if (++p.attempts < DUMP_RETRIES && !this.closing) {
          p.results = [];
          p.interrupted = false;
          p.error = undefined;
          this.push(p);
        } else {
          p.reject(contextError(p.ctx, os.errno.EINTR, `dump interrupted by concurrent changes ${p.attempts} times`));
        }
      } else {
        p.resolve(p.results ?? undefined);
      }
    }
    if (this.queue.length > 0) this.schedule();
    else this.closeIfIdle();
  }
}

/**
 * Requests that may share a job with other sockets' (see {@link joinGroup}): changes and gets
 * that are not dumps, nf_tables batches, or the slow link work (a link made or deleted, which
 * holds the rtnl lock for milliseconds and waits for RCU): those keep a job of their own.
 */
function groupable(p: Pending): boolean {
  if (p.dump || p.parts) return false;
  const type = readU16(p.msg, 4);
  if (type === C.RTM_DELLINK) return false;
  if (type === C.RTM_NEWLINK && (readU16(p.msg, 6) & C.NLM_F_CREATE) !== 0) return false;
  return true;
}

interface Joined {
  conn: Connection;
  batch: Pending[];
  payload: Buffer;
  /** Whether every request of the batch is quick (alone, it goes to the I/O thread). */
  quick: boolean;
}

/** Per transport: the exchanges waiting to go down, and whether a job of them is under way. */
interface Group {
  waiting: Joined[];
  busy: boolean;
  scheduled: boolean;
  /** Sends what is waiting (bound once, not a closure per job). */
  go: () => void;
  /** A job's end: what waits behind it goes next (bound once). */
  done: () => void;
}
const groups = new Map<Transport, Group>();
/** Connections whose flush is scheduled and has not run yet: flushes that may still join a group. */
let flushesDue = 0;

/**
 * A group of at least this many exchanges goes down as two pool jobs at once, a half each: the
 * kernel's work for one request is not all under the rtnl lock, and the first half's replies
 * are settled (and the next steps made) while the second half runs. W1 on 2 CPUs, alternating
 * in one sandbox, the hosts' phase at N = 500 (two runs) and 1000: chained 829 → 764, 885 → 680
 * and 1,923 → 1,653 ms; phased 610 → 530, 494 → 531 and 1,452 → 1,262 ms. At N = 100 (groups
 * of 100) nothing to gain: 75 → 76 and 67 → 78 ms.
 */
export const SPLIT_GROUP = 128;

/**
 * Requests of independent namespaces go to the kernel together: every exchange flushed while a
 * group is under way waits for it, then all of them go as one job (one thread hop), and their
 * replies come back together. Chains of awaited steps on many namespaces (each host's
 * `await create; await createVeth; await setUp; ...`) thus fall into step, as a caller's
 * `Promise.all` phases would keep them, instead of each step of each chain taking a hop of its
 * own. An exchange alone goes as before (quick requests on the hot I/O thread).
 */
function joinGroup(transport: Transport, conn: Connection, batch: Pending[], payload: Buffer, quick: boolean): void {
  const g = groups.get(transport) ?? newGroup(transport);
  // No other connection's flush is due in this tick, nor a group under way or waiting to go:
  // nothing can join this one, so it goes now rather than a tick later (one-at-a-time callers).
  if (flushesDue === 0 && !g.busy && !g.scheduled && g.waiting.length === 0) {
    g.busy = true;
    conn.send(batch, payload, quick, g.done);
    return;
  }
  g.waiting.push({ conn, batch, payload, quick });
  schedule(g);
}

function newGroup(transport: Transport): Group {
  const g: Group = {
    waiting: [],
    busy: false,
    scheduled: false,
    go: () => sendGroup(transport, g),
    done: () => {
      g.busy = false;
      if (g.waiting.length) schedule(g);
    },
  };
  groups.set(transport, g);
  return g;
}

function schedule(g: Group): void {
  if (g.busy || g.scheduled) return;
  g.scheduled = true;
  // After every flush already queued for this tick; after a turn of the loop when over the budget.
  if (overBudget()) setImmediate(g.go);
  else process.nextTick(g.go);
}

function sendGroup(transport: Transport, g: Group): void {
  g.scheduled = false;
  if (g.busy || g.waiting.length === 0) return;
  const group = g.waiting;
  g.waiting = [];
  g.busy = true;
  if (group.length === 1) {
    const only = group[0]!;
    only.conn.send(only.batch, only.payload, only.quick, g.done);
    return;
  }
  // A large group goes as two jobs at once, two halves of it: the group is done when both are.
  const parts = group.length >= SPLIT_GROUP ? [group.slice(0, group.length >> 1), group.slice(group.length >> 1)] : [group];
  let left = parts.length;
  for (const part of parts) {
    transport.transactMany!(part.map((j) => j.conn.fd), part.map((j) => j.conn.portid), part.map((j) => j.payload)).then(
      (answers) => {
        if (--left === 0) g.done();
        part.forEach((j, i) => {
          const a = answers[i];
          if (a === true || Buffer.isBuffer(a)) j.conn.settle(j.batch, a, null);
          else j.conn.failed(j.batch, a);
        });
      },
      (e: unknown) => {
        if (--left === 0) g.done();
        for (const j of part) j.conn.failed(j.batch, e);
      },
    );
  }
}
