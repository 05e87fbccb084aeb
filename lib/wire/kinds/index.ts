/**
 * The link kinds this library knows by name. Any other kind can still be made (its
 * IFLA_INFO_DATA given as bytes) and read back (its data kept raw).
 * @internal
 * @packageDocumentation
 */
import { bond } from './bond.js';
import { bridge } from './bridge.js';
import { ipvlan } from './ipvlan.js';
import { plainKind, type KindCodec } from './kind.js';
import { macvlan, macvtap } from './macvlan.js';
import { tun } from './tun.js';
import { veth } from './veth.js';
import { vlan } from './vlan.js';
import { vxlan } from './vxlan.js';

/** @internal */
export const KINDS: ReadonlyMap<string, KindCodec<object, object>> = new Map<string, KindCodec<object, object>>(
  [macvlan, macvtap, vlan, vxlan, ipvlan, bond, tun, plainKind('dummy'), bridge, veth].map((c) => [c.kind, c as unknown as KindCodec<object, object>]),
);

/** A kind without settings of its own (`dummy`, `veth`). */
export interface PlainInfo {
  /** The kind's name. */
  kind: 'dummy' | 'veth';
}

/** A kind this library does not decode: its IFLA_INFO_DATA kept as bytes. */
export interface RawInfo {
  /** The kind's name, as the kernel gave it. */
  kind: string;
  /** IFLA_INFO_DATA's payload, or null if the kernel sent none. */
  data: Buffer | null;
}
