/**
 * Namespace ids on the wire: RTM_GETNSID asks which id a namespace (named by a descriptor) has
 * in the one the socket lives in, as `ip netns list-id` shows them.
 * @internal
 * @packageDocumentation
 */
import { findAttr, MessageWriter, readI32 } from './attr.js';
import { C } from './constants.js';
import type { RawMessage } from './netlink.js';

/** RTM_GETNSID for the namespace behind `fd`. @internal */
export function encodeGetNsid(fd: number): Buffer {
  const w = new MessageWriter(C.RTM_GETNSID, C.NLM_F_REQUEST | C.NLM_F_ACK, 32);
  w.u8(C.AF_UNSPEC).u8(0).u16(0); // struct rtgenmsg, padded
  w.putU32(C.NETNSA_FD, fd);
  return w.finish();
}

/** The id an RTM_NEWNSID reply gives; negative (NETNSA_NSID_NOT_ASSIGNED) when none. @internal */
export function parseNsid(m: RawMessage): number | undefined {
  if (m.type !== C.RTM_NEWNSID) return undefined;
  const at = findAttr(m.buf, m.start + 4, m.end, C.NETNSA_NSID);
  return at ? readI32(m.buf, at[0]) : undefined;
}
