/**
 * Link operations: make, change, move, delete and read links. Each checks everything first,
 * then resolves names, encodes (lib/wire) and sends.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Connection } from '../connection.js';
import { attempt, contextError, nativeCall, unlessMissing, withHints, type Ctx, type NetlinkError } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { native } from '../native.js';
import type { Netns } from '../netns.js';
import { checkAlias, checkAltName, checkBoolean, checkIfname, checkInt, checkKindName, checkMac, checkMtu, checkOptions, IFNAME_MAX, opt, showValue } from '../validate.js';
import { C } from '../wire/constants.js';
import type { BondOptions } from '../wire/kinds/bond.js';
import { bridge, type BridgeSettings } from '../wire/kinds/bridge.js';
import { KINDS } from '../wire/kinds/index.js';
import type { IpvlanOptions } from '../wire/kinds/ipvlan.js';
import type { MacvlanOptions } from '../wire/kinds/macvlan.js';
import { putVethPeer } from '../wire/kinds/veth.js';
import type { VlanOptions } from '../wire/kinds/vlan.js';
import type { VxlanOptions } from '../wire/kinds/vxlan.js';
import { parseLink, type Link } from '../wire/link.js';
import { encodeDelLink, encodeDumpLinks, encodeGetLink, encodeLinkProp, encodeNewLink, encodeSetLink, type LinkMessage } from '../wire/link-message.js';
import { indexOf, resolveIndex, withIndexes } from './resolve.js';

const { EEXIST, EINVAL, ELOOP, ENODEV, ENOENT, EOPNOTSUPP, ERANGE } = constants.errno;

/**
 * Options of {@link Netns.createVeth}: `ip link add NAME [mtu M] [address A] [txqlen N] [group G]
 * [master BR] [up] type veth peer name PEER [address B] [txqlen N] [group G] [netns NS]`.
 */
export interface VethOptions {
  /** The other end's name. */
  peer: string;
  /** Where the other end is created (it never passes through this namespace); default: here. */
  peerNetns?: Netns;
  /** MTU of both ends. */
  mtu?: number;
  /** MAC of this end; the kernel picks a random one otherwise. */
  address?: string;
  /** MAC of the other end. */
  peerAddress?: string;
  /** Transmit queue length of this end (`txqlen N`); the kernel's default (1000) otherwise. */
  txqlen?: number;
  /** Transmit queue length of the other end (its own `txqlen N`, after `peer`). */
  peerTxqlen?: number;
  /** The group of this end (`group G`); 0, `default`, otherwise. */
  group?: number;
  /** The group of the other end (its own `group G`, after `peer`). */
  peerGroup?: number;
  /** A bridge in this namespace (name or index) to make this end a port of. */
  master?: string | number;
  /**
   * Bring this end up at once. (The peer comes up with {@link Netns.setUp} in its own
   * namespace: the kernel configures the peer before the two ends are joined, and refuses
   * `up` there with ENOTCONN.)
   */
  up?: boolean;
}

/**
 * Options of {@link Netns.createBridge}: `ip link add NAME [mtu M] [address A] [txqlen N] [group G]
 * [up] type bridge [stp_state 0|1] [vlan_filtering 0|1] [vlan_protocol P] [ageing_time T]
 * [forward_delay T] [mcast_snooping 0|1] [vlan_default_pvid N]`. The bridge's own settings
 * ({@link BridgeSettings}) change later with {@link Netns.setLinkType}.
 */
export interface BridgeOptions extends BridgeSettings {
  /** The bridge's MTU. */
  mtu?: number;
  /** Transmit queue length (`txqlen N`). */
  txqlen?: number;
  /** The bridge's group (`group G`). */
  group?: number;
  /** The bridge's MAC; by default the kernel picks one (and then follows its ports' lowest). */
  address?: string;
  /** Bring it up at once. */
  up?: boolean;
}

/** Options of {@link Netns.moveToNetns}: `ip link set dev IFNAME netns NS [name NEW]`. */
export interface MoveOptions {
  /** A new name for the link in the target namespace. */
  name?: string;
}

