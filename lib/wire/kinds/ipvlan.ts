/**
 * ipvlan: `ip link add link PARENT NAME type ipvlan mode l2|l3|l3s [bridge|private|vepa]`.
 * @packageDocumentation
 */
import { eachAttr, readU16 } from '../attr.js';
import { C } from '../constants.js';
import { nameOf } from '../names.js';
import { showValue } from '../../validate.js';
import type { KindCodec } from './kind.js';

/** The layer an ipvlan works at. */
export type IpvlanMode = 'l2' | 'l3' | 'l3s';
/** How ipvlan siblings reach each other. */
export type IpvlanFlags = 'bridge' | 'private' | 'vepa';

const MODES: Readonly<Record<IpvlanMode, number>> = { l2: C.IPVLAN_MODE_L2, l3: C.IPVLAN_MODE_L3, l3s: C.IPVLAN_MODE_L3S };
const FLAGS: Readonly<Record<IpvlanFlags, number>> = { bridge: 0, private: C.IPVLAN_F_PRIVATE, vepa: C.IPVLAN_F_VEPA };

/** Settings of an ipvlan link. */
export interface IpvlanOptions {
  /** The layer it works at: `l2`, `l3` or `l3s`. */
  mode: IpvlanMode;
  /** Default `bridge`. */
  flags?: IpvlanFlags;
}

/** An ipvlan's settings as read back. */
export interface IpvlanInfo {
  /** The link type. */
  kind: 'ipvlan';
  /** The layer it works at. */
  mode: IpvlanMode | number;
  /** How siblings reach each other. */
  flags: IpvlanFlags | number;
}

/** @internal */
export const ipvlan: KindCodec<Partial<IpvlanOptions>, IpvlanInfo> = {
  kind: 'ipvlan',
  keys: ['mode', 'flags'],
  needsParent: true,
  check(o) {
    if (o.mode !== undefined && !(typeof o.mode === 'string' && Object.hasOwn(MODES, o.mode))) {
      throw new TypeError(`ipvlan mode must be one of ${Object.keys(MODES).join(', ')}, got ${showValue(o.mode)}`);
    }
    if (o.flags !== undefined && !(typeof o.flags === 'string' && Object.hasOwn(FLAGS, o.flags))) {
      throw new TypeError(`ipvlan flags must be one of ${Object.keys(FLAGS).join(', ')}, got ${showValue(o.flags)}`);
    }
    return { ...(o.mode === undefined ? {} : { mode: o.mode as IpvlanMode }), ...(o.flags === undefined ? {} : { flags: o.flags as IpvlanFlags }) };
  },
  encode(w, o) {
    if (o.mode !== undefined) w.putU16(C.IFLA_IPVLAN_MODE, MODES[o.mode]);
    if (o.flags !== undefined) w.putU16(C.IFLA_IPVLAN_FLAGS, FLAGS[o.flags]);
  },
  decode(buf, s, e) {
    const info: IpvlanInfo = { kind: 'ipvlan', mode: 'l3', flags: 'bridge' };
    eachAttr(buf, s, e, (t, as, ae) => {
      if (t === C.IFLA_IPVLAN_MODE && ae - as >= 2) info.mode = nameOf(MODES, readU16(buf, as));
      else if (t === C.IFLA_IPVLAN_FLAGS && ae - as >= 2) info.flags = nameOf(FLAGS, readU16(buf, as));
    });
    return info;
  },
};
