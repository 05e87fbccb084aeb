/**
 * One rtnetlink socket, bound to the namespace it was made in, and its request queue.
 *
 * Requests made in the same tick go to the kernel together: the first one schedules a flush
 * for the end of the tick, and everything queued by then goes down in one native call (one
 * `sendmsg` per chunk). While a batch is in flight, new requests wait and form the next one.
 * Replies are matched to requests by sequence number (the addon has already checked the port
 * id and dropped strays).
 * @internal
 * @packageDocumentation
 */
import { constants as os } from 'node:os';
import { eachAttr, eachMessage, readI32, readString, readU16, readU32, writeU32, type RawMessage } from './attr.js';
import { C, NLMSG_HDRLEN } from './constants.js';
import { contextError, type Ctx } from './errors.js';
import { isNativeError, native } from './native.js';

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

/** How often an interrupted dump (`NLM_F_DUMP_INTR`) is run again before giving up. @internal */
export const DUMP_RETRIES = 4;

/** Reads one reply message into a result, or skips it by returning undefined. @internal */
export type Parse<T> = (m: RawMessage) => T | undefined;

interface Pending {
  msg: Buffer;
  seq: number;
  dump: boolean;
  parse: Parse<unknown> | undefined;
  results: unknown[];
  interrupted: boolean;
  attempts: number;
  ctx: Ctx;
  resolve(results: unknown[]): void;
  reject(e: Error): void;
  /** Set once an ACK, an error or NLMSG_DONE has answered it. */
  error: { errno: number; message: string | null } | null | undefined;
}

/** @internal */
export class Connection {
  private seq = 0;
  private queue: Pending[] = [];
  private inflight = false;
  private scheduled = false;
  private closing = false;
  private closed = false;

  constructor(
    readonly fd: number,
    readonly portid: number,
  ) {}

  /**
   * Sends a change (the message must carry NLM_F_ACK) or a get; resolves with the parsed
   * reply messages once the kernel acknowledged it.
   */
  request<T>(msg: Buffer, ctx: Ctx, parse?: Parse<T>): Promise<T[]> {
    return this.enqueue(msg, ctx, false, parse) as Promise<T[]>;
  }

  /** Runs a dump; resolves with every parsed message of every part. */
  dump<T>(msg: Buffer, ctx: Ctx, parse: Parse<T>): Promise<T[]> {
    return this.enqueue(msg, ctx, true, parse) as Promise<T[]>;
  }

  /** Closes the socket once every request already made has been answered. */
  close(): void {
    this.closing = true;
    this.closeIfIdle();
  }

  private closeIfIdle(): void {
    if (this.closing && !this.closed && !this.inflight && this.queue.length === 0) {
      this.closed = true;
      native.close(this.fd);
    }
  }

  private enqueue(msg: Buffer, ctx: Ctx, dump: boolean, parse: Parse<unknown> | undefined): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      if (this.closing) {
        reject(contextError(ctx, os.errno.EBADF, null, 'closed'));
        return;
      }
      this.queue.push({
        msg, seq: 0, dump, parse, results: [], interrupted: false, attempts: 0, ctx, resolve, reject, error: undefined,
      });
      if (!this.scheduled && !this.inflight) {
        this.scheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inflight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    for (const p of batch) {
      // Consecutive modulo 2^32 within a batch: replies are found by (seq - first seq).
      this.seq = (this.seq + 1) >>> 0;
      p.seq = this.seq;
      writeU32(p.msg, p.seq, 8);
    }
    const payload = batch.length === 1 ? batch[0]!.msg : Buffer.concat(batch.map((p) => p.msg));
    this.inflight = true;
    const quick = batch.every((p) => !p.dump && QUICK.has(readU16(p.msg, 4)));
    (quick ? native.transactQuick : native.transact)(this.fd, this.portid, payload).then(
      (replies) => this.settle(batch, replies, null),
      (e: unknown) => {
        if (isNativeError(e)) this.settle(batch, e.replies ?? Buffer.alloc(0), e);
        else this.settle(batch, Buffer.alloc(0), { errno: os.errno.EIO, syscall: String(e) });
      },
    );
  }

  private settle(batch: Pending[], replies: Buffer, failure: { errno: number; syscall: string } | null): void {
    this.inflight = false;
    const first = batch[0]!.seq;
    eachMessage(replies, (m) => {
      const p = batch[(m.seq - first) >>> 0];
      if (p === undefined || p.seq !== m.seq || p.error !== undefined) return;
      if (m.type === C.NLMSG_ERROR) {
        p.error = readAck(m);
      } else if (m.type === C.NLMSG_DONE && p.dump) {
        p.error = readDone(m);
      } else {
        if (m.flags & C.NLM_F_DUMP_INTR) p.interrupted = true;
        if (p.parse) {
          const r = p.parse(m);
          if (r !== undefined) p.results.push(r);
        }
      }
    });
    for (const p of batch) {
      if (p.error === undefined) {
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
          this.queue.push(p);
        } else {
          p.reject(contextError(p.ctx, os.errno.EINTR, `dump interrupted by concurrent changes ${p.attempts} times`));
        }
      } else {
        p.resolve(p.results);
      }
    }
    if (this.queue.length > 0) this.flush();
    else this.closeIfIdle();
  }
}

/** The kernel's extended-ACK text after a struct nlmsgerr (NLM_F_ACK_TLVS). */
function extackMessage(m: RawMessage, tlvStart: number): string | null {
  if (!(m.flags & C.NLM_F_ACK_TLVS) || tlvStart > m.end) return null;
  let text: string | null = null;
  eachAttr(m.buf, tlvStart, m.end, (type, s, e) => {
    if (type === C.NLMSGERR_ATTR_MSG) text = readString(m.buf, s, e);
  });
  return text;
}

/** NLMSG_ERROR: error 0 is an ACK. With NLM_F_CAPPED only the request's header is echoed. @internal */
export function readAck(m: RawMessage): { errno: number; message: string | null } | null {
  if (m.end - m.start < 4) return { errno: os.errno.EPROTO, message: 'truncated NLMSG_ERROR' };
  const error = readI32(m.buf, m.start);
  if (error === 0) return null;
  let tlvStart = m.start + 4 + NLMSG_HDRLEN;
  if (!(m.flags & C.NLM_F_CAPPED) && m.start + 4 + NLMSG_HDRLEN <= m.end) {
    tlvStart = m.start + 4 + Math.max(NLMSG_HDRLEN, readU32(m.buf, m.start + 4));
  }
  return { errno: -error, message: extackMessage(m, (tlvStart + 3) & ~3) };
}

/** NLMSG_DONE: a negative int means the dump failed part way. @internal */
export function readDone(m: RawMessage): { errno: number; message: string | null } | null {
  if (m.end - m.start < 4) return null;
  const error = readI32(m.buf, m.start);
  if (error >= 0) return null;
  return { errno: -error, message: extackMessage(m, m.start + 4) };
}