/**
 * Changes {@link Netns.setLink} makes; what is left out stays as it is. `ip link set dev IFNAME
 * [name N] [mtu M] [address A] [txqlen N] [alias TEXT] [group G] [master BR | nomaster]
 * [promisc on|off] [allmulticast on|off] [multicast on|off] [arp on|off] [up | down]`
 */
export interface LinkChanges {
  /** Rename. */
  name?: string;
  /** The new MTU. */
  mtu?: number;
  /** Change the MAC. */
  address?: string;
  /** Make it a port of this bridge (name or index), or `null` to detach it from its master. */
  master?: string | number | null;
  /** Up (`true`) or down (`false`). */
  up?: boolean;
  /** Transmit queue length (`txqlen N`). */
  txqlen?: number;
  /** The alias (`alias TEXT`), at most 255 bytes; `''` removes it. */
  alias?: string;
  /** The link's group (`group G`); 0 is `default`. */
  group?: number;
  /** Receive every frame (`promisc on|off`, IFF_PROMISC). */
  promisc?: boolean;
  /** Receive all multicast frames (`allmulticast on|off`, IFF_ALLMULTI). */
  allmulticast?: boolean;
  /** Multicast on or off (`multicast on|off`, IFF_MULTICAST). */
  multicast?: boolean;
  /** ARP on or off (`arp on|off`: off sets IFF_NOARP). */
  arp?: boolean;
}

