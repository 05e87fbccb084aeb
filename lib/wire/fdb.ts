/**
 * The forwarding database on the wire, as `bridge fdb` speaks it: RTM_NEWNEIGH / RTM_DELNEIGH
 * / RTM_GETNEIGH with ndm_family AF_BRIDGE, and the typed {@link FdbEntry} parsed from a reply.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readU16, readU32 } from './attr.js';
import { C, NDMSG_LEN } from './constants.js';
import { formatAddress } from './ip.js';
import { formatMac } from './mac.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';

/**
 * How long an entry lives, as `bridge fdb` names it: `permanent` (a local address: frames to it
 * are for this host), `static` (forwarded to its port, never aged out), `dynamic` (learned or
 * added, aged out), `stale` (aged, about to go).
 */
export type FdbState = 'permanent' | 'static' | 'dynamic' | 'stale';

/** `NTF_*` bits as `bridge fdb` names them, in the order it prints them. */
const FDB_FLAGS: readonly (readonly [number, string])[] = [
  [C.NTF_SELF, 'self'],
  [C.NTF_ROUTER, 'router'],
  [C.NTF_EXT_LEARNED, 'extern_learn'],
  [C.NTF_OFFLOADED, 'offload'],
  [C.NTF_MASTER, 'master'],
  [C.NTF_STICKY, 'sticky'],
];

/**
 * An entry of a bridge's or a VXLAN's forwarding database: a line of `bridge fdb show`, typed.
 * Returned by {@link Netns.fdbEntries}; a snapshot.
 */
export class FdbEntry extends KernelObject {
  /** The MAC address (`00:00:00:00:00:00` for a VXLAN's default destinations). */
  lladdr = '';
  /** The interface the entry belongs to (`dev`). */
  dev = '';
  /** Its index. */
  index = 0;
  /** The bridge of a bridge port's entry (`master br0`), or null for a device's own entries (`self`). */
  master: string | null = null;
  /** That bridge's index, or null. */
  masterIndex: number | null = null;
  /** The VLAN of the entry (`vlan`), or null. */
  vlan: number | null = null;
  /** A VXLAN entry's remote endpoint (`dst`), or null. */
  dst: string | null = null;
  /** A VXLAN entry's UDP port (`port`), or null for the device's own. */
  port: number | null = null;
  /** A VXLAN entry's VNI (`vni`), or null for the device's own. */
  vni: number | null = null;
  /** A VXLAN entry's source VNI (`src_vni`, collect-metadata devices), or null. */
  srcVni: number | null = null;
  /** The interface a VXLAN entry's packets leave by (`via`), or null. */
  via: string | null = null;
  /** Its index, or null. */
  viaIndex: number | null = null;
  /** The raw `NUD_*` state bits. */
  stateBits = 0;
  /** The raw `NTF_*` flags. */
  flags = 0;

  /** How long it lives, as `bridge fdb show` names it (it prints nothing for `dynamic`). */
  get state(): FdbState {
    if (this.stateBits & C.NUD_PERMANENT) return 'permanent';
    if (this.stateBits & C.NUD_NOARP) return 'static';
    if (this.stateBits & C.NUD_STALE) return 'stale';
    return 'dynamic';
  }
  /** The entry is the device's own (`self`), not its bridge's. */
  get self(): boolean {
    return (this.flags & C.NTF_SELF) !== 0;
  }
  /** It never moves to another port (`sticky`). */
  get sticky(): boolean {
    return (this.flags & C.NTF_STICKY) !== 0;
  }
  /** It was learned outside the bridge (`extern_learn`). */
  get externLearn(): boolean {
    return (this.flags & C.NTF_EXT_LEARNED) !== 0;
  }
  /** The flags' names, as `bridge -j fdb show` lists them: `['self']`, `['sticky']`, … */
  get flagNames(): string[] {
    return FDB_FLAGS.filter(([bit]) => this.flags & bit).map(([, name]) => name);
  }

  /** The entry as `bridge fdb show` prints it: `02:00:5e:00:53:01 dev veth0 master br0 static`. */
  override toString(): string {
    const parts = [this.lladdr, `dev ${this.dev || this.index}`];
    if (this.dst !== null) parts.push(`dst ${this.dst}`);
    if (this.vlan !== null) parts.push(`vlan ${this.vlan}`);
    if (this.port !== null) parts.push(`port ${this.port}`);
    if (this.vni !== null) parts.push(`vni ${this.vni}`);
    if (this.srcVni !== null) parts.push(`src_vni ${this.srcVni}`);
    if (this.viaIndex !== null) parts.push(`via ${this.via ?? this.viaIndex}`);
    parts.push(...this.flagNames);
    if (this.masterIndex !== null) parts.push(`master ${this.master ?? this.masterIndex}`);
    if (this.state !== 'dynamic') parts.push(this.state);
    return parts.join(' ');
  }

  /** @internal */
  [inspect.custom](): string {
    return `FdbEntry <${this.toString()}>`;
  }
}

