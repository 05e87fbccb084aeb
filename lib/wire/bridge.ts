/**
 * Bridge ports and bridge VLANs on the wire, as `bridge link` and `bridge vlan` speak them:
 * RTM_SETLINK / RTM_DELLINK / RTM_GETLINK with family AF_BRIDGE. A port's settings are
 * IFLA_BRPORT_* attributes (in IFLA_PROTINFO when set, in IFLA_INFO_SLAVE_DATA when read back
 * with the link); its VLANs are `struct bridge_vlan_info` in IFLA_AF_SPEC.
 * @packageDocumentation
 */
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readString, readU16, readU32 } from './attr.js';
import { C, IFINFOMSG_LEN } from './constants.js';
import { nameOf } from './names.js';
import type { RawMessage } from './netlink.js';
import { KernelObject } from './object.js';


/** A bridge port's spanning-tree state, as `bridge link` prints it after `state`. */
export type BridgePortState = 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking';

const PORT_STATES: Readonly<Record<BridgePortState, number>> = {
  disabled: C.BR_STATE_DISABLED,
  listening: C.BR_STATE_LISTENING,
  learning: C.BR_STATE_LEARNING,
  forwarding: C.BR_STATE_FORWARDING,
  blocking: C.BR_STATE_BLOCKING,
};

/**
 * A bridge port's settings as the kernel reports them with the link ({@link Link.bridgePort}):
 * what `bridge -d link show` and `ip -d link` (`info_slave_data`) print.
 */
export interface BridgePortInfo {
  /** The spanning-tree state (`state forwarding`), or its number if it has no name here. */
  state: BridgePortState | number;
  /** The port's STP priority, 0–63 (`priority`). */
  priority: number;
  /** The port's STP path cost (`cost`). */
  cost: number;
  /** Source MACs of frames arriving here are learned (`learning`). */
  learning: boolean;
  /** Unicast frames to unknown destinations are flooded to this port (`flood`). */
  flood: boolean;
  /** Multicast frames are flooded to this port (`mcast_flood`). */
  mcastFlood: boolean;
  /** Broadcast frames are flooded to this port (`bcast_flood`). */
  bcastFlood: boolean;
  /** Frames may leave by the port they came in by (`hairpin`, reflective relay). */
  hairpin: boolean;
  /** Isolated ports reach only ports that are not isolated (`isolated`). */
  isolated: boolean;
  /** ARP and neighbour discovery are answered from the bridge's tables where it can (`neigh_suppress`). */
  neighSuppress: boolean;
}

/** Reads IFLA_BRPORT_* attributes (IFLA_INFO_SLAVE_DATA or IFLA_PROTINFO's payload). @internal */
export function decodeBridgePort(buf: Buffer, s: number, e: number): BridgePortInfo {
  const p: BridgePortInfo = { state: 0, priority: 0, cost: 0, learning: false, flood: false, mcastFlood: false, bcastFlood: false, hairpin: false, isolated: false, neighSuppress: false };
  eachAttr(buf, s, e, (t, as, ae) => {
    const len = ae - as;
    const on = len >= 1 && buf[as] !== 0;
    switch (t) {
      case C.IFLA_BRPORT_STATE:
        if (len >= 1) p.state = nameOf(PORT_STATES, buf[as]!);
        break;
      case C.IFLA_BRPORT_PRIORITY:
        if (len >= 2) p.priority = readU16(buf, as);
        break;
      case C.IFLA_BRPORT_COST:
        if (len >= 4) p.cost = readU32(buf, as);
        break;
      case C.IFLA_BRPORT_LEARNING:
        p.learning = on;
        break;
      case C.IFLA_BRPORT_UNICAST_FLOOD:
        p.flood = on;
        break;
      case C.IFLA_BRPORT_MCAST_FLOOD:
        p.mcastFlood = on;
        break;
      case C.IFLA_BRPORT_BCAST_FLOOD:
        p.bcastFlood = on;
        break;
      case C.IFLA_BRPORT_MODE:
        p.hairpin = on;
        break;
      case C.IFLA_BRPORT_ISOLATED:
        p.isolated = on;
        break;
      case C.IFLA_BRPORT_NEIGH_SUPPRESS:
        p.neighSuppress = on;
        break;
      default:
        break;
    }
  });
  return p;
}

