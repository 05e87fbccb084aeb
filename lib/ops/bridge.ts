/**
 * Bridge port and bridge VLAN operations, as `bridge link set` and `bridge vlan add/del/show`
 * do them. Each checks everything first, then resolves names, encodes (lib/wire) and sends.
 * @packageDocumentation
 */
import { C } from '../wire/constants.js';
import { constants } from 'node:os';
import type { Ctx, ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkIfname, checkInt, checkOptions, opt } from '../validate.js';
import { encodeBridgeVlan, encodeDumpBridgeVlans, encodeSetBridgePort, parseBridgeVlans, type BridgePortMessage, type BridgeVlan } from '../wire/bridge.js';
import { resolveIndex } from './resolve.js';

const { ENODEV, EOPNOTSUPP } = constants.errno;

/**
 * Settings of a bridge port for {@link Netns.setBridgePort}; what is left out stays as it is.
 * `bridge link set dev PORT [cost N] [priority N] [learning on|off] [flood on|off]
 * [mcast_flood on|off] [bcast_flood on|off] [hairpin on|off] [isolated on|off] [neigh_suppress on|off]`
 */
export interface BridgePortOptions {
  /** The port's STP path cost, 1–65535 (`cost`). */
  cost?: number;
  /** The port's STP priority, 0–63 (`priority`). */
  priority?: number;
  /** Learn the source MACs of frames arriving here (`learning`). */
  learning?: boolean;
  /** Flood unicast frames to unknown destinations to this port (`flood`). */
  flood?: boolean;
  /** Flood multicast frames to this port (`mcast_flood`). */
  mcastFlood?: boolean;
  /** Flood broadcast frames to this port (`bcast_flood`). */
  bcastFlood?: boolean;
  /** Let frames leave by the port they came in by (`hairpin`). */
  hairpin?: boolean;
  /** Isolate the port: it reaches only ports that are not isolated (`isolated`). */
  isolated?: boolean;
  /** Answer ARP and neighbour discovery from the bridge's tables where it can (`neigh_suppress`). */
  neighSuppress?: boolean;
}

/**
 * Which VLANs of which device {@link Netns.deleteBridgeVlan} removes:
 * `bridge vlan del dev DEV vid VID[-END] [self] [master]`.
 */
export interface BridgeVlanKey {
  /** A bridge port, or the bridge itself (then with `self`). */
  dev: string;
  /** The VLAN id, 1–4094; the first of a range when `vidEnd` is given. */
  vid: number;
  /** The last VLAN of a range (`vid 10-20`), at least `vid`. */
  vidEnd?: number;
  /** Act on the device itself (`self`): the bridge's own VLANs, when `dev` is the bridge. */
  self?: boolean;
  /** Act through the device's bridge (`master`), as is the default for a port. */
  master?: boolean;
}

/**
 * VLANs to add for {@link Netns.addBridgeVlan}:
 * `bridge vlan add dev DEV vid VID[-END] [pvid] [untagged] [self] [master]`.
 */
export interface BridgeVlanSpec extends BridgeVlanKey {
  /** Untagged frames arriving here get this VLAN (`pvid`); not for a range: a port has one PVID. */
  pvid?: boolean;
  /** Frames of these VLANs leave here untagged (`untagged`). */
  untagged?: boolean;
}

/** A filter for {@link Netns.bridgeVlans}: `bridge vlan show [dev DEV] [vid VID]`. */
export interface BridgeVlanFilter {
  /** Only this device's VLANs. */
  dev?: string;
  /** Only this VLAN. */
  vid?: number;
}

const NO_VLAN_FILTERING = "this kernel's bridge has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is not set)";

function portCtx(h: NsHandle, op: string, ifname: string, extra: Record<string, unknown>, more: string, hints: Record<number, string>): Ctx {
  return () => ({
    op,
    object: { ifname, netns: h.label, ...extra },
    subject: `${ifname} in netns ${h.label}${more}`,
    hints: { [ENODEV]: `no interface named ${ifname} in netns ${h.label}`, ...hints },
  });
}

const bool = (what: string) => (v: unknown): boolean => checkBoolean(v, what);

/** `bridge link set dev PORT ...`. @internal */
export async function setBridgePort(h: NsHandle, ifname: string, options: BridgePortOptions): Promise<void> {
  const o = checkOptions(options, 'setBridgePort options', ['cost', 'priority', 'learning', 'flood', 'mcastFlood', 'bcastFlood', 'hairpin', 'isolated', 'neighSuppress']);
  checkIfname(ifname);
  const p: BridgePortMessage = {};
  const cost = opt(o.cost, (v) => checkInt(v, 1, 65535, 'cost'));
  if (cost !== undefined) p.cost = cost;
  const priority = opt(o.priority, (v) => checkInt(v, 0, 63, 'priority'));
  if (priority !== undefined) p.priority = priority;
  for (const key of ['learning', 'flood', 'mcastFlood', 'bcastFlood', 'hairpin', 'isolated', 'neighSuppress'] as const) {
    const on = opt(o[key], bool(key));
    if (on !== undefined) p[key] = on;
  }
  const ctx = portCtx(h, 'setBridgePort', ifname, {}, '', {
    [EOPNOTSUPP]: `${ifname} is no bridge port (setBridgePort changes a port of a bridge; setLinkType changes a bridge's own settings)`,
  });
  const conn = await h.connection('setBridgePort');
  const index = await resolveIndex(conn, h.label, ifname, ctx);
  await conn.request(encodeSetBridgePort(index, p), ctx);
}

