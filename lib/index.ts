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
export { Netns, NETNS_RUN_DIR } from './netns.js';
export {
  Link,
  type LinkStats,
  type OperState,
  type VethOptions,
  type BridgeOptions,
  type MoveOptions,
  type LinkChanges,
  type LinkInfo,
  type PlainInfo,
  type RawInfo,
  type LinkSpec,
  type LinkSpecBase,
  type LinkTypeChanges,
  type TuntapOptions,
} from './link.js';
export type * from './kinds/public.js';
export { Address, type Scope, type AddAddressOptions, type DeleteAddressOptions, type AddressFilter } from './address.js';
export type { Family } from './ip.js';
export { Route, type RouteSpec, type NextHop, type NextHopSpec, type RouteFilter, type RouteType, type RouteProtocol, type RouteTable, type DeleteRouteOptions, type GetRouteOptions } from './route.js';
export { Neighbor, type NeighborState, type NeighborSpec, type NeighborKey, type NeighborFilter, type DeleteNeighborOptions } from './neighbor.js';
export { Rule, type RuleAction, type RuleSpec, type DeleteRuleOptions } from './rule.js';
export { ExecError, type ExecResult, type NetnsExecOptions, type NetnsSpawnOptions } from './process.js';
export { DOCKER_SOCKET, type ContainerOptions } from './container.js';
export { NetlinkError, errnoName, type NetlinkErrorInit } from './errors.js';