/** Reads an AF_BRIDGE RTM_NEWNEIGH into an {@link FdbEntry}; other messages give undefined. @internal */
export function parseFdbEntry(m: RawMessage): FdbEntry | undefined {
  if (m.type !== C.RTM_NEWNEIGH || m.end - m.start < NDMSG_LEN || m.buf[m.start] !== C.AF_BRIDGE) return undefined;
  const buf = m.buf;
  const f = new FdbEntry(buf, m.start + NDMSG_LEN, m.end);
  f.index = readI32(buf, m.start + 4);
  f.stateBits = readU16(buf, m.start + 8);
  f.flags = buf[m.start + 10]!;
  eachAttr(buf, m.start + NDMSG_LEN, m.end, (type, s, e) => {
    const len = e - s;
    switch (type) {
      case C.NDA_LLADDR:
        if (len > 0) f.lladdr = formatMac(buf, s, e);
        break;
      case C.NDA_DST:
        if (len === 4 || len === 16) f.dst = formatAddress(buf, s, e);
        break;
      case C.NDA_VLAN:
        if (len >= 2) f.vlan = readU16(buf, s);
        break;
      case C.NDA_PORT:
        if (len >= 2) f.port = buf.readUInt16BE(s);
        break;
      case C.NDA_VNI:
        if (len >= 4) f.vni = readU32(buf, s);
        break;
      case C.NDA_SRC_VNI:
        if (len >= 4) f.srcVni = readU32(buf, s);
        break;
      case C.NDA_IFINDEX:
        if (len >= 4) f.viaIndex = readU32(buf, s);
        break;
      case C.NDA_MASTER:
        if (len >= 4) f.masterIndex = readU32(buf, s);
        break;
      default:
        break; // kept: FdbEntry.attribute() reads any attribute
    }
  });
  return f;
}

/** One forwarding-database entry in a request, checked and resolved. @internal */
export interface FdbMessage {
  /** The device's index (ndm_ifindex). */
  index: number;
  /** NDA_LLADDR: six bytes. */
  lladdr: Buffer;
  /** `NUD_*` bits (ndm_state). */
  state: number;
  /** `NTF_*` bits (ndm_flags). */
  flags: number;
  /** NDA_DST: a VXLAN remote's address bytes. */
  dst?: Buffer;
  /** NDA_VLAN. */
  vlan?: number;
  /** NDA_PORT: a UDP port, sent in network byte order. */
  port?: number;
  /** NDA_VNI. */
  vni?: number;
  /** NDA_SRC_VNI. */
  srcVni?: number;
  /** NDA_IFINDEX: the index of the interface a VXLAN remote is reached by. */
  via?: number;
}

/** How an RTM_NEWNEIGH treats an entry that is already there. @internal */
export type FdbMode = 'add' | 'append' | 'replace';

const MODE_FLAGS: Readonly<Record<FdbMode, number>> = {
  add: C.NLM_F_CREATE | C.NLM_F_EXCL,
  append: C.NLM_F_CREATE | C.NLM_F_APPEND,
  replace: C.NLM_F_CREATE | C.NLM_F_REPLACE,
};

/**
 * RTM_NEWNEIGH or RTM_DELNEIGH (AF_BRIDGE): `bridge fdb add|append|replace|del LLADDR dev DEV
 * ...`, the attributes in the order `bridge` writes them.
 * @internal
 */
export function encodeFdb(cmd: FdbMode | 'delete', f: FdbMessage): Buffer {
  const del = cmd === 'delete';
  const w = new MessageWriter(del ? C.RTM_DELNEIGH : C.RTM_NEWNEIGH, C.NLM_F_REQUEST | C.NLM_F_ACK | (del ? 0 : MODE_FLAGS[cmd]), 96);
  w.u8(C.AF_BRIDGE).u8(0).u16(0).i32(f.index).u16(f.state).u8(f.flags).u8(0);
  w.putBytes(C.NDA_LLADDR, f.lladdr);
  if (f.dst !== undefined) w.putBytes(C.NDA_DST, f.dst);
  if (f.vlan !== undefined) w.putU16(C.NDA_VLAN, f.vlan);
  if (f.port !== undefined) w.putBe16(C.NDA_PORT, f.port);
  if (f.vni !== undefined) w.putU32(C.NDA_VNI, f.vni);
  if (f.srcVni !== undefined) w.putU32(C.NDA_SRC_VNI, f.srcVni);
  if (f.via !== undefined) w.putU32(C.NDA_IFINDEX, f.via);
  return w.finish();
}

/**
 * RTM_GETNEIGH dump of family AF_BRIDGE: `bridge fdb show [dev DEV] [br BR]`, the kernel
 * filtering by the device (ndm_ifindex) and by the bridge (NDA_MASTER) when they are given.
 * @internal
 */
export function encodeDumpFdb(index = 0, master = 0): Buffer {
  const w = new MessageWriter(C.RTM_GETNEIGH, C.NLM_F_REQUEST | C.NLM_F_DUMP, 40);
  w.u8(C.AF_BRIDGE).u8(0).u16(0).i32(index).u16(0).u8(0).u8(0);
  if (master) w.putU32(C.NDA_MASTER, master);
  return w.finish();
}
