/**
 * Neighbour operations (ARP and NDP entries, and proxy entries): add, delete, list.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkArray, checkBoolean, checkFamily, checkIfname, checkMac, checkOptions, opt, showValue } from '../validate.js';
import { C } from '../wire/constants.js';
import { afOf, parseIp, type Family } from '../wire/ip.js';
import { NEIGHBOR_STATES, type NeighborState } from '../wire/names.js';
import { encodeDelNeighbor, encodeDumpNeighbors, encodeNewNeighbor, parseNeighbor, type Neighbor } from '../wire/neighbor.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EEXIST, ENOENT, ENODEV } = constants.errno;

/**
 * A neighbour state to give: spelt as {@link Neighbor.state} reads back (`ip -j neigh`), one
 * name or a list of them (`['PERMANENT']`, `'STALE'`; `[]` is `nud none`). The lower-case names
 * `ip neigh add ... nud STATE` takes (`'permanent'`, `'none'`) are accepted too.
 */
export type NeighborStateSpec = NeighborState | readonly NeighborState[] | Lowercase<NeighborState> | 'none';

/**
 * A neighbour to add: `ip neigh add|replace ADDRESS lladdr MAC dev IFNAME [nud STATE] [router]`,
 * or a proxy entry (the namespace answers ARP or neighbour solicitations for `address` on `dev`):
 * `ip neigh add proxy ADDRESS dev IFNAME [router]`.
 */
export interface NeighborSpec {
  /** The neighbour's IP address. */
  address: string;
  /** Its link-layer address: any six octets, multicast and all-zero too, as `ip neigh` takes them. Needed but for a proxy entry, which has none. */
  lladdr?: string;
  /** The interface. */
  dev: string;
  /** Its state; default `PERMANENT`. A proxy entry has none. */
  state?: NeighborStateSpec;
  /** Mark it as a router (IPv6). */
  router?: boolean;
  /** A proxy entry (`proxy`): answered for, not resolved. */
  proxy?: boolean;
  /** Replace an existing entry instead of failing with `EEXIST`. A proxy entry is always replaced. */
  replace?: boolean;
}

/** Which neighbour to delete: `ip neigh del [proxy] ADDRESS dev IFNAME`. */
export interface NeighborKey {
  /** The neighbour's IP address. */
  address: string;
  /** The interface. */
  dev: string;
  /** The proxy entry for the address (`proxy`), not the neighbour entry. */
  proxy?: boolean;
}