/** A port's settings to change, checked; left out stays as it is (all of a port's settings but its STP state). @internal */
export type BridgePortMessage = Partial<Omit<BridgePortInfo, 'state'>>;

/** struct ifinfomsg of family AF_BRIDGE: the requests of `bridge link` and `bridge vlan`. */
function bridgeIfinfo(w: MessageWriter, index: number): void {
  w.u8(C.AF_BRIDGE).u8(0).u16(0).i32(index).u32(0).u32(0);
}

const u8 = (v: boolean): number => (v ? 1 : 0);

/**
 * RTM_SETLINK (AF_BRIDGE) with IFLA_PROTINFO: `bridge link set dev PORT ...`, the attributes
 * in the order `bridge` writes them.
 * @internal
 */
export function encodeSetBridgePort(index: number, p: BridgePortMessage): Buffer {
  const w = new MessageWriter(C.RTM_SETLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 96);
  bridgeIfinfo(w, index);
  const at = w.nestStart(C.IFLA_PROTINFO | C.NLA_F_NESTED);
  if (p.hairpin !== undefined) w.putU8(C.IFLA_BRPORT_MODE, u8(p.hairpin));
  if (p.flood !== undefined) w.putU8(C.IFLA_BRPORT_UNICAST_FLOOD, u8(p.flood));
  if (p.mcastFlood !== undefined) w.putU8(C.IFLA_BRPORT_MCAST_FLOOD, u8(p.mcastFlood));
  if (p.bcastFlood !== undefined) w.putU8(C.IFLA_BRPORT_BCAST_FLOOD, u8(p.bcastFlood));
  if (p.learning !== undefined) w.putU8(C.IFLA_BRPORT_LEARNING, u8(p.learning));
  if (p.cost !== undefined) w.putU32(C.IFLA_BRPORT_COST, p.cost);
  if (p.priority !== undefined) w.putU16(C.IFLA_BRPORT_PRIORITY, p.priority);
  if (p.neighSuppress !== undefined) w.putU8(C.IFLA_BRPORT_NEIGH_SUPPRESS, u8(p.neighSuppress));
  if (p.isolated !== undefined) w.putU8(C.IFLA_BRPORT_ISOLATED, u8(p.isolated));
  w.nestEnd(at);
  return w.finish();
}

/** A VLAN (or range) of a port or bridge in a request, checked. @internal */
export interface BridgeVlanMessage {
  index: number;
  vid: number;
  /** The range's last VLAN; absent or equal to `vid` for one VLAN. */
  vidEnd?: number;
  pvid?: boolean;
  untagged?: boolean;
  /** IFLA_BRIDGE_FLAGS: BRIDGE_FLAGS_SELF, BRIDGE_FLAGS_MASTER, or both; 0 sends none. */
  bridgeFlags?: number;
}

/**
 * RTM_SETLINK / RTM_DELLINK (AF_BRIDGE) with IFLA_AF_SPEC: `bridge vlan add|del dev DEV vid
 * VID[-END] [pvid] [untagged] [self] [master]`, byte for byte as `bridge` sends it (a range is
 * two entries, RANGE_BEGIN and RANGE_END).
 * @internal
 */
export function encodeBridgeVlan(cmd: 'add' | 'delete', v: BridgeVlanMessage): Buffer {
  const w = new MessageWriter(cmd === 'add' ? C.RTM_SETLINK : C.RTM_DELLINK, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  bridgeIfinfo(w, v.index);
  const at = w.nestStart(C.IFLA_AF_SPEC);
  if (v.bridgeFlags) w.putU16(C.IFLA_BRIDGE_FLAGS, v.bridgeFlags);
  const flags = (v.pvid ? C.BRIDGE_VLAN_INFO_PVID : 0) | (v.untagged ? C.BRIDGE_VLAN_INFO_UNTAGGED : 0);
  // struct bridge_vlan_info { __u16 flags; __u16 vid; }, in host byte order.
  const info = (f: number, vid: number): void => {
    const a = w.nestStart(C.IFLA_BRIDGE_VLAN_INFO);
    w.u16(f).u16(vid);
    w.nestEnd(a);
  };
  if (v.vidEnd === undefined || v.vidEnd === v.vid) {
    info(flags, v.vid);
  } else {
    info(flags | C.BRIDGE_VLAN_INFO_RANGE_BEGIN, v.vid);
    info(flags | C.BRIDGE_VLAN_INFO_RANGE_END, v.vidEnd);
  }
  w.nestEnd(at);
  return w.finish();
}

/**
 * RTM_GETLINK dump of family AF_BRIDGE asking for each port's VLANs one by one
 * (RTEXT_FILTER_BRVLAN), as `bridge vlan show` does.
 * @internal
 */
export function encodeDumpBridgeVlans(): Buffer {
  const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP, 40);
  bridgeIfinfo(w, 0);
  w.putU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_BRVLAN);
  return w.finish();
}