/** Options of {@link Netns.deleteAltName}. */
export interface DeleteAltNameOptions {
  /** Succeed if the link has no such altname (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** What every {@link Netns.createLink} takes, whatever the kind. */
export interface LinkSpecBase {
  /** The new link's name. */
  name: string;
  /** The lower device (`link PARENT`), by name or index in this namespace: for macvlan, vlan, ipvlan. */
  parent?: string | number;
  /** Create the link directly inside this namespace (its parent stays here): `ip link add ... netns NS`. */
  netns?: Netns;
  /** The link's MTU. */
  mtu?: number;
  /** The link's MAC. */
  address?: string;
  /** A bridge or bond (in the namespace the link ends up in) to make it a port of. */
  master?: string | number;
  /** Bring it up at once. */
  up?: boolean;
  /** Transmit queue length (`txqlen N`). */
  txqlen?: number;
  /**
   * The link's group (`group G`); 0, `default`, otherwise. Not for a vxlan, whose own `group`
   * is its multicast group: give it one afterwards with {@link Netns.setLink}.
   */
  group?: number;
}

/** The link type a {@link LinkSpec} or {@link LinkTypeChanges} is for. */
export interface OfKind<K extends string> {
  /** The link type: `macvlan`, `vlan`, `vxlan`, ... */
  kind: K;
}

/**
 * A link to create: `ip link add [link PARENT] NAME [netns NS] [mtu M] [address A] type KIND [KIND OPTIONS]`.
 * The kind's own options sit beside the common ones; a kind this library does not know takes
 * its IFLA_INFO_DATA attributes as bytes in `data`.
 */
export type LinkSpec =
  | (LinkSpecBase & OfKind<'macvlan' | 'macvtap'> & MacvlanOptions)
  | (LinkSpecBase & OfKind<'vlan'> & VlanOptions)
  | (Omit<LinkSpecBase, 'group'> & OfKind<'vxlan'> & VxlanOptions)
  | (LinkSpecBase & OfKind<'ipvlan'> & IpvlanOptions)
  | (LinkSpecBase & OfKind<'bond'> & BondOptions)
  | (LinkSpecBase & OfKind<'dummy'>)
  | (LinkSpecBase & OfKind<'bridge'> & BridgeSettings)
  | (LinkSpecBase &
      OfKind<string> & {
        /** Its IFLA_INFO_DATA attributes, as bytes. */
        data?: Uint8Array;
      });

/** Kind-specific changes for {@link Netns.setLinkType}: `ip link set IFNAME type KIND OPTIONS`. */
export type LinkTypeChanges =
  | (OfKind<'macvlan' | 'macvtap'> & MacvlanOptions)
  | (OfKind<'vlan'> & Partial<VlanOptions>)
  | (OfKind<'vxlan'> & Partial<VxlanOptions>)
  | (OfKind<'ipvlan'> & Partial<IpvlanOptions>)
  | (OfKind<'bond'> & BondOptions)
  | (OfKind<'bridge'> & BridgeSettings);

/** Options of {@link Netns.createTap} and {@link Netns.createTun}: `ip tuntap add NAME mode tap|tun [user U] [group G] [multi_queue] [pi] [vnet_hdr]`. */
export interface TuntapOptions {
  /** The uid allowed to attach to it. */
  owner?: number;
  /** The gid allowed to attach to it. */
  group?: number;
  /** Several queues (`multi_queue`). */
  multiQueue?: boolean;
  /** Prepend packet information (`pi`); off by default, as `ip tuntap`. */
  pi?: boolean;
  /** A virtio-net header on each packet (`vnet_hdr`). */
  vnetHdr?: boolean;
  /** Create it inside this namespace instead. */
  netns?: Netns;
}

/**
 * An operation's error context, built only if it fails: the object, a subject naming the link
 * and its namespace, and sentences for the errnos this operation can meet.
 */
function linkCtx(h: NsHandle, op: string, ifname: string, extra: Record<string, unknown> = {}, more = '', hints?: () => Record<number, string>): Ctx {
  return () => ({
    op,
    object: { ifname, netns: h.label, ...extra },
    subject: `${ifname} in netns ${h.label}${more}`,
    hints: {
      [ENODEV]: `no interface named ${ifname} in netns ${h.label}`,
      [EEXIST]: `an interface with that name already exists`,
      ...hints?.(),
    },
  });
}

function checkLinkRef(v: unknown, what: string): string | number {
  if (typeof v === 'number') return checkInt(v, 1, 0x7fffffff, `${what} index`);
  return checkIfname(v, what);
}

const mac = (what: string) => (v: unknown): Buffer => checkMac(v, what);
/** A txqlen or a group: any u32. */
const u32Of = (what: string) => (v: unknown): number => checkInt(v, 0, 0xffffffff, what);

/** `IFF_*` bits that {@link LinkChanges} sets by name, and whether `true` sets the bit (`arp: true` clears IFF_NOARP). */
const FLAG_CHANGES = [
  ['promisc', C.IFF_PROMISC, true],
  ['allmulticast', C.IFF_ALLMULTI, true],
  ['multicast', C.IFF_MULTICAST, true],
  ['arp', C.IFF_NOARP, false],
] as const;

/** Sends a link message, with IFLA_NET_NS_FD naming `target`'s namespace when there is one. */
function sendTo(conn: Connection, target: NsHandle | null, l: LinkMessage, ctx: Ctx, encode = encodeNewLink): Promise<unknown> {
  if (!target) return conn.request(encode(l), ctx);
  return target.withFd((netnsFd) => conn.request(encode({ ...l, netnsFd }), ctx));
}

/** `ip link add NAME [mtu M] [address A] [master BR] [up] type veth peer name PEER [netns NS]`. @internal */
export async function createVeth(h: NsHandle, name: string, options: VethOptions, peerNs: NsHandle | null): Promise<void> {
  const o = checkOptions(options, 'createVeth options', ['peer', 'peerNetns', 'mtu', 'address', 'peerAddress', 'txqlen', 'peerTxqlen', 'group', 'peerGroup', 'master', 'up']);
  checkIfname(name);
  const peer = checkIfname(o.peer, 'peer');
  const mtu = opt(o.mtu, checkMtu);
  const address = opt(o.address, mac('address'));
  const peerAddress = opt(o.peerAddress, mac('peerAddress'));
  const txqlen = opt(o.txqlen, u32Of('txqlen'));
  const peerTxqlen = opt(o.peerTxqlen, u32Of('peerTxqlen'));
  const group = opt(o.group, u32Of('group'));
  const peerGroup = opt(o.peerGroup, u32Of('peerGroup'));
  const master = opt(o.master, (v) => checkLinkRef(v, 'master'));
  const up = opt(o.up, (v) => checkBoolean(v, 'up'));
  const peerWhere = peerNs ? ` in netns ${peerNs.label}` : '';
  const ctx = linkCtx(h, 'createVeth', name, { peer, ...(peerNs ? { peerNetns: peerNs.label } : {}) }, ` (peer ${peer}${peerWhere})`, () => ({
    [EEXIST]: `an interface named ${name} exists in netns ${h.label}, or one named ${peer}${peerWhere || ` in netns ${h.label}`}`,
    ...(mtu === undefined ? {} : { [EINVAL]: `is mtu ${mtu} within what a veth takes (68..65535)?` }),
    ...(master === undefined ? {} : { [EOPNOTSUPP]: `${master} cannot take ports: a master must be a bridge or a bond` }),
  }));

  const conn = await h.connection('createVeth');
  const masterIdx = master === undefined ? undefined : await indexOf(conn, h.label, master, ctx);
  const send = (netnsFd?: number): Promise<unknown> =>
    conn.request(
      encodeNewLink({
        name, up, mtu, address, txqlen, group, master: masterIdx, kind: 'veth',
        data: (w) => putVethPeer(w, { name: peer, mtu, address: peerAddress, txqlen: peerTxqlen, group: peerGroup, netnsFd }),
      }),
      ctx,
    );
  try {
    await (peerNs ? peerNs.withFd(send) : send());
  } catch (e) {
    if ((e as { errno?: unknown }).errno !== EEXIST) throw e;
    // The kernel says only that a name is taken: one lookup says which.
    const peerConn = peerNs ? await peerNs.connection('createVeth') : conn;
    const taken = conn.ifindex(name) > 0 ? `an interface named ${name} exists in netns ${h.label}` : peerConn.ifindex(peer) > 0 ? `an interface named ${peer} exists in netns ${(peerNs ?? h).label}` : null;
    if (taken === null) throw e;
    throw contextError(withHints(ctx, { [EEXIST]: taken }), EEXIST, (e as NetlinkError).kernelMessage);
  }
}

/** `ip link add NAME [mtu M] [address A] [up] type bridge [SETTINGS]`. @internal */
export async function createBridge(h: NsHandle, name: string, options: BridgeOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'createBridge options', ['mtu', 'address', 'txqlen', 'group', 'up', ...(bridge.keys as (keyof BridgeSettings)[])]);
  checkIfname(name);
  const settings = bridge.check(o as Record<string, unknown>, false);
  const mtu = opt(o.mtu, checkMtu);
  const address = opt(o.address, mac('address'));
  const txqlen = opt(o.txqlen, u32Of('txqlen'));
  const group = opt(o.group, u32Of('group'));
  const up = opt(o.up, (v) => checkBoolean(v, 'up'));
  const ctx = linkCtx(h, 'createBridge', name, {}, '', () => ({
    [EEXIST]: `an interface named ${name} already exists in netns ${h.label}`,
    ...(mtu === undefined ? {} : { [EINVAL]: `is mtu ${mtu} within what a bridge takes (68..65535)?` }),
    ...BRIDGE_HINTS,
  }));
  const conn = await h.connection('createBridge');
  // No settings, no IFLA_INFO_DATA: the request `ip link add NAME type bridge` sends.
  const data: LinkMessage['data'] = Object.keys(settings).length === 0 ? undefined : (w) => bridge.encode!(w, settings, () => 0);
  await conn.request(encodeNewLink({ name, up, mtu, address, txqlen, group, kind: 'bridge', data }), ctx);
}

