/**
 * Neighbour operations (ARP and NDP entries): add, delete, list.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkFamily, checkIfname, checkMac, checkName, checkOptions, opt } from '../validate.js';
import { C } from '../wire/constants.js';
import { afOf, parseIp, type Family } from '../wire/ip.js';
import { encodeDelNeighbor, encodeDumpNeighbors, encodeNewNeighbor, parseNeighbor, type Neighbor } from '../wire/neighbor.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EEXIST, ENOENT, ENODEV } = constants.errno;

/** A neighbour to add: `ip neigh add|replace ADDRESS lladdr MAC dev IFNAME [nud STATE] [router]`. */
export interface NeighborSpec {
  /** The neighbour's IP address. */
  address: string;
  /** Its link-layer address: any six octets, multicast and all-zero too, as `ip neigh` takes them. */
  lladdr: string;
  /** The interface. */
  dev: string;
  /** `permanent` (default), `reachable`, `stale`, `noarp`. */
  state?: 'permanent' | 'reachable' | 'stale' | 'noarp';
  /** Mark it as a router (IPv6). */
  router?: boolean;
  /** Replace an existing entry instead of failing with `EEXIST`. */
  replace?: boolean;
}

/** Which neighbour to delete: `ip neigh del ADDRESS dev IFNAME`. */
export interface NeighborKey {
  /** The neighbour's IP address. */
  address: string;
  /** The interface. */
  dev: string;
}

/** Options of {@link Netns.deleteNeighbor}. */
export interface DeleteNeighborOptions {
  /** Succeed if there is no such entry (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.neighbors}: `ip [-4|-6] neigh show [dev IFNAME]`. */
export interface NeighborFilter {
  /** Only this interface's entries. */
  dev?: string;
  /** Only IPv4 (ARP) or IPv6 (NDP) entries. */
  family?: Family;
}

const NUD: Readonly<Record<NonNullable<NeighborSpec['state']>, number>> = {
  permanent: C.NUD_PERMANENT,
  reachable: C.NUD_REACHABLE,
  stale: C.NUD_STALE,
  noarp: C.NUD_NOARP,
};

function neighCtx(h: NsHandle, op: string, address: string, dev: string): ErrorContext {
  return {
    op,
    object: { address, dev, netns: h.label },
    subject: `${address} dev ${dev} in netns ${h.label}`,
    hints: {
      [ENODEV]: `no interface named ${dev} in netns ${h.label}`,
      [EEXIST]: `${dev} already has a neighbour entry for ${address} (use replace: true)`,
      [ENOENT]: `no neighbour entry for ${address} on ${dev}`,
    },
  };
}

/** `ip neigh add|replace`. @internal */
export async function addNeighbor(h: NsHandle, spec: NeighborSpec): Promise<void> {
  const o = checkOptions(spec, 'neighbor', ['address', 'lladdr', 'dev', 'state', 'router', 'replace']);
  const addr = parseIp(o.address, 'address');
  const lladdr = checkMac(o.lladdr, 'lladdr', false);
  const dev = checkIfname(o.dev, 'dev');
  const state = opt(o.state, (v) => checkName(NUD, v, 'state')) ?? C.NUD_PERMANENT;
  const router = opt(o.router, (v) => checkBoolean(v, 'router')) ?? false;
  const replace = opt(o.replace, (v) => checkBoolean(v, 'replace')) ?? false;
  const ctx: Ctx = () => neighCtx(h, 'addNeighbor', addr.text, dev);
  const conn = await h.connection('addNeighbor');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  await conn.request(encodeNewNeighbor({ af: afOf(addr.family), index, dst: addr.bytes, lladdr, state, flags: router ? C.NTF_ROUTER : 0 }, replace), ctx);
}

/** `ip neigh del ADDRESS dev IFNAME`. @internal */
export async function deleteNeighbor(h: NsHandle, key: NeighborKey, options: DeleteNeighborOptions | undefined): Promise<void> {
  const k = checkOptions(key, 'neighbor', ['address', 'dev']);
  const o = checkOptions(options, 'deleteNeighbor options', ['missingOk']);
  const addr = parseIp(k.address, 'address');
  const dev = checkIfname(k.dev, 'dev');
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const ctx: Ctx = () => neighCtx(h, 'deleteNeighbor', addr.text, dev);
  const conn = await h.connection('deleteNeighbor');
  const index = await resolveIndex(conn, h.label, dev, ctx);
  await unlessMissing(conn.request(encodeDelNeighbor({ af: afOf(addr.family), index, dst: addr.bytes }), ctx), ENOENT, missingOk);
}

/** `ip [-4|-6] neigh show [dev IFNAME]`. @internal */
export async function neighbors(h: NsHandle, filter: NeighborFilter | undefined): Promise<Neighbor[]> {
  const f = checkOptions(filter, 'neighbors filter', ['dev', 'family']);
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
    conn.dump(encodeDumpNeighbors(family === undefined ? C.AF_UNSPEC : afOf(family)), ctx, parseNeighbor),
  ]);
  const name = linkNamer(conn);
  const out = found.filter((n) => (index === 0 || n.index === index) && (family === undefined || n.family === family));
  for (const n of out) n.dev = name(n.index) ?? '';
  return out;
}
