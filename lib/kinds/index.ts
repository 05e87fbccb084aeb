/**
 * The link kinds this library knows by name. Any other kind can still be made (its
 * IFLA_INFO_DATA given as bytes) and read back (its data kept raw).
 * @internal
 * @packageDocumentation
 */
import { bond } from './bond.js';
import { ipvlan } from './ipvlan.js';
import type { KindCodec } from './kind.js';
import { macvlan, macvtap } from './macvlan.js';
import { tun } from './tun.js';
import { vlan } from './vlan.js';
import { vxlan } from './vxlan.js';

const plain = (kind: string): KindCodec => ({
  kind,
  keys: [],
  needsParent: false,
  check: () => ({}),
  encode: () => undefined,
  decode: () => ({ kind }),
});

/** @internal */
export const KINDS: ReadonlyMap<string, KindCodec<object, object>> = new Map<string, KindCodec<object, object>>(
  [macvlan, macvtap, vlan, vxlan, ipvlan, bond, tun, plain('dummy'), plain('bridge'), plain('veth')].map((c) => [c.kind, c as unknown as KindCodec<object, object>]),
);