/** `ip link set dev IFNAME netns NS [name NEW]`. @internal */
export async function moveToNetns(h: NsHandle, ifname: string, target: NsHandle, options: MoveOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'moveToNetns options', ['name']);
  checkIfname(ifname);
  const rename = opt(o.name, (v) => checkIfname(v, 'name'));
  const as = rename === undefined ? '' : ` as ${rename}`;
  const ctx = linkCtx(h, 'moveToNetns', ifname, { target: target.label, ...(rename ? { name: rename } : {}) }, ` to netns ${target.label}${as}`, () => ({
    [EEXIST]: `netns ${target.label} already has an interface named ${rename ?? ifname}`,
    [EINVAL]: `${ifname} cannot change namespace (bridges and loopback are local to theirs)`,
  }));

  const conn = await h.connection('moveToNetns');
  if (rename === undefined || rename === ifname) {
    await sendTo(conn, target, { name: ifname }, ctx, encodeSetLink);
    return;
  }
  // The kernel moves first and renames second, so a name taken in the target would leave the
  // link moved but not renamed. Rename here first (refused here, unchanged, if taken), then
  // move keeping the name (refused, unmoved, if taken there), and on refusal rename back.
  const index = await resolveIndex(conn, h.label, ifname, ctx);
  await conn.request(encodeSetLink({ index, name: rename }), ctx);
  try {
    await sendTo(conn, target, { index, name: rename }, ctx, encodeSetLink);
  } catch (e) {
    await conn.request(encodeSetLink({ index, name: ifname }), ctx).catch(() => undefined);
    throw e;
  }
}

