/**
 * The kinds' public types, in one place for the API.
 * @packageDocumentation
 */
export type { BondInfo, BondMode, BondOptions } from './bond.js';
export type { IpvlanFlags, IpvlanInfo, IpvlanMode, IpvlanOptions } from './ipvlan.js';
export type { MacvlanInfo, MacvlanMode, MacvlanOptions } from './macvlan.js';
export type { TunInfo } from './tun.js';
export type { VlanInfo, VlanOptions } from './vlan.js';
export type { VxlanInfo, VxlanOptions } from './vxlan.js';
