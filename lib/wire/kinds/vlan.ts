/**
 * 802.1Q / 802.1ad VLANs: `ip link add link PARENT name NAME type vlan id ID [protocol P]`.
 * @packageDocumentation
 */
import { eachAttr, readU16 } from '../attr.js';
import { C } from '../constants.js';
import { checkInt, showValue } from '../../validate.js';
import type { KindCodec } from './kind.js';

/** Settings of a VLAN link. */
export interface VlanOptions {
  /** The VLAN id, 0–4094. */
  id: number;
  /** The tag protocol; default `802.1Q`. */
  protocol?: '802.1Q' | '802.1ad';
}

/** A VLAN's settings as read back. */
export interface VlanInfo {
  /** The link type. */
  kind: 'vlan';
  /** The VLAN id. */
  id: number;
  /** The tag protocol, or its EtherType if it has no name here. */
  protocol: '802.1Q' | '802.1ad' | number;
}

/** @internal */
export const vlan: KindCodec<Partial<VlanOptions>, VlanInfo> = {
  kind: 'vlan',
  keys: ['id', 'protocol'],
  needsParent: true,
  check(o, changing) {
    if (o.id === undefined && !changing) throw new TypeError('a vlan needs an id (0-4094)');
    const id = o.id === undefined ? undefined : checkInt(o.id, 0, 4094, 'vlan id');
    if (o.protocol !== undefined && o.protocol !== '802.1Q' && o.protocol !== '802.1ad') {
      throw new TypeError(`vlan protocol must be '802.1Q' or '802.1ad', got ${showValue(o.protocol)}`);
    }
    return { ...(id === undefined ? {} : { id }), ...(o.protocol === undefined ? {} : { protocol: o.protocol as VlanOptions['protocol'] }) };
  },
  encode(w, o) {
    if (o.id !== undefined) w.putU16(C.IFLA_VLAN_ID, o.id);
    if (o.protocol !== undefined) w.putBe16(C.IFLA_VLAN_PROTOCOL, o.protocol === '802.1ad' ? C.ETH_P_8021AD : C.ETH_P_8021Q);
  },
  decode(buf, s, e) {
    const info: VlanInfo = { kind: 'vlan', id: 0, protocol: '802.1Q' };
    eachAttr(buf, s, e, (t, as, ae) => {
      if (t === C.IFLA_VLAN_ID && ae - as >= 2) info.id = readU16(buf, as);
      else if (t === C.IFLA_VLAN_PROTOCOL && ae - as >= 2) {
        const p = buf.readUInt16BE(as);
        info.protocol = p === C.ETH_P_8021Q ? '802.1Q' : p === C.ETH_P_8021AD ? '802.1ad' : p;
      }
    });
    return info;
  },
};
