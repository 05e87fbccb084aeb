/**
 * Bridges: `ip link add NAME type bridge [stp_state 0|1] [vlan_filtering 0|1] [vlan_protocol P]
 * [ageing_time T] [forward_delay T] [mcast_snooping 0|1] [vlan_default_pvid N]`, the settings
 * IFLA_BR_* attributes in IFLA_INFO_DATA; `ip link set NAME type bridge ...` changes them.
 * @packageDocumentation
 */
import { eachAttr, readU16, readU32 } from '../attr.js';
import { C } from '../constants.js';
import { checkBoolean, checkInt, showValue } from '../../validate.js';
import type { KindCodec } from './kind.js';

/** A bridge's own settings, on create or change; what is left out stays the kernel's. */
export interface BridgeSettings {
  /** Run the spanning tree protocol (`stp_state 1`). Off by default. */
  stp?: boolean;
  /** Forward by VLAN, each port taking only its VLANs (`vlan_filtering 1`). Off by default. */
  vlanFiltering?: boolean;
  /** The tag protocol VLAN filtering works with (`vlan_protocol`); default `802.1Q`. */
  vlanProtocol?: '802.1Q' | '802.1ad';
  /**
   * Seconds a learned MAC stays without traffic from it (`ageing_time`, which `ip` gives in
   * hundredths: 300 here is `ageing_time 30000`); the kernel's default is 300.
   */
  ageingTime?: number;
  /**
   * Seconds a port spends listening and learning before it forwards, under STP
   * (`forward_delay`, in hundredths to `ip`); 2–30 while STP runs, default 15.
   */
  forwardDelay?: number;
  /** Snoop IGMP/MLD and forward multicast only where it is wanted (`mcast_snooping`). On by default. */
  mcastSnooping?: boolean;
  /** The VLAN a new port gets as its PVID, untagged (`vlan_default_pvid`): 1–4094, or 0 for none. Default 1. */
  defaultPvid?: number;
}

/** A bridge's settings as read back: what `ip -d link show` prints after `bridge`. */
export interface BridgeInfo {
  /** The link type. */
  kind: 'bridge';
  /** The spanning tree protocol runs (`stp_state` 1, or 2 when a user-space daemon runs it). */
  stp: boolean;
  /** VLAN filtering is on. */
  vlanFiltering: boolean;
  /** The VLAN tag protocol, its EtherType if it has no name here; null when the kernel does not say (no VLAN filtering in it). */
  vlanProtocol: '802.1Q' | '802.1ad' | number | null;
  /** Ageing time, in seconds (hundredths as the kernel keeps them). */
  ageingTime: number;
  /** Forward delay, in seconds. */
  forwardDelay: number;
  /** Multicast snooping is on; null when the kernel does not say (no IGMP snooping in it). */
  mcastSnooping: boolean | null;
  /** The default PVID (0: none); null when the kernel does not say (no VLAN filtering in it). */
  defaultPvid: number | null;
}

const CENTI_MAX = 0xffffffff;