/** Options of {@link Netns.deleteNeighbor}. */
export interface DeleteNeighborOptions {
  /** Succeed if there is no such entry (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.neighbors}: `ip [-4|-6] neigh show [proxy] [dev IFNAME]`. */
export interface NeighborFilter {
  /** The proxy entries instead of the neighbour entries (`proxy`). */
  proxy?: boolean;
  /** Only this interface's entries. */
  dev?: string;
  /** Only IPv4 (ARP) or IPv6 (NDP) entries. */
  family?: Family;
}

/** `NUD_*` by name: ip -j's upper-case names, and the lower-case ones of `ip neigh ... nud` (with `none`). */
const NUD = new Map<string, number>(NEIGHBOR_STATES.flatMap(([bit, name]) => [[name, bit], [name.toLowerCase(), bit]] as const));
NUD.set('none', 0);

/** One state name; `lowerOk`: the lower-case ones too (not inside a list, which is read back's spelling only). */
function nudName(v: unknown, what: string, lowerOk: boolean): number {
  const bit = typeof v === 'string' && (lowerOk || v === v.toUpperCase()) ? NUD.get(v) : undefined;
  if (bit === undefined) throw new TypeError(`${what} must be one of ${NEIGHBOR_STATES.map(([, n]) => n).join(', ')}${lowerOk ? ' (or in lower case, as ip neigh nud takes them), or a list of them' : ''}, got ${showValue(v)}`);
  return bit;
}

/** A state as {@link NeighborStateSpec} spells it: its `NUD_*` bits. */
function checkState(v: unknown): number {
  if (Array.isArray(v)) return checkArray(v, 'state', (x, i) => nudName(x, `state[${i}]`, false)).reduce((a, b) => a | b, 0);
  return nudName(v, 'state', true);
}

function neighCtx(h: NsHandle, op: string, address: string, dev: string, proxy: boolean): ErrorContext {
  return {
    op,
    object: { address, dev, netns: h.label, ...(proxy ? { proxy } : {}) },
    subject: `${proxy ? 'proxy ' : ''}${address} dev ${dev} in netns ${h.label}`,
    hints: {
      [ENODEV]: `no interface named ${dev} in netns ${h.label}`,
      [EEXIST]: `${dev} already has a neighbour entry for ${address} (use replace: true)`,
      [ENOENT]: `no ${proxy ? 'proxy' : 'neighbour'} entry for ${address} on ${dev}`,
    },
  };
}

/** `ip neigh add|replace`. @internal */
export async function addNeighbor(h: NsHandle, spec: NeighborSpec): Promise<void> {
  const o = checkOptions(spec, 'neighbor', ['address', 'lladdr', 'dev', 'state', 'router', 'proxy', 'replace']);
  const addr = parseIp(o.address, 'address');
  const proxy = opt(o.proxy, (v) => checkBoolean(v, 'proxy')) ?? false;
  if (proxy && o.lladdr !== undefined) throw new TypeError(`a proxy entry has no lladdr: the namespace answers for ${addr.text} with ${showValue(o.dev)}'s own address`);
  if (proxy && o.state !== undefined) throw new TypeError('a proxy entry has no state');
  if (!proxy && o.lladdr === undefined) throw new TypeError(`neighbor ${addr.text} needs lladdr (or proxy: true for a proxy entry)`);
  const lladdr = proxy ? undefined : checkMac(o.lladdr, 'lladdr', false);
  const dev = checkIfname(o.dev, 'dev');
  const state = opt(o.state, checkState) ?? C.NUD_PERMANENT;
  const router = opt(o.router, (v) => checkBoolean(v, 'router')) ?? false;
  const replace = opt(o.replace, (v) => checkBoolean(v, 'replace')) ?? false;
  const ctx: Ctx = () => neighCtx(h, 'addNeighbor', addr.text, dev, proxy);
  const conn = await h.connection('addNeighbor');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  const flags = (router ? C.NTF_ROUTER : 0) | (proxy ? C.NTF_PROXY : 0);
  await conn.request(encodeNewNeighbor({ af: afOf(addr.family), index, dst: addr.bytes, ...(lladdr ? { lladdr } : {}), state, flags }, replace), ctx);
}

/** `ip neigh del [proxy] ADDRESS dev IFNAME`. @internal */
export async function deleteNeighbor(h: NsHandle, key: NeighborKey, options: DeleteNeighborOptions | undefined): Promise<void> {
  const k = checkOptions(key, 'neighbor', ['address', 'dev', 'proxy']);
  const o = checkOptions(options, 'deleteNeighbor options', ['missingOk']);
  const addr = parseIp(k.address, 'address');
  const dev = checkIfname(k.dev, 'dev');
  const proxy = opt(k.proxy, (v) => checkBoolean(v, 'proxy')) ?? false;
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const ctx: Ctx = () => neighCtx(h, 'deleteNeighbor', addr.text, dev, proxy);
  const conn = await h.connection('deleteNeighbor');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  // A proxy entry is named by NTF_PROXY; ip sends NUD_PERMANENT with it, which the kernel ignores.
  const which = proxy ? { state: C.NUD_PERMANENT, flags: C.NTF_PROXY } : {};
  await unlessMissing(conn.change(encodeDelNeighbor({ af: afOf(addr.family), index, dst: addr.bytes, ...which }), ctx), ENOENT, missingOk);
}

/** `ip [-4|-6] neigh show [proxy] [dev IFNAME]`. @internal */
export async function neighbors(h: NsHandle, filter: NeighborFilter | undefined): Promise<Neighbor[]> {
  const f = checkOptions(filter, 'neighbors filter', ['proxy', 'dev', 'family']);
  const proxy = opt(f.proxy, (v) => checkBoolean(v, 'proxy')) ?? false;
  const dev = opt(f.dev, (v) => checkIfname(v, 'dev'));
  const family = opt(f.family, checkFamily);
  const ctx: ErrorContext = {
    op: 'neighbors',
    object: { netns: h.label, ...(dev ? { dev } : {}) },
    subject: `in netns ${h.label}`,
    hints: { [ENODEV]: `no interface named ${dev ?? ''} in netns ${h.label}` },
  };
  const conn = await h.connection('neighbors');
  const [index, found] = await Promise.all([
    dev === undefined ? 0 : resolveIndex(conn, h.label, dev, ctx),
    conn.dump(encodeDumpNeighbors(family === undefined ? C.AF_UNSPEC : afOf(family), proxy), ctx, parseNeighbor),
  ]);
  const name = linkNamer(conn);
  const out = found.filter((n) => (index === 0 || n.index === index) && (family === undefined || n.family === family));
  for (const n of out) n.dev = name(n.index) ?? '';
  return out;
}
