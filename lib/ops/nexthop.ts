/**
 * Nexthop object operations (`ip nexthop`): add, replace, delete, get, list and flush single
 * nexthops, blackholes and groups. Routes use them by id ({@link RouteSpec.nhid}).
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type { Connection } from '../connection.js';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkArray, checkBoolean, checkByName, checkFamily, checkIfname, checkInt, checkName, checkOptions, opt } from '../validate.js';
import { C } from '../wire/constants.js';
import { afOf, parseIp, type Family } from '../wire/ip.js';
import { PROTOCOLS, type RouteProtocol } from '../wire/names.js';
import {
  encodeDelNexthop,
  encodeDumpNexthops,
  encodeGetNexthop,
  encodeNexthop,
  GROUP_TYPES,
  parseNexthop,
  type Nexthop,
  type NexthopGroupMember,
  type NexthopGroupType,
  type NexthopMessage,
} from '../wire/nexthop.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EEXIST, ENOENT, ENODEV, ENETDOWN, ENETUNREACH } = constants.errno;

/** The largest nexthop id (a u32; 0 asks the kernel to pick one). @internal */
export const NEXTHOP_ID_MAX = 0xffffffff;
/** The largest weight of a group member (Linux 6.12; 256 before). @internal */
export const NEXTHOP_WEIGHT_MAX = 65536;
/** The largest resilient timer, in seconds: a u32 of hundredths. @internal */
export const RES_TIMER_MAX = Math.floor(0xffffffff / 100);

/** A member of {@link NexthopSpec.group}: `ID[,WEIGHT]`. */
export interface NexthopGroupMemberSpec {
  /** The member nexthop's id; it must exist. */
  id: number;
  /** 1–65536, default 1; above 256 needs Linux 6.12. */
  weight?: number;
}

/** A resilient group's settings: `type resilient [buckets N] [idle_timer S] [unbalanced_timer S]`. */
export interface ResilientSpec {
  /** Hash buckets, 1–65535; the kernel's default is 128. */
  buckets?: number;
  /** Seconds a bucket must be idle before it moves to another member; the kernel's default is 120. */
  idleTimer?: number;
  /** Seconds the group may stay unbalanced before busy buckets move too; 0 (the default): never. */
  unbalancedTimer?: number;
}

/**
 * A nexthop to add or replace: one of a gateway and/or a device, a blackhole, or a group.
 * `ip nexthop add id ID { via GW [dev IFNAME] [onlink] | dev IFNAME | blackhole |
 * group ID[,WEIGHT]/... [type mpath | type resilient [buckets N] [idle_timer S] [unbalanced_timer S]] } [fdb] [proto P]`
 */
export interface NexthopSpec {
  /** 1–4294967295. Left out on add, the kernel picks one (the call resolves with it); replace needs it. */
  id?: number;
  /** The gateway (`via`): IPv4 or IPv6. */
  via?: string;
  /** The output interface (`dev`); it must be up. */
  dev?: string;
  /** Take the gateway as on-link even if no address of `dev` covers it (`onlink`). */
  onlink?: boolean;
  /** Drop what is sent to it (`blackhole`). */
  blackhole?: boolean;
  /** The members of a group (`group 1/2,3`), by id or `{ id, weight }`. */
  group?: readonly (number | NexthopGroupMemberSpec)[];
  /** A group's type; `resilient` when {@link NexthopSpec.resilient} is given, else `mpath`. */
  groupType?: NexthopGroupType;
  /** A resilient group's settings (implies `groupType: 'resilient'`). */
  resilient?: ResilientSpec;
  /** For bridge FDB entries (`fdb`): a gateway without a device, or a group of such. */
  fdb?: boolean;
  /** Who installs it (`proto`); default 0 (`unspec`), as `ip nexthop add`. */
  protocol?: RouteProtocol | number;
  /** 4 or 6 for a blackhole or a device alone (default 4, as `ip`); otherwise the gateway's. */
  family?: Family;
}