/** Seconds as the kernel's hundredths (clock_t); a TypeError or RangeError naming the value. */
function centis(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number of seconds, got ${showValue(v)}`);
  const c = Math.round(v * 100);
  if (!Number.isFinite(v) || v < 0 || c > CENTI_MAX) throw new RangeError(`${what} ${v} must be 0 to ${CENTI_MAX / 100} seconds`);
  if (Math.abs(c - v * 100) > 1e-6) throw new RangeError(`${what} ${v} must be a whole number of hundredths of a second, as the kernel keeps it`);
  return c;
}

/** Checked settings: the same fields, the times in hundredths. */
type Checked = BridgeSettings;

/** @internal */
export const bridge: KindCodec<Checked, BridgeInfo> = {
  kind: 'bridge',
  keys: ['stp', 'vlanFiltering', 'vlanProtocol', 'ageingTime', 'forwardDelay', 'mcastSnooping', 'defaultPvid'],
  needsParent: false,
  check(o) {
    const c: Checked = {};
    if (o.stp !== undefined) c.stp = checkBoolean(o.stp, 'stp');
    if (o.vlanFiltering !== undefined) c.vlanFiltering = checkBoolean(o.vlanFiltering, 'vlanFiltering');
    if (o.vlanProtocol !== undefined) {
      if (o.vlanProtocol !== '802.1Q' && o.vlanProtocol !== '802.1ad') throw new TypeError(`vlanProtocol must be '802.1Q' or '802.1ad', got ${showValue(o.vlanProtocol)}`);
      c.vlanProtocol = o.vlanProtocol;
    }
    if (o.ageingTime !== undefined) c.ageingTime = centis(o.ageingTime, 'ageingTime');
    if (o.forwardDelay !== undefined) c.forwardDelay = centis(o.forwardDelay, 'forwardDelay');
    if (o.mcastSnooping !== undefined) c.mcastSnooping = checkBoolean(o.mcastSnooping, 'mcastSnooping');
    if (o.defaultPvid !== undefined) c.defaultPvid = checkInt(o.defaultPvid, 0, 4094, 'defaultPvid');
    return c;
  },
  // In the order `ip link add ... type bridge` writes them when given in this order.
  encode(w, o) {
    if (o.stp !== undefined) w.putU32(C.IFLA_BR_STP_STATE, o.stp ? 1 : 0);
    if (o.vlanFiltering !== undefined) w.putU8(C.IFLA_BR_VLAN_FILTERING, o.vlanFiltering ? 1 : 0);
    if (o.vlanProtocol !== undefined) w.putBe16(C.IFLA_BR_VLAN_PROTOCOL, o.vlanProtocol === '802.1ad' ? C.ETH_P_8021AD : C.ETH_P_8021Q);
    if (o.ageingTime !== undefined) w.putU32(C.IFLA_BR_AGEING_TIME, o.ageingTime);
    if (o.forwardDelay !== undefined) w.putU32(C.IFLA_BR_FORWARD_DELAY, o.forwardDelay);
    if (o.mcastSnooping !== undefined) w.putU8(C.IFLA_BR_MCAST_SNOOPING, o.mcastSnooping ? 1 : 0);
    if (o.defaultPvid !== undefined) w.putU16(C.IFLA_BR_VLAN_DEFAULT_PVID, o.defaultPvid);
  },
  decode(buf, s, e) {
    const info: BridgeInfo = { kind: 'bridge', stp: false, vlanFiltering: false, vlanProtocol: null, ageingTime: 0, forwardDelay: 0, mcastSnooping: null, defaultPvid: null };
    eachAttr(buf, s, e, (t, as, ae) => {
      const len = ae - as;
      switch (t) {
        case C.IFLA_BR_STP_STATE:
          if (len >= 4) info.stp = readU32(buf, as) !== 0;
          break;
        case C.IFLA_BR_VLAN_FILTERING:
          if (len >= 1) info.vlanFiltering = buf[as] !== 0;
          break;
        case C.IFLA_BR_VLAN_PROTOCOL:
          if (len >= 2) {
            const p = buf.readUInt16BE(as);
            info.vlanProtocol = p === C.ETH_P_8021Q ? '802.1Q' : p === C.ETH_P_8021AD ? '802.1ad' : p;
          }
          break;
        case C.IFLA_BR_AGEING_TIME:
          if (len >= 4) info.ageingTime = readU32(buf, as) / 100;
          break;
        case C.IFLA_BR_FORWARD_DELAY:
          if (len >= 4) info.forwardDelay = readU32(buf, as) / 100;
          break;
        case C.IFLA_BR_MCAST_SNOOPING:
          if (len >= 1) info.mcastSnooping = buf[as] !== 0;
          break;
        case C.IFLA_BR_VLAN_DEFAULT_PVID:
          if (len >= 2) info.defaultPvid = readU16(buf, as);
          break;
        default:
          break;
      }
    });
    return info;
  },
};
