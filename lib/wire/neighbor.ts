/**
 * Neighbours (ARP and NDP entries) on the wire: the typed {@link Neighbor} parsed from
 * RTM_NEWNEIGH, and the RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH requests.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readU16 } from './attr.js';
import { C, NDMSG_LEN } from './constants.js';
import { formatAddress, type Family } from './ip.js';
import { formatMac } from './mac.js';
import { bitNames, NEIGHBOR_STATES, type NeighborState } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';

/** A neighbour entry, as `ip neigh show` prints it, typed. A snapshot. */
export class Neighbor extends KernelObject {
  /** 4 or 6. */
  family: Family = 4;
  /** The neighbour's IP address (`dst`). */
  address = '';
  /** Its link-layer address, or null while unresolved. */
  lladdr: string | null = null;
  /** The interface's name. */
  dev = '';
  /** The interface's index. */
  index = 0;
  /** The raw `NUD_*` state bits. */
  stateBits = 0;
  /** The raw `NTF_*` flags. */
  flags = 0;

  /**
   * State names, as `ip -j neigh` gives them: `['PERMANENT']`, `['REACHABLE']`, …; empty for a
   * proxy entry. {@link NeighborSpec.state} takes the same spelling, so an entry read can be
   * given back as it is.
   */
  get state(): NeighborState[] {
    return bitNames(NEIGHBOR_STATES, this.stateBits);
  }
  /** The neighbour is a router (`router`). */
  get router(): boolean {
    return (this.flags & C.NTF_ROUTER) !== 0;
  }
  /** A proxy entry (`ip neigh add proxy`). */
  get proxy(): boolean {
    return (this.flags & C.NTF_PROXY) !== 0;
  }

  /** The object as `ip` prints it on one line, e.g. in `ip monitor`. */
  override toString(): string {
    const tail = this.proxy ? 'proxy' : this.state.join(',');
    return `${this.address}${this.dev || this.index ? ` dev ${this.dev || this.index}` : ''}${this.lladdr ? ` lladdr ${this.lladdr}` : ''}${this.router ? ' router' : ''} ${tail}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Neighbor <${this.toString()}>`;
  }
}

/** Reads an RTM_NEWNEIGH message; other messages give undefined. @internal */
export function parseNeighbor(m: RawMessage): Neighbor | undefined {
  if (m.type !== C.RTM_NEWNEIGH || m.end - m.start < NDMSG_LEN) return undefined;
  const buf = m.buf;
  const af = buf[m.start]!;
  if (af !== C.AF_INET && af !== C.AF_INET6) return undefined;
  const n = new Neighbor(buf, m.start + NDMSG_LEN, m.end);
  n.family = af === C.AF_INET6 ? 6 : 4;
  n.index = readI32(buf, m.start + 4);
  n.stateBits = readU16(buf, m.start + 8);
  n.flags = buf[m.start + 10]!;
  eachAttr(buf, m.start + NDMSG_LEN, m.end, (type, s, e) => {
    if (type === C.NDA_DST) n.address = formatAddress(buf, s, e);
    else if (type === C.NDA_LLADDR && e > s) n.lladdr = formatMac(buf, s, e);
  });
  return n;
}

/** One neighbour in a request, checked and resolved. @internal */
export interface NeighborMessage {
  af: number;
  index: number;
  dst: Buffer;
  /** NDA_LLADDR; left out for a delete. */
  lladdr?: Buffer;
  state?: number;
  flags?: number;
}

function ndmsg(w: MessageWriter, af: number, index: number, state: number, flags: number): void {
  w.u8(af).u8(0).u16(0).i32(index).u16(state).u8(flags).u8(0);
}

/** RTM_NEWNEIGH: `ip neigh add` (or `replace`). @internal */
export function encodeNewNeighbor(n: NeighborMessage, replace: boolean): Buffer {
  const w = new MessageWriter(C.RTM_NEWNEIGH, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (replace ? C.NLM_F_REPLACE : C.NLM_F_EXCL), 64);
  ndmsg(w, n.af, n.index, n.state ?? C.NUD_PERMANENT, n.flags ?? 0);
  w.putBytes(C.NDA_DST, n.dst);
  if (n.lladdr) w.putBytes(C.NDA_LLADDR, n.lladdr);
  return w.finish();
}

/** RTM_DELNEIGH: `ip neigh del [proxy] ADDRESS dev IFNAME` (a proxy entry with NTF_PROXY in `flags`). @internal */
export function encodeDelNeighbor(n: NeighborMessage): Buffer {
  const w = new MessageWriter(C.RTM_DELNEIGH, C.NLM_F_REQUEST | C.NLM_F_ACK, 48);
  ndmsg(w, n.af, n.index, n.state ?? 0, n.flags ?? 0);
  w.putBytes(C.NDA_DST, n.dst);
  return w.finish();
}

/** RTM_GETNEIGH dump of one family (AF_UNSPEC: both); with `proxy`, of the proxy entries (`ip neigh show proxy`). @internal */
export function encodeDumpNeighbors(af: number, proxy = false): Buffer {
  const w = new MessageWriter(C.RTM_GETNEIGH, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  ndmsg(w, af, 0, 0, proxy ? C.NTF_PROXY : 0);
  return w.finish();
}
