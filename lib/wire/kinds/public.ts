/**
 * The kinds' public types, in one place for the API.
 * @packageDocumentation
 */
export type { BondInfo, BondMode, BondOptions } from './bond.js';
export type { BridgeInfo, BridgeSettings } from './bridge.js';
export type { IpvlanFlags, IpvlanInfo, IpvlanMode, IpvlanOptions } from './ipvlan.js';
export type { MacvlanInfo, MacvlanMode, MacvlanOptions } from './macvlan.js';
export type { TunInfo } from './tun.js';
export type { VlanInfo, VlanOptions } from './vlan.js';
export type { VxlanDf, VxlanInfo, VxlanOptions } from './vxlan.js';
export type { PlainInfo, RawInfo } from './index.js';

import type { BondInfo } from './bond.js';
import type { BridgeInfo } from './bridge.js';
import type { PlainInfo, RawInfo } from './index.js';
import type { IpvlanInfo } from './ipvlan.js';
import type { MacvlanInfo } from './macvlan.js';
import type { TunInfo } from './tun.js';
import type { VlanInfo } from './vlan.js';
import type { VxlanInfo } from './vxlan.js';

/**
 * A link's kind and its kind's own settings (`ip -d link` prints them after the kind):
 * the macvlan mode, the vlan id, the vxlan id and port, ...
 */
export type LinkInfo = MacvlanInfo | VlanInfo | VxlanInfo | IpvlanInfo | BondInfo | BridgeInfo | TunInfo | PlainInfo | RawInfo;
