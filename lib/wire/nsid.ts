/**
 * Namespace ids on the wire: RTM_GETNSID asks which id a namespace (named by a descriptor) has
 * in the one the socket lives in, RTM_NEWNSID gives it one (`ip netns set`), and a RTM_GETNSID
 * dump lists them (`ip netns list-id`) as typed {@link Nsid}s.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { findAttr, MessageWriter, readI32 } from './attr.js';
import { C } from './constants.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';

/** `NETNSA_NSID_NOT_ASSIGNED` (linux/net_namespace.h): in a request, "pick one" (`ip netns set NAME auto`). @internal */
export const NSID_AUTO = -1;
/** The largest id (an s32). @internal */
export const NSID_MAX = 0x7fffffff;
/** Size of `struct rtgenmsg`, padded as it travels. */
const RTGENMSG_LEN = 4;

/** A namespace id in the namespace that holds it, as `ip netns list-id` prints it. A snapshot. */
export class Nsid extends KernelObject {
  /** The id (`nsid N`), by which this namespace names the other one (a veth's `link-netnsid`). */
  nsid = 0;
  /** The name under `/run/netns` of the namespace it stands for, if it has one (`iproute2 netns name`). */
  netns: string | null = null;

  /** The object as `ip netns list-id` prints it on one line. */
  override toString(): string {
    return `nsid ${this.nsid}${this.netns === null ? '' : ` (iproute2 netns name: ${this.netns})`}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Nsid <${this.toString()}>`;
  }
}

function rtgenmsg(w: MessageWriter): void {
  w.u8(C.AF_UNSPEC).u8(0).u16(0); // struct rtgenmsg, padded
}

/** RTM_GETNSID for the namespace behind `fd`. @internal */
export function encodeGetNsid(fd: number): Buffer {
  const w = new MessageWriter(C.RTM_GETNSID, C.NLM_F_REQUEST | C.NLM_F_ACK, 32);
  rtgenmsg(w);
  w.putU32(C.NETNSA_FD, fd);
  return w.finish();
}

/** RTM_NEWNSID: gives the namespace behind `fd` the id `nsid` ({@link NSID_AUTO}: the kernel picks), `ip netns set NAME ID`. @internal */
export function encodeSetNsid(fd: number, nsid: number): Buffer {
  const w = new MessageWriter(C.RTM_NEWNSID, C.NLM_F_REQUEST | C.NLM_F_ACK, 36);
  rtgenmsg(w);
  w.putU32(C.NETNSA_FD, fd);
  w.putI32(C.NETNSA_NSID, nsid);
  return w.finish();
}

/** RTM_GETNSID dump: every id this namespace gave (`ip netns list-id`). @internal */
export function encodeDumpNsids(): Buffer {
  const w = new MessageWriter(C.RTM_GETNSID, C.NLM_F_REQUEST | C.NLM_F_DUMP, 20);
  rtgenmsg(w);
  return w.finish();
}

/** The id an RTM_NEWNSID reply gives; negative (NETNSA_NSID_NOT_ASSIGNED) when none. @internal */
export function parseNsid(m: RawMessage): number | undefined {
  if (m.type !== C.RTM_NEWNSID) return undefined;
  const at = findAttr(m.buf, m.start + RTGENMSG_LEN, m.end, C.NETNSA_NSID);
  return at ? readI32(m.buf, at[0]) : undefined;
}

/** An RTM_NEWNSID of a dump, as a typed {@link Nsid} (its name not yet known). @internal */
export function parseNsidEntry(m: RawMessage): Nsid | undefined {
  if (m.type !== C.RTM_NEWNSID || m.end - m.start < RTGENMSG_LEN) return undefined;
  const at = findAttr(m.buf, m.start + RTGENMSG_LEN, m.end, C.NETNSA_NSID);
  if (!at || at[1] - at[0] < 4) return undefined;
  const n = new Nsid(m.buf, m.start + RTGENMSG_LEN, m.end);
  n.nsid = readI32(m.buf, at[0]);
  return n;
}