/** `ip link set dev IFNAME [name N] [mtu M] [address A] [txqlen N] [alias A] [group G] [master BR | nomaster] [promisc on|off] ... [up | down]`. @internal */
export function setLink(h: NsHandle, ifname: string, changes: LinkChanges, op = 'setLink'): Promise<void> {
  // Bad input rejects the promise, before any syscall.
  return attempt(() => {
    const o = checkOptions(changes, `${op} changes`, ['name', 'mtu', 'address', 'master', 'up', 'txqlen', 'alias', 'group', 'promisc', 'allmulticast', 'multicast', 'arp']);
    checkIfname(ifname);
    const rename = opt(o.name, (v) => checkIfname(v, 'name'));
    const mtu = opt(o.mtu, checkMtu);
    const address = opt(o.address, mac('address'));
    const master = o.master === null ? null : opt(o.master, (v) => checkLinkRef(v, 'master'));
    const up = opt(o.up, (v) => checkBoolean(v, 'up'));
    const txqlen = opt(o.txqlen, u32Of('txqlen'));
    const alias = opt(o.alias, checkAlias);
    const group = opt(o.group, u32Of('group'));
    let flags = 0;
    let flagMask = 0;
    for (const [key, bit, setsBit] of FLAG_CHANGES) {
      const on = opt(o[key], (v) => checkBoolean(v, key));
      if (on === undefined) continue;
      flagMask |= bit;
      if (on === setsBit) flags |= bit;
    }
    const extra: Record<string, unknown> = {};
    if (rename !== undefined) extra.name = rename;
    if (master !== undefined) extra.master = master;
    const ctx = linkCtx(h, op, ifname, extra, '', () => ({
      ...(master !== undefined && master !== null
        ? {
            [ELOOP]: `${ifname} cannot be a port of ${master}: a bridge cannot join itself or another bridge`,
            [EOPNOTSUPP]: `${master} cannot take ports: a master must be a bridge or a bond`,
          }
        : {}),
      ...(rename !== undefined ? { [EEXIST]: `an interface named ${rename} already exists in netns ${h.label}` } : {}),
    }));
    // Renamed by index; otherwise named, as `ip link set dev NAME` does. A master by name is resolved.
    const names: string[] = [];
    if (rename !== undefined) names.push(ifname);
    if (typeof master === 'string') names.push(master);
    const send = (conn: Connection, indexes: readonly number[]): Promise<void> => {
      const index = rename === undefined ? 0 : indexes[0]!;
      const masterIdx = master === undefined ? undefined : master === null ? 0 : typeof master === 'number' ? master : indexes[names.length - 1]!;
      return conn.change(encodeSetLink({ index, name: rename ?? ifname, up, flags, flagMask, mtu, address, txqlen, group, alias, master: masterIdx }), ctx);
    };
    return withIndexes(h, op, names, ctx, send, rename === undefined ? ifname : undefined);
  });
}

