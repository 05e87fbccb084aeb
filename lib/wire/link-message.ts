/**
 * Link requests on the wire: RTM_NEWLINK / RTM_SETLINK / RTM_DELLINK / RTM_GETLINK, built from
 * values that are already checked and resolved (indexes, not names; descriptors, not handles).
 * @internal
 * @packageDocumentation
 */
import { MessageWriter, readI32 } from './attr.js';
import { C, IFINFOMSG_LEN } from './constants.js';
import type { RawMessage } from './netlink.js';


/**
 * One link in a request, every value checked and resolved: what RTM_NEWLINK and RTM_SETLINK
 * carry. Left out means "not set" (the kernel's default, or unchanged).
 * @internal
 */
export interface LinkMessage {
  /** The link's index (0: named by `name`). */
  index?: number;
  /** IFLA_IFNAME: the name, or the new name when `index` is given. */
  name?: string;
  /** IFF_UP set or cleared (the change mask says only this bit changes). */
  up?: boolean;
  /** Other `IFF_*` bits to set or clear: those of `flagMask` change, to their value in `flags`. */
  flags?: number;
  flagMask?: number;
  /** IFLA_LINK: the parent's index. */
  parent?: number;
  mtu?: number;
  /** IFLA_ADDRESS: the MAC's bytes. */
  address?: Uint8Array;
  txqlen?: number;
  /** IFLA_MASTER: the master's index; 0 detaches. */
  master?: number;
  /** IFLA_GROUP: the link's group. */
  group?: number;
  /** IFLA_IFALIAS: the alias, sent without a NUL as `ip` does; empty clears it. */
  alias?: string;
  /** IFLA_LINKINFO: the kind, and its IFLA_INFO_DATA (written by its codec, or raw bytes). */
  kind?: string;
  data?: ((w: MessageWriter) => void) | Uint8Array | null;
  /** IFLA_NET_NS_FD: create or move the link into the namespace behind this descriptor. */
  netnsFd?: number;
}

/** struct ifinfomsg. */
function ifinfomsg(w: MessageWriter, index = 0, flags = 0, change = 0): void {
  w.u8(C.AF_UNSPEC).u8(0).u16(0).i32(index).u32(flags).u32(change);
}

/** The ifinfomsg and attributes of a link, as RTM_NEWLINK, RTM_SETLINK and VETH_INFO_PEER carry them. @internal */
export function putLink(w: MessageWriter, l: LinkMessage): void {
  const mask = l.flagMask ?? 0;
  const flags = ((l.flags ?? 0) & mask) | (l.up ? C.IFF_UP : 0);
  ifinfomsg(w, l.index ?? 0, flags, mask | (l.up === undefined ? 0 : C.IFF_UP));
  if (l.name !== undefined) w.putStrz(C.IFLA_IFNAME, l.name);
  if (l.parent !== undefined) w.putU32(C.IFLA_LINK, l.parent);
  if (l.mtu !== undefined) w.putU32(C.IFLA_MTU, l.mtu);
  if (l.address !== undefined) w.putBytes(C.IFLA_ADDRESS, l.address);
  if (l.txqlen !== undefined) w.putU32(C.IFLA_TXQLEN, l.txqlen);
  if (l.master !== undefined) w.putU32(C.IFLA_MASTER, l.master);
  if (l.group !== undefined) w.putU32(C.IFLA_GROUP, l.group);
  if (l.alias !== undefined) w.putBytes(C.IFLA_IFALIAS, Buffer.from(l.alias));
  if (l.kind !== undefined) {
    const info = w.nestStart(C.IFLA_LINKINFO);
    w.putStrz(C.IFLA_INFO_KIND, l.kind);
    if (typeof l.data === 'function') {
      const d = w.nestStart(C.IFLA_INFO_DATA);
      l.data(w);
      w.nestEnd(d);
    } else if (l.data) {
      w.putBytes(C.IFLA_INFO_DATA, l.data);
    }
    w.nestEnd(info);
  }
  if (l.netnsFd !== undefined) w.putU32(C.IFLA_NET_NS_FD, l.netnsFd);
}

/**
 * RTM_NEWLINK: `ip link add` (with `create`, refusing an existing name) or, without it, a
 * change of an existing link's kind settings (`ip link set ... type KIND ...`).
 * @internal
 */
export function encodeNewLink(l: LinkMessage, create = true): Buffer {
  const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | (create ? C.NLM_F_CREATE | C.NLM_F_EXCL : 0), 128);
  putLink(w, l);
  return w.finish();
}

/** RTM_SETLINK: `ip link set`. @internal */
export function encodeSetLink(l: LinkMessage): Buffer {
  const w = new MessageWriter(C.RTM_SETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 96);
  putLink(w, l);
  return w.finish();
}

/** RTM_DELLINK by name: `ip link del dev NAME`. @internal */
export function encodeDelLink(name: string): Buffer {
  return encodeLinkRequest(C.RTM_DELLINK, name);
}

/**
 * RTM_GETLINK of one link by name: `ip link show dev NAME`; `skipStats` leaves the IPv6 and
 * VF counters out (RTEXT_FILTER_SKIP_STATS: the link's own stay) when only the index is
 * wanted; `altName` looks the name up as IFLA_ALT_IFNAME, which
 * takes names longer than IFNAMSIZ.
 * @internal
 */
export function encodeGetLink(name: string, skipStats = false, altName = false): Buffer {
  return encodeLinkRequest(C.RTM_GETLINK, name, skipStats, altName);
}

function encodeLinkRequest(type: number, name: string, skipStats = false, altName = false): Buffer {
  const w = new MessageWriter(type, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifinfomsg(w);
  w.putStrz(altName ? C.IFLA_ALT_IFNAME : C.IFLA_IFNAME, name);
  if (skipStats) w.putU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
  return w.finish();
}

/**
 * RTM_NEWLINKPROP / RTM_DELLINKPROP: `ip link property add|del dev NAME altname ALT`, the
 * names in IFLA_PROP_LIST.
 * @internal
 */
export function encodeLinkProp(cmd: 'add' | 'delete', name: string, altNames: readonly string[]): Buffer {
  const add = cmd === 'add';
  // The flags ip sends: the kernel reads none of them but ACK.
  const w = new MessageWriter(add ? C.RTM_NEWLINKPROP : C.RTM_DELLINKPROP, C.NLM_F_REQUEST | C.NLM_F_ACK | (add ? C.NLM_F_CREATE | C.NLM_F_EXCL | C.NLM_F_APPEND : 0), 64);
  ifinfomsg(w);
  w.putStrz(C.IFLA_IFNAME, name);
  const list = w.nestStart(C.IFLA_PROP_LIST | C.NLA_F_NESTED);
  for (const alt of altNames) w.putStrz(C.IFLA_ALT_IFNAME, alt);
  w.nestEnd(list);
  return w.finish();
}

/** RTM_GETLINK dump: `ip link show`. @internal */
export function encodeDumpLinks(): Buffer {
  const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  ifinfomsg(w);
  return w.finish();
}

/** The index an RTM_NEWLINK reply names, without decoding the rest. @internal */
export function parseLinkIndex(m: RawMessage): number | undefined {
  return m.type === C.RTM_NEWLINK && m.end - m.start >= IFINFOMSG_LEN ? readI32(m.buf, m.start + 4) : undefined;
}
