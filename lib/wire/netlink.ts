/**
 * Netlink framing: walking the messages of a reply, and reading the kernel's answers to a
 * request (an ACK, an error with its extended-ACK text, the end of a dump). Shared by every
 * netlink family (rtnetlink, nfnetlink).
 * @internal
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { eachAttr, readI32, readString, readU16, readU32 } from './attr.js';
import { C, NLMSG_HDRLEN } from './constants.js';

const { EPROTO } = constants.errno;

/** One message of a reply: its type, flags, and where its payload lies in `buf`. @internal */
export interface RawMessage {
  type: number;
  flags: number;
  seq: number;
  buf: Buffer;
  /** Offset of the payload, just past the 16-byte header. */
  start: number;
  /** End of the message. */
  end: number;
}

/**
 * Walks the netlink messages in `buf`, header lengths checked.
 * @internal
 */
export function eachMessage(buf: Buffer, visit: (m: RawMessage) => void): void {
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = readU32(buf, at);
    if (len < NLMSG_HDRLEN || at + len > buf.length) return;
    visit({
      type: readU16(buf, at + 4),
      flags: readU16(buf, at + 6),
      seq: readU32(buf, at + 8),
      buf,
      start: at + NLMSG_HDRLEN,
      end: at + len,
    });
    at += (len + 3) & ~3;
  }
}

/** The kernel's refusal of a request: the positive errno and its extended-ACK text. @internal */
export interface KernelError {
  errno: number;
  message: string | null;
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

/** NLMSG_ERROR: error 0 is an ACK (null). With NLM_F_CAPPED only the request's header is echoed. @internal */
export function readAck(m: RawMessage): KernelError | null {
  if (m.end - m.start < 4) return { errno: EPROTO, message: 'truncated NLMSG_ERROR' };
  const error = readI32(m.buf, m.start);
  if (error === 0) return null;
  let tlvStart = m.start + 4 + NLMSG_HDRLEN;
  if (!(m.flags & C.NLM_F_CAPPED) && m.start + 4 + NLMSG_HDRLEN <= m.end) {
    tlvStart = m.start + 4 + Math.max(NLMSG_HDRLEN, readU32(m.buf, m.start + 4));
  }
  return { errno: -error, message: extackMessage(m, (tlvStart + 3) & ~3) };
}

/** NLMSG_DONE: a negative int means the dump failed part way. @internal */
export function readDone(m: RawMessage): KernelError | null {
  if (m.end - m.start < 4) return null;
  const error = readI32(m.buf, m.start);
  if (error >= 0) return null;
  return { errno: -error, message: extackMessage(m, m.start + 4) };
}