/**
 * `ip link set dev IFNAME up|down`: {@link setLink} with nothing else to check, which W1 makes
 * two of per host (measured in its hosts' phase against a kernel faked to answer at once: the
 * general path, its options object checked, allocated ~1.2 KB a call, this one ~0.6 KB). @internal
 */
export function setUpDown(h: NsHandle, ifname: string, up: boolean): Promise<void> {
  const op = up ? 'setUp' : 'setDown';
  return attempt(() => {
    checkIfname(ifname);
    const ctx = linkCtx(h, op, ifname);
    return withIndexes(h, op, NO_NAMES, ctx, (conn) => conn.change(encodeSetLink({ name: ifname, up }), ctx), ifname);
  });
}

const NO_NAMES: readonly string[] = [];

/** `ip link del dev IFNAME`. @internal */
export async function deleteLink(h: NsHandle, ifname: string): Promise<void> {
  checkIfname(ifname);
  const conn = await h.connection('deleteLink');
  await conn.request(encodeDelLink(ifname), linkCtx(h, 'deleteLink', ifname));
}

/** A vxlan's underlying device by name, where users think in names. */
function nameLowerDevs(conn: Connection, found: Link[]): Link[] {
  for (const l of found) {
    if (l.info?.kind === 'vxlan' && 'link' in l.info && l.info.link !== null) {
      const name = conn.ifname(l.info.link);
      l.info.dev = typeof name === 'string' ? name : null;
    }
  }
  return found;
}

/** `ip link show`: every link. @internal */
export async function links(h: NsHandle): Promise<Link[]> {
  const conn = await h.connection('links');
  return nameLowerDevs(conn, await conn.dump(encodeDumpLinks(), { op: 'links', object: { netns: h.label }, subject: `in netns ${h.label}` }, parseLink));
}

/**
 * An interface name, or else an altname: a name the kernel looks up as IFLA_ALT_IFNAME (longer
 * than IFNAMSIZ, or with `%`).
 */
function checkLinkName(v: unknown): { name: string; alt: boolean } {
  try {
    return { name: checkIfname(v), alt: false };
  } catch (e) {
    if (typeof v !== 'string' || (Buffer.byteLength(v) <= IFNAME_MAX && !v.includes('%'))) throw e;
    return { name: checkAltName(v, 'interface name or altname'), alt: true };
  }
}

/** `ip link show dev IFNAME`, by its name or one of its altnames. @internal */
export async function link(h: NsHandle, ifname: string): Promise<Link> {
  const { name, alt } = checkLinkName(ifname);
  const conn = await h.connection('link');
  const [found] = await conn.request(encodeGetLink(name, false, alt), linkCtx(h, 'link', name), parseLink);
  if (found === undefined) throw new TypeError(`the kernel answered no link for ${name}`);
  return nameLowerDevs(conn, [found])[0]!;
}

/** `ip link property add dev IFNAME altname ALT`. @internal */
export async function addAltName(h: NsHandle, ifname: string, altName: string): Promise<void> {
  checkIfname(ifname);
  const alt = checkAltName(altName);
  const ctx = linkCtx(h, 'addAltName', ifname, { altName: alt }, ` (altname ${alt})`, () => ({
    [EEXIST]: `an interface named ${alt}, or with that altname, already exists in netns ${h.label}`,
  }));
  const conn = await h.connection('addAltName');
  await conn.request(encodeLinkProp('add', ifname, [alt]), ctx);
}

/** `ip link property del dev IFNAME altname ALT`. @internal */
export async function deleteAltName(h: NsHandle, ifname: string, altName: string, options: DeleteAltNameOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'deleteAltName options', ['missingOk']);
  checkIfname(ifname);
  const alt = checkAltName(altName);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const ctx = linkCtx(h, 'deleteAltName', ifname, { altName: alt }, ` (altname ${alt})`, () => ({
    [ENOENT]: `no interface in netns ${h.label} has the altname ${alt}`,
    [EINVAL]: `${alt} is not an altname of ${ifname}: it is its name, or another interface's`,
  }));
  const conn = await h.connection('deleteAltName');
  await unlessMissing(conn.change(encodeLinkProp('delete', ifname, [alt]), ctx), ENOENT, missingOk);
}