interface CheckedVlan {
  dev: string;
  vid: number;
  vidEnd: number | undefined;
  bridgeFlags: number;
  pvid: boolean;
  untagged: boolean;
}

function checkVlan(spec: BridgeVlanSpec | BridgeVlanKey, what: string, adding: boolean): CheckedVlan {
  const keys = ['dev', 'vid', 'vidEnd', 'self', 'master', ...(adding ? (['pvid', 'untagged'] as const) : [])] as (keyof BridgeVlanSpec)[];
  const o = checkOptions(spec as BridgeVlanSpec, what, keys);
  const dev = checkIfname(o.dev, 'dev');
  const vid = checkInt(o.vid, 1, 4094, 'vid');
  const vidEnd = opt(o.vidEnd, (v) => checkInt(v, 1, 4094, 'vidEnd'));
  if (vidEnd !== undefined && vidEnd < vid) throw new RangeError(`vidEnd ${vidEnd} is below vid ${vid}: a range runs from vid up to vidEnd`);
  const self = opt(o.self, bool('self')) ?? false;
  const master = opt(o.master, bool('master')) ?? false;
  const pvid = opt(o.pvid, bool('pvid')) ?? false;
  const untagged = opt(o.untagged, bool('untagged')) ?? false;
  const range = vidEnd !== undefined && vidEnd !== vid;
  if (pvid && range) throw new TypeError(`pvid cannot be given for the range ${vid}-${vidEnd}: a port has one PVID`);
  return { dev, vid, vidEnd: range ? vidEnd : undefined, bridgeFlags: (self ? C.BRIDGE_FLAGS_SELF : 0) | (master ? C.BRIDGE_FLAGS_MASTER : 0), pvid, untagged };
}

function vlanCtx(h: NsHandle, op: string, v: CheckedVlan, hints: Record<number, string>): Ctx {
  const vids = v.vidEnd === undefined ? String(v.vid) : `${v.vid}-${v.vidEnd}`;
  return portCtx(h, op, v.dev, { vid: v.vid, ...(v.vidEnd === undefined ? {} : { vidEnd: v.vidEnd }) }, ` (vid ${vids})`, {
    [EOPNOTSUPP]: `${v.dev} takes no VLANs this way: it is no bridge port (a bridge's own VLANs need self: true), or ${NO_VLAN_FILTERING}`,
    ...hints,
  });
}

/** `bridge vlan add dev DEV vid VID[-END] [pvid] [untagged] [self] [master]`. @internal */
export async function addBridgeVlan(h: NsHandle, spec: BridgeVlanSpec): Promise<void> {
  const v = checkVlan(spec, 'addBridgeVlan spec', true);
  const ctx = vlanCtx(h, 'addBridgeVlan', v, {});
  const conn = await h.connection('addBridgeVlan');
  const index = await resolveIndex(conn, h.label, v.dev, ctx);
  await conn.request(encodeBridgeVlan('add', { index, vid: v.vid, vidEnd: v.vidEnd, pvid: v.pvid, untagged: v.untagged, bridgeFlags: v.bridgeFlags }), ctx);
}

/**
 * `bridge vlan del dev DEV vid VID[-END] [self] [master]`. The kernel ignores a VLAN it cannot
 * remove (one the device does not have): there is no ENOENT to report.
 * @internal
 */
export async function deleteBridgeVlan(h: NsHandle, key: BridgeVlanKey): Promise<void> {
  const v = checkVlan(key, 'deleteBridgeVlan key', false);
  const ctx = vlanCtx(h, 'deleteBridgeVlan', v, {});
  const conn = await h.connection('deleteBridgeVlan');
  const index = await resolveIndex(conn, h.label, v.dev, ctx);
  await conn.request(encodeBridgeVlan('delete', { index, vid: v.vid, vidEnd: v.vidEnd, bridgeFlags: v.bridgeFlags }), ctx);
}

/** `bridge vlan show [dev DEV] [vid VID]`. @internal */
export async function bridgeVlans(h: NsHandle, filter: BridgeVlanFilter | undefined): Promise<BridgeVlan[]> {
  const f = checkOptions(filter, 'bridgeVlans filter', ['dev', 'vid']);
  const dev = opt(f.dev, (v) => checkIfname(v, 'dev'));
  const vid = opt(f.vid, (v) => checkInt(v, 1, 4094, 'vid'));
  const ctx: ErrorContext = {
    op: 'bridgeVlans',
    object: { netns: h.label, ...(dev === undefined ? {} : { dev }) },
    subject: `in netns ${h.label}`,
    hints: { [ENODEV]: `no interface named ${dev ?? ''} in netns ${h.label}` },
  };
  const conn = await h.connection('bridgeVlans');
  const [index, found] = await Promise.all([
    dev === undefined ? 0 : resolveIndex(conn, h.label, dev, ctx),
    conn.dump(encodeDumpBridgeVlans(), ctx, parseBridgeVlans),
  ]);
  return found.flat().filter((v) => (index === 0 || v.index === index) && (vid === undefined || v.vid === vid));
}
