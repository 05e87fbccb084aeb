/**
 * macvlan and macvtap: `ip link add link PARENT NAME type macvlan|macvtap mode MODE`.
 * @packageDocumentation
 */
import { eachAttr, readU16, readU32 } from '../attr.js';
import { C } from '../constants.js';
import { nameOf } from '../names.js';
import { showValue } from '../../validate.js';
import type { KindCodec } from './kind.js';

/** How macvlan devices on one parent reach each other. */
export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';

const MODES: Readonly<Record<MacvlanMode, number>> = {
  private: C.MACVLAN_MODE_PRIVATE,
  vepa: C.MACVLAN_MODE_VEPA,
  bridge: C.MACVLAN_MODE_BRIDGE,
  passthru: C.MACVLAN_MODE_PASSTHRU,
  source: C.MACVLAN_MODE_SOURCE,
};

/** Settings of a macvlan or macvtap link. */
export interface MacvlanOptions {
  /** `private`: no traffic between siblings; `vepa`: via the external switch; `bridge`: directly; `passthru`; `source`. Default `vepa`, as the kernel's. */
  mode?: MacvlanMode;
}

/** A macvlan's or macvtap's settings as read back. */
export interface MacvlanInfo {
  /** The link type. */
  kind: 'macvlan' | 'macvtap';
  /** How siblings reach each other. */
  mode: MacvlanMode | number;
  /** The raw `MACVLAN_FLAG_*` bits. */
  flags: number;
}

function codec(kind: 'macvlan' | 'macvtap'): KindCodec<MacvlanOptions, MacvlanInfo> {
  return {
    kind,
    keys: ['mode'],
    needsParent: true,
    check(o) {
      if (o.mode !== undefined && !(typeof o.mode === 'string' && Object.hasOwn(MODES, o.mode))) {
        throw new TypeError(`${kind} mode must be one of ${Object.keys(MODES).join(', ')}, got ${showValue(o.mode)}`);
      }
      return o.mode === undefined ? {} : { mode: o.mode as MacvlanMode };
    },
    encode(w, o) {
      if (o.mode !== undefined) w.putU32(C.IFLA_MACVLAN_MODE, MODES[o.mode]);
    },
    decode(buf, s, e) {
      const info: MacvlanInfo = { kind, mode: 0, flags: 0 };
      eachAttr(buf, s, e, (t, as, ae) => {
        if (t === C.IFLA_MACVLAN_MODE && ae - as >= 4) {
          info.mode = nameOf(MODES, readU32(buf, as));
        } else if (t === C.IFLA_MACVLAN_FLAGS && ae - as >= 2) info.flags = readU16(buf, as);
      });
      return info;
    },
  };
}

/** @internal */
export const macvlan = codec('macvlan');
/** @internal */
export const macvtap = codec('macvtap');
