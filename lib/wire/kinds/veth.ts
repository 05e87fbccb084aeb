/**
 * veth pairs: `ip link add NAME type veth peer name PEER [address B] [netns NS]`. The peer is a
 * whole link of its own inside IFLA_INFO_DATA (VETH_INFO_PEER: a struct ifinfomsg, then its
 * attributes), so it can be created directly in its namespace.
 * @packageDocumentation
 */
import type { MessageWriter } from '../attr.js';
import { C } from '../constants.js';
import { putLink, type LinkMessage } from '../link-message.js';
import { plainKind } from './kind.js';

/** The other end of a veth pair, checked and resolved. @internal */
export type VethPeer = Pick<LinkMessage, 'name' | 'mtu' | 'address' | 'txqlen' | 'group' | 'netnsFd'>;

/** Writes VETH_INFO_PEER into IFLA_INFO_DATA. @internal */
export function putVethPeer(w: MessageWriter, peer: VethPeer): void {
  const at = w.nestStart(C.VETH_INFO_PEER);
  putLink(w, peer);
  w.nestEnd(at);
}

/** A veth made by {@link Netns.createLink} with no peer settings: the kernel names the peer. @internal */
export const veth = plainKind('veth');