const BASE_KEYS = ['kind', 'name', 'parent', 'netns', 'mtu', 'address', 'master', 'up', 'txqlen', 'group'] as const;

/** What a bridge's own settings meet: VLAN filtering a kernel may lack, STP's bounds on the forward delay. */
const BRIDGE_HINTS: Readonly<Record<number, string>> = {
  [EOPNOTSUPP]: "this kernel's bridge has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not set)",
  [ERANGE]: 'while STP runs, the forward delay must be 2 to 30 seconds',
};

function kindHints(kind: string, label: string): Record<number, string> {
  return { [EOPNOTSUPP]: `this kernel has no ${kind} link type`, [ENODEV]: `no such parent or device in netns ${label}`, ...(kind === 'bridge' ? BRIDGE_HINTS : {}) };
}

/** The indexes of the interfaces a kind's options name (vxlan's `dev`). */
async function kindIndexes(conn: Connection, label: string, names: readonly string[], ctx: Ctx): Promise<Map<string, number>> {
  const indexes = new Map<string, number>();
  await Promise.all(names.map(async (d) => indexes.set(d, await resolveIndex(conn, label, d, ctx))));
  return indexes;
}

/** `ip link add ... type KIND ...` @internal */
export async function createLink(h: NsHandle, spec: LinkSpec, target: NsHandle | null, op = 'createLink'): Promise<void> {
  const kindOf = (spec as { kind?: unknown } | null | undefined)?.kind;
  const codec = typeof kindOf === 'string' ? KINDS.get(kindOf) : undefined;
  const raw = checkOptions(spec as unknown as Record<string, unknown>, `${op} spec`, [...BASE_KEYS, ...(codec?.keys ?? ['data'])]);
  const kind = checkKindName(raw.kind);
  const name = checkIfname(raw.name);
  const own = codec ? codec.check(raw, false) : {};
  const data = codec ? undefined : raw.data;
  if (data !== undefined && !(data instanceof Uint8Array)) throw new TypeError(`data must be bytes (IFLA_INFO_DATA attributes), got ${showValue(data)}`);
  const parent = opt(raw.parent, (v) => checkLinkRef(v, 'parent'));
  if (codec?.needsParent && parent === undefined) throw new TypeError(`a ${kind} needs a parent link`);
  const mtu = opt(raw.mtu, checkMtu);
  const address = opt(raw.address, mac('address'));
  const master = opt(raw.master, (v) => checkLinkRef(v, 'master'));
  const up = opt(raw.up, (v) => checkBoolean(v, 'up'));
  const txqlen = opt(raw.txqlen, u32Of('txqlen'));
  // A kind's own option of that name wins (vxlan's multicast group).
  const group = codec?.keys.includes('group') ? undefined : opt(raw.group, u32Of('group'));
  const where = target ? ` in netns ${target.label}` : '';
  const ctx = linkCtx(h, op, name, { kind, ...(target ? { target: target.label } : {}) }, where ? ` (to be created${where})` : '', () => ({
    ...kindHints(kind, h.label),
    [EEXIST]: `an interface named ${name} already exists${where || ` in netns ${h.label}`}`,
  }));

  const conn = await h.connection(op);
  const masterConn = target && master !== undefined ? await target.connection(op) : conn;
  const [parentIdx, masterIdx, indexes] = await Promise.all([
    parent === undefined ? undefined : indexOf(conn, h.label, parent, ctx),
    master === undefined ? undefined : indexOf(masterConn, (target ?? h).label, master, ctx),
    kindIndexes(conn, h.label, codec?.devs?.(own) ?? [], ctx),
  ]);
  const encode = codec?.encode;
  const l: LinkMessage = {
    name, up, parent: parentIdx, mtu, address, txqlen, group, master: masterIdx, kind,
    data: encode ? (w) => encode(w, own, (n) => indexes.get(n)!) : data,
  };
  await sendTo(conn, target, l, ctx);
}