/**
 * One VLAN of a bridge port, or of the bridge itself: a line of `bridge vlan show`, typed.
 * Returned by {@link Netns.bridgeVlans}; a snapshot. Its {@link KernelObject.attribute} reads the
 * AF_BRIDGE link message it came in (`IFLA_*`).
 */
export class BridgeVlan extends KernelObject {
  /** The port's (or bridge's) name. */
  dev = '';
  /** Its interface index. */
  index = 0;
  /** The VLAN id, 1–4094. */
  vid = 0;
  /** The raw `BRIDGE_VLAN_INFO_*` flags (range bits removed). */
  flags = 0;

  /** Untagged frames arriving here are given this VLAN (`PVID`). */
  get pvid(): boolean {
    return (this.flags & C.BRIDGE_VLAN_INFO_PVID) !== 0;
  }
  /** Frames of this VLAN leave here without a tag (`Egress Untagged`). */
  get untagged(): boolean {
    return (this.flags & C.BRIDGE_VLAN_INFO_UNTAGGED) !== 0;
  }

  /** The entry as `bridge vlan show` prints it: `veth0 10 PVID Egress Untagged`. */
  override toString(): string {
    return `${this.dev || this.index} ${this.vid}${this.pvid ? ' PVID' : ''}${this.untagged ? ' Egress Untagged' : ''}`;
  }

  /** @internal */
  [inspect.custom](): string {
    return `BridgeVlan <${this.toString()}>`;
  }
}

/**
 * Reads an AF_BRIDGE RTM_NEWLINK into its VLANs, one {@link BridgeVlan} per VLAN (a range the
 * kernel sends compressed is spelt out); other messages give undefined.
 * @internal
 */
export function parseBridgeVlans(m: RawMessage): BridgeVlan[] | undefined {
  if (m.type !== C.RTM_NEWLINK || m.end - m.start < IFINFOMSG_LEN || m.buf[m.start] !== C.AF_BRIDGE) return undefined;
  const buf = m.buf;
  const index = readI32(buf, m.start + 4);
  let dev = '';
  const out: BridgeVlan[] = [];
  const add = (vid: number, flags: number): void => {
    const v = new BridgeVlan(buf, m.start + IFINFOMSG_LEN, m.end);
    v.index = index;
    v.vid = vid;
    v.flags = flags;
    out.push(v);
  };
  eachAttr(buf, m.start + IFINFOMSG_LEN, m.end, (t, s, e) => {
    if (t === C.IFLA_IFNAME) dev = readString(buf, s, e);
    if (t !== C.IFLA_AF_SPEC) return;
    let begin: number | null = null;
    eachAttr(buf, s, e, (at, vs, ve) => {
      if (at !== C.IFLA_BRIDGE_VLAN_INFO || ve - vs < 4) return;
      const flags = readU16(buf, vs);
      const vid = readU16(buf, vs + 2);
      const own = flags & ~(C.BRIDGE_VLAN_INFO_RANGE_BEGIN | C.BRIDGE_VLAN_INFO_RANGE_END);
      if (flags & C.BRIDGE_VLAN_INFO_RANGE_BEGIN) {
        begin = vid;
      } else if (flags & C.BRIDGE_VLAN_INFO_RANGE_END && begin !== null && begin <= vid) {
        for (let id = begin; id <= vid; id++) add(id, own);
        begin = null;
      } else {
        add(vid, own);
        begin = null;
      }
    });
  });
  for (const v of out) v.dev = dev;
  return out;
}
