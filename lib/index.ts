/**
 * netns-link: Linux network namespaces, veth pairs, bridges and links from Node.js, by
 * rtnetlink itself. No `ip` process is spawned.
 *
 * ```ts
 * import { Netns } from 'netns-link';
 * const a = await Netns.create('stationA');              // ip netns add stationA
 * const b = await Netns.create('stationB');
 * await a.createVeth('veth0', { peer: 'veth1', peerNetns: b, up: true });
 * await b.setUp('veth1');
 * ```
 * @packageDocumentation
 */
export { Netns } from './netns.js';
export { NETNS_RUN_DIR } from './ops/netns.js';
export { KernelObject } from './wire/object.js';
export { Link, type LinkStats } from './wire/link.js';
export { Address } from './wire/address.js';
export { Route, type NextHop } from './wire/route.js';
export { Neighbor } from './wire/neighbor.js';
export { Rule } from './wire/rule.js';
export type { Family } from './wire/ip.js';
export type { OperState, Scope, RouteType, RouteProtocol, RouteTable, NeighborState, RuleAction } from './wire/names.js';
export type * from './wire/kinds/public.js';
export type {
  VethOptions,
  BridgeOptions,
  MoveOptions,
  LinkChanges,
  LinkSpec,
  LinkSpecBase,
  LinkTypeChanges,
  OfKind,
  TuntapOptions,
} from './ops/link.js';
export type { AddAddressOptions, DeleteAddressOptions, AddressFilter } from './ops/address.js';
export type { RouteSpec, NextHopSpec, RouteFilter, DeleteRouteOptions, GetRouteOptions } from './ops/route.js';
export type { NeighborSpec, NeighborKey, NeighborFilter, DeleteNeighborOptions } from './ops/neighbor.js';
export type { RuleSpec, DeleteRuleOptions, RuleFilter } from './ops/rule.js';
export type { MasqueradeSpec, ForwardSpec, DeleteNatOptions, NatRule, MasqueradeRule, ForwardRule, NatProtocol } from './ops/nat.js';
export { Watcher, type WatchOptions, type WatchKind, type WatchEvent, type ChangeEvent, type Change, type Marker, type WaitOptions } from './watch.js';
export { ExecError, type ExecResult, type NetnsExecOptions, type NetnsSpawnOptions } from './process.js';
export { DOCKER_SOCKET, type ContainerOptions } from './container.js';
export { NetlinkError, errnoName, type NetlinkErrorInit } from './errors.js';
export {
  Topology,
  TopologyPlan,
  ApplyResult,
  DestroyResult,
  TopologyApplyError,
  TopologyError,
  describeChange,
  type ApplyOptions,
  type TopologyProgress,
  type TopologyChange,
  type TopologyDocument,
  type RenderFormat,
} from './topology/topology.js';
export type { TopologyNamespace, TopologyBridge, TopologyEnd, TopologyRoute, TopologyLink } from './topology/document.js';
export type { ChangeBase, ChangeRoute, ChangeLinkSettings } from './topology/plan.js';
export type { FlushRoutesFilter } from './ops/route.js';
export type { DeleteAltNameOptions } from './ops/link.js';
export type { AddressProtocol } from './wire/address.js';
export { BridgeVlan, type BridgePortInfo, type BridgePortState } from './wire/bridge.js';
export { FdbEntry, type FdbState } from './wire/fdb.js';
export type { BridgePortOptions, BridgeVlanSpec, BridgeVlanKey, BridgeVlanFilter } from './ops/bridge.js';
export type { FdbSpec, FdbKey, FdbFilter, DeleteFdbOptions } from './ops/fdb.js';
export { Qdisc, TrafficClass, type QdiscOptions, type TbfOptions, type HtbOptions, type NetemOptions, type HtbClassOptions, type TcStats } from './wire/tc.js';
export type { QdiscSpec, TbfSpec, HtbSpec, NetemSpec, IngressSpec, ClsactSpec, QdiscPlacement, QdiscParent, DeleteQdiscOptions, QdiscFilter, ClassSpec, DeleteClassOptions, Rate, Size, Time, Percent } from './ops/tc.js';
export { Nexthop, type NexthopGroupMember, type NexthopGroupType, type ResilientSettings } from './wire/nexthop.js';
export type { NexthopSpec, NexthopGroupMemberSpec, ResilientSpec, DeleteNexthopOptions, NexthopFilter } from './ops/nexthop.js';
export type { IpProtocol, PortRange, UidRange } from './wire/rule.js';
export type { FlushRulesFilter } from './ops/rule.js';
export type { NeighborStateSpec } from './ops/neighbor.js';
export { AddrLabel } from './wire/addrlabel.js';
export type { AddrLabelSpec, AddrLabelKey, DeleteAddrLabelOptions } from './ops/addrlabel.js';
export { Nsid } from './wire/nsid.js';
export type { NsidSpec } from './ops/nsid.js';
