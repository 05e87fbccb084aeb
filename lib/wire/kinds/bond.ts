/**
 * Bonds: `ip link add NAME type bond mode MODE`.
 * @packageDocumentation
 */
import { eachAttr } from '../attr.js';
import { C } from '../constants.js';
import { showValue } from '../../validate.js';
import type { KindCodec } from './kind.js';

/** A bonding mode, named as the kernel's bonding driver names it. */
export type BondMode = 'balance-rr' | 'active-backup' | 'balance-xor' | 'broadcast' | '802.3ad' | 'balance-tlb' | 'balance-alb';

const MODES: readonly BondMode[] = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];

/** Settings of a bond. */
export interface BondOptions {
  /** Default `balance-rr`, as the kernel's. */
  mode?: BondMode;
}

/** A bond's settings as read back. */
export interface BondInfo {
  /** The link type. */
  kind: 'bond';
  /** The bonding mode, or its number if it has no name here. */
  mode: BondMode | number;
}

/** @internal */
export const bond: KindCodec<BondOptions, BondInfo> = {
  kind: 'bond',
  keys: ['mode'],
  needsParent: false,
  check(o) {
    if (o.mode !== undefined && !MODES.includes(o.mode as BondMode)) {
      throw new TypeError(`bond mode must be one of ${MODES.join(', ')}, got ${showValue(o.mode)}`);
    }
    return o.mode === undefined ? {} : { mode: o.mode as BondMode };
  },
  encode(w, o) {
    if (o.mode !== undefined) w.putU8(C.IFLA_BOND_MODE, MODES.indexOf(o.mode));
  },
  decode(buf, s, e) {
    const info: BondInfo = { kind: 'bond', mode: 'balance-rr' };
    eachAttr(buf, s, e, (t, as, ae) => {
      if (t === C.IFLA_BOND_MODE && ae > as) info.mode = MODES[buf[as]!] ?? buf[as]!;
    });
    return info;
  },
};