/** `ip link set IFNAME type KIND OPTIONS`. @internal */
export async function setLinkType(h: NsHandle, ifname: string, changes: LinkTypeChanges): Promise<void> {
  checkIfname(ifname);
  const kind = checkKindName((changes as { kind?: unknown } | null | undefined)?.kind);
  const codec = KINDS.get(kind);
  const encode = codec?.encode;
  if (!codec || !encode || codec.keys.length === 0) throw new TypeError(`setLinkType knows no settings of kind ${showValue(kind)}`);
  const raw = checkOptions(changes as unknown as Record<string, unknown>, 'setLinkType changes', ['kind', ...codec.keys]);
  const own = codec.check(raw, true);
  const ctx = linkCtx(h, 'setLinkType', ifname, { kind }, '', () => ({
    ...kindHints(kind, h.label),
    // The link exists: a refusal here is of the change (vxlan's l2miss cannot change), not of the kind.
    [EOPNOTSUPP]: kind === 'bridge' ? BRIDGE_HINTS[EOPNOTSUPP]! : `the kernel does not change this setting of a ${kind} in place: delete and create it again`,
    [EINVAL]: `${ifname} is not a ${kind}, or the kernel refuses this change`,
  }));
  const conn = await h.connection('setLinkType');
  const indexes = await kindIndexes(conn, h.label, codec.devs?.(own) ?? [], ctx);
  await conn.request(encodeNewLink({ name: ifname, kind, data: (w) => encode(w, own, (n) => indexes.get(n)!) }, false), ctx);
}

/** `ip tuntap add NAME mode tun|tap ...`, made persistent. @internal */
export async function createTuntap(h: NsHandle, mode: 'tun' | 'tap', name: string, options: TuntapOptions | undefined, target: NsHandle | null): Promise<void> {
  const op = mode === 'tap' ? 'createTap' : 'createTun';
  const o = checkOptions(options, `${op} options`, ['owner', 'group', 'multiQueue', 'pi', 'vnetHdr', 'netns']);
  checkIfname(name);
  const owner = opt(o.owner, (v) => checkInt(v, 0, 0xfffffffe, 'owner')) ?? -1;
  const group = opt(o.group, (v) => checkInt(v, 0, 0xfffffffe, 'group')) ?? -1;
  let flags = mode === 'tap' ? C.IFF_TAP : C.IFF_TUN;
  if (!opt(o.pi, (v) => checkBoolean(v, 'pi'))) flags |= C.IFF_NO_PI;
  if (opt(o.multiQueue, (v) => checkBoolean(v, 'multiQueue'))) flags |= C.IFF_MULTI_QUEUE;
  if (opt(o.vnetHdr, (v) => checkBoolean(v, 'vnetHdr'))) flags |= C.IFF_VNET_HDR;
  const where = target ?? h;
  const ctx = linkCtx(where, op, name, {}, '', () => ({
    [EEXIST]: `an interface named ${name} already exists in netns ${where.label}`,
    [ENOENT]: 'this kernel has no /dev/net/tun (the tun module)',
  }));

  // TUNSETIFF on an existing device of the same mode would attach to it, not fail: refuse first.
  const conn = await where.connection(op);
  const exists = await Promise.resolve(resolveIndex(conn, where.label, name, ctx)).then(() => true, () => false);
  if (exists) throw contextError(ctx, EEXIST, null);
  await where.withFd((fd) => nativeCall(ctx, () => native.tuntapCreate(fd, name, flags, owner, group)));
}

/**
 * Whether the kernel knows link type `kind`: a bare RTM_NEWLINK of that kind, sent to a
 * throwaway namespace, is answered with anything but EOPNOTSUPP (made, or refused for want of a
 * parent or settings). Validation is skipped on purpose: only the kernel's answer counts.
 * @internal
 */
export async function probeKind(h: NsHandle, kind: string): Promise<boolean> {
  const conn = await h.connection('supports');
  try {
    await conn.request(encodeNewLink({ name: 'probe0', kind }), { op: 'supports', object: { kind }, subject: kind });
    return true;
  } catch (e) {
    return (e as { errno?: number }).errno !== EOPNOTSUPP;
  }
}