/** Options of {@link Netns.deleteNexthop}. */
export interface DeleteNexthopOptions {
  /** Succeed if there is no such nexthop (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.nexthops} and {@link Netns.flushNexthops}: `ip [-4|-6] nexthop show [dev IFNAME] [groups] [fdb]`. */
export interface NexthopFilter {
  /** Only IPv4 (4) or IPv6 (6) nexthops; groups have no family and are left out, as with `ip -4`. */
  family?: Family;
  /** Only nexthops out of this interface. */
  dev?: string;
  /** Only groups (`groups`). */
  groups?: boolean;
  /** Only FDB nexthops (`fdb`). */
  fdb?: boolean;
}

const SPEC_KEYS = ['id', 'via', 'dev', 'onlink', 'blackhole', 'group', 'groupType', 'resilient', 'fdb', 'protocol', 'family'] as const;

function checkId(v: unknown, what = 'id'): number {
  return checkInt(v, 1, NEXTHOP_ID_MAX, what);
}

function checkMember(v: unknown, i: number): NexthopGroupMember {
  if (typeof v === 'number') return { id: checkId(v, `group[${i}]`), weight: 1 };
  const o = checkOptions(v as NexthopGroupMemberSpec, `group[${i}]`, ['id', 'weight']);
  if (o.id === undefined) throw new TypeError(`group[${i}] needs an id`);
  return { id: checkId(o.id, `group[${i}].id`), weight: opt(o.weight, (w) => checkInt(w, 1, NEXTHOP_WEIGHT_MAX, `group[${i}].weight`)) ?? 1 };
}

/** A spec, every value checked; only the device remains to be resolved. */
interface Checked {
  spec: Partial<NexthopSpec>;
  message: Omit<NexthopMessage, 'oif'>;
  dev: string | undefined;
}

function checkSpec(spec: NexthopSpec, replace: boolean): Checked {
  const o = checkOptions(spec, 'nexthop', SPEC_KEYS);
  const id = opt(o.id, (v) => checkId(v));
  if (replace && id === undefined) throw new TypeError('replaceNexthop needs the id of the nexthop to replace');
  const via = opt(o.via, (v) => parseIp(v, 'via')) ?? null;
  const dev = opt(o.dev, (v) => checkIfname(v, 'dev'));
  const onlink = opt(o.onlink, (v) => checkBoolean(v, 'onlink')) ?? false;
  const blackhole = opt(o.blackhole, (v) => checkBoolean(v, 'blackhole')) ?? false;
  const fdb = opt(o.fdb, (v) => checkBoolean(v, 'fdb')) ?? false;
  const protocol = opt(o.protocol, (v) => checkByName(PROTOCOLS, v, 'protocol', 255)) ?? 0;
  const family = opt(o.family, checkFamily);
  const group = opt(o.group, (v) => checkArray(v, 'group', checkMember));
  const groupType = opt(o.groupType, (v) => checkName(GROUP_TYPES, v, 'groupType'));
  const r = opt(o.resilient, (v) => checkOptions(v as ResilientSpec, 'resilient', ['buckets', 'idleTimer', 'unbalancedTimer']));
  const resilient = r && {
    buckets: opt(r.buckets, (v) => checkInt(v, 1, 0xffff, 'resilient.buckets')),
    idleTimer: opt(r.idleTimer, (v) => checkInt(v, 0, RES_TIMER_MAX, 'resilient.idleTimer')),
    unbalancedTimer: opt(r.unbalancedTimer, (v) => checkInt(v, 0, RES_TIMER_MAX, 'resilient.unbalancedTimer')),
  };
  const base = { id, protocol, flags: onlink ? C.RTNH_F_ONLINK : 0, fdb };

  if (group !== undefined) {
    if (group.length === 0) throw new TypeError('group must list at least one nexthop id');
    const seen = new Set<number>();
    for (const m of group) {
      if (seen.has(m.id)) throw new TypeError(`group lists nexthop ${m.id} twice`);
      seen.add(m.id);
    }
    const other = (['via', 'dev', 'onlink', 'blackhole', 'family'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
    if (other.length > 0) throw new TypeError(`a group takes no ${other.join(', ')}: those belong to its members`);
    if (id !== undefined && seen.has(id)) throw new TypeError(`group ${id} cannot list itself`);
    if (resilient && groupType === GROUP_TYPES.mpath) throw new TypeError("resilient settings are for groupType 'resilient', not 'mpath'");
    const type = resilient ? GROUP_TYPES.resilient : groupType;
    return {
      spec: o,
      dev: undefined,
      message: { ...base, af: C.AF_UNSPEC, group, ...(type === undefined ? {} : { groupType: type }), ...(resilient ? { resilient } : {}) },
    };
  }
  if (groupType !== undefined || resilient) throw new TypeError(`${groupType !== undefined ? 'groupType' : 'resilient'} is for a group: give group too`);
  if (blackhole) {
    const other = (['via', 'dev', 'onlink', 'fdb'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
    if (other.length > 0) throw new TypeError(`a blackhole takes no ${other.join(', ')}`);
    return { spec: o, dev: undefined, message: { ...base, af: afOf(family ?? 4), blackhole: true } };
  }
  if (!via && dev === undefined) throw new TypeError('a nexthop needs via, dev, blackhole or group');
  if (via && family !== undefined && via.family !== family) throw new TypeError(`via ${via.text} is IPv${via.family}, but family is ${family}`);
  if (onlink && (!via || dev === undefined)) throw new TypeError('onlink needs both via and dev: the gateway is taken as on-link on that device');
  if (fdb && dev !== undefined) throw new TypeError('an fdb nexthop takes no dev: the bridge or VXLAN device that uses it decides');
  if (fdb && !via) throw new TypeError('an fdb nexthop needs via: the remote it stands for');
  return { spec: o, dev, message: { ...base, af: afOf(via?.family ?? family ?? 4), gateway: via?.bytes ?? null } };
}

function nexthopCtx(h: NsHandle, op: string, spec: Partial<NexthopSpec>, dev: string | undefined): ErrorContext {
  const id = spec.id === undefined ? '' : `id ${spec.id}`;
  const what = [id, spec.via ? `via ${spec.via}` : '', dev ? `dev ${dev}` : '', spec.blackhole ? 'blackhole' : '', spec.group ? 'group' : ''].filter(Boolean).join(' ');
  return {
    op,
    object: { nexthop: { ...spec }, netns: h.label },
    subject: `nexthop ${what} in netns ${h.label}`,
    hints: {
      [EEXIST]: `a nexthop with ${id || 'this id'} already exists (replaceNexthop changes it)`,
      [ENODEV]: `no interface named ${dev ?? ''} in netns ${h.label}`,
      [ENETDOWN]: dev ? `${dev} is down: a nexthop's device must be up` : 'the device is down (a blackhole uses lo: it must be up)',
      [ENETUNREACH]: spec.via ? `no address or route on ${dev ?? 'any device'} covers the gateway ${spec.via} (onlink takes it as is)` : 'network is unreachable',
    },
  };
}

/** `ip nexthop add|replace ...`; resolves with the nexthop's id (the kernel's pick when none was given). @internal */
export async function addNexthop(h: NsHandle, spec: NexthopSpec, replace: boolean): Promise<number> {
  const op = replace ? 'replaceNexthop' : 'addNexthop';
  const c = checkSpec(spec, replace);
  const ctx: Ctx = () => nexthopCtx(h, op, c.spec, c.dev);
  const conn = await h.connection(op);
  const oif = c.dev === undefined ? undefined : await resolveIndex(conn, h.label, c.dev, ctx);
  const echo = c.message.id === undefined;
  const made = await conn.request(encodeNexthop(replace, { ...c.message, ...(oif === undefined ? {} : { oif }) }, echo), ctx, echo ? parseNexthop : undefined);
  const id = c.message.id ?? made[0]?.id;
  if (id === undefined) throw new TypeError('the kernel did not say which id it gave the nexthop');
  return id;
}

function idCtx(h: NsHandle, op: string, id: number): ErrorContext {
  return { op, object: { id, netns: h.label }, subject: `nexthop id ${id} in netns ${h.label}`, hints: { [ENOENT]: `no nexthop with id ${id}` } };
}

/** `ip nexthop del id ID`. @internal */
export async function deleteNexthop(h: NsHandle, id: number, options: DeleteNexthopOptions | undefined): Promise<void> {
  checkId(id);
  const o = checkOptions(options, 'deleteNexthop options', ['missingOk']);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const conn = await h.connection('deleteNexthop');
  await unlessMissing(conn.change(encodeDelNexthop(id), idCtx(h, 'deleteNexthop', id)), ENOENT, missingOk);
}

function nameDevs(conn: Connection, found: Nexthop[]): Nexthop[] {
  const name = linkNamer(conn);
  for (const n of found) if (n.oif !== null) n.dev = name(n.oif);
  return found;
}

/** `ip nexthop get id ID`. @internal */
export async function nexthop(h: NsHandle, id: number): Promise<Nexthop> {
  checkId(id);
  const conn = await h.connection('nexthop');
  const [found] = await conn.request(encodeGetNexthop(id), idCtx(h, 'nexthop', id), parseNexthop);
  if (!found) throw new TypeError(`the kernel answered no nexthop for id ${id}`);
  return nameDevs(conn, [found])[0]!;
}

async function dump(h: NsHandle, op: string, filter: NexthopFilter | undefined): Promise<{ conn: Connection; found: Nexthop[]; ctx: ErrorContext }> {
  const f = checkOptions(filter, `${op} filter`, ['family', 'dev', 'groups', 'fdb']);
  const family = opt(f.family, checkFamily);
  const dev = opt(f.dev, (v) => checkIfname(v, 'dev'));
  const groups = opt(f.groups, (v) => checkBoolean(v, 'groups')) ?? false;
  const fdb = opt(f.fdb, (v) => checkBoolean(v, 'fdb')) ?? false;
  const ctx: ErrorContext = { op, object: { netns: h.label, ...(dev ? { dev } : {}) }, subject: `in netns ${h.label}`, hints: { [ENODEV]: `no interface named ${dev ?? ''} in netns ${h.label}` } };
  const conn = await h.connection(op);
  const oif = dev === undefined ? undefined : await resolveIndex(conn, h.label, dev, ctx);
  const msg = encodeDumpNexthops({ af: family === undefined ? C.AF_UNSPEC : afOf(family), ...(oif === undefined ? {} : { oif }), groups, fdb });
  return { conn, found: await conn.dump(msg, ctx, parseNexthop), ctx };
}

/** `ip [-4|-6] nexthop show [dev IFNAME] [groups] [fdb]`. @internal */
export async function nexthops(h: NsHandle, filter: NexthopFilter | undefined): Promise<Nexthop[]> {
  const { conn, found } = await dump(h, 'nexthops', filter);
  return nameDevs(conn, found);
}

/**
 * `ip nexthop flush [dev IFNAME] [groups]`: reads the nexthops, then deletes those that match,
 * groups first, in one batch; resolves with how many. Routes using them go with them.
 * @internal
 */
export async function flushNexthops(h: NsHandle, filter: NexthopFilter | undefined): Promise<number> {
  const { conn, found, ctx } = await dump(h, 'flushNexthops', filter);
  const ordered = [...found.filter((n) => n.group.length > 0), ...found.filter((n) => n.group.length === 0)];
  // All queued in this tick: one sendmsg. A group emptied by its members' deletion goes with
  // them, so a nexthop already gone is no failure.
  await Promise.all(
    ordered.map((n) => {
      const nctx: Ctx = () => ({ ...ctx, object: { ...ctx.object, id: n.id }, subject: `nexthop id ${n.id} in netns ${h.label}` });
      return unlessMissing(conn.change(encodeDelNexthop(n.id), nctx), ENOENT, true);
    }),
  );
  return ordered.length;
}
