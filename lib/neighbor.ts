/**
 * Neighbours (ARP and NDP entries): the typed {@link Neighbor} and the requests that add,
 * delete and list them.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { eachAttr, MessageWriter, readI32, readU16, type RawMessage } from './attr.js';
import { C, NDMSG_LEN } from './constants.js';
import type { Ctx, ErrorContext } from './errors.js';
import { afOf, formatAddress, parseAddress, type Family } from './ip.js';
import { linkNamer, resolveIndex, type LinkHost } from './link.js';
import { checkBoolean, checkIfname, checkMac, checkOptions, formatMac, showValue } from './validate.js';

const { EEXIST, ENOENT, ENODEV } = constants.errno;

/** A neighbour entry's state, as `ip neigh` prints it. */
export type NeighborState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

const STATES: readonly [number, NeighborState][] = [
  [C.NUD_INCOMPLETE, 'INCOMPLETE'],
  [C.NUD_REACHABLE, 'REACHABLE'],
  [C.NUD_STALE, 'STALE'],
  [C.NUD_DELAY, 'DELAY'],
  [C.NUD_PROBE, 'PROBE'],
  [C.NUD_FAILED, 'FAILED'],
  [C.NUD_NOARP, 'NOARP'],
  [C.NUD_PERMANENT, 'PERMANENT'],
];

/** A neighbour entry, as `ip neigh show` prints it, typed. A snapshot. */
export class Neighbor {
  family: Family = 4;
  /** The neighbour's IP address (`dst`). */
  address = '';
  /** Its link-layer address, or null while unresolved. */
  lladdr: string | null = null;
  /** The interface's name and index. */
  dev = '';
  index = 0;
  /** The raw `NUD_*` state bits. */
  stateBits = 0;
  /** The raw `NTF_*` flags. */
  flags = 0;

  /** State names: `['PERMANENT']`, `['REACHABLE']`, … */
  get state(): NeighborState[] {
    return STATES.filter(([bit]) => this.stateBits & bit).map(([, name]) => name);
  }
  /** The neighbour is a router (`router`). */
  get router(): boolean {
    return (this.flags & C.NTF_ROUTER) !== 0;
  }
  /** A proxy entry (`ip neigh add proxy`). */
  get proxy(): boolean {
    return (this.flags & C.NTF_PROXY) !== 0;
  }

  /** @internal */
  [inspect.custom](): string {
    return `Neighbor <${this.address} dev ${this.dev || this.index}${this.lladdr ? ` lladdr ${this.lladdr}` : ''}${this.router ? ' router' : ''} ${this.state.join(',')}>`;
  }
}

/** Reads an RTM_NEWNEIGH message; other messages give undefined. @internal */
export function parseNeighbor(m: RawMessage): Neighbor | undefined {
  if (m.type !== C.RTM_NEWNEIGH || m.end - m.start < NDMSG_LEN) return undefined;
  const buf = m.buf;
  const af = buf[m.start]!;
  if (af !== C.AF_INET && af !== C.AF_INET6) return undefined;
  const n = new Neighbor();
  n.family = af === C.AF_INET6 ? 6 : 4;
  n.index = readI32(buf, m.start + 4);
  n.stateBits = readU16(buf, m.start + 8);
  n.flags = buf[m.start + 10]!;
  eachAttr(buf, m.start + NDMSG_LEN, m.end, (type, s, e) => {
    if (type === C.NDA_DST) n.address = formatAddress(buf, s, e);
    else if (type === C.NDA_LLADDR && e > s) n.lladdr = formatMac(buf, s, e);
  });
  return n;
}

/** A neighbour to add: `ip neigh add|replace ADDRESS lladdr MAC dev IFNAME [nud STATE] [router]`. */
export interface NeighborSpec {
  /** The neighbour's IP address. */
  address: string;
  /** Its MAC. */
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
  address: string;
  dev: string;
}

/** Options of {@link Netns.deleteNeighbor}. */
export interface DeleteNeighborOptions {
  /** Succeed if there is no such entry (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.neighbors}: `ip [-4|-6] neigh show [dev IFNAME]`. */
export interface NeighborFilter {
  dev?: string;
  family?: Family;
}

const NUD: Readonly<Record<NonNullable<NeighborSpec['state']>, number>> = {
  permanent: C.NUD_PERMANENT,
  reachable: C.NUD_REACHABLE,
  stale: C.NUD_STALE,
  noarp: C.NUD_NOARP,
};

function ndmsg(w: MessageWriter, family: number, index: number, state: number, flags: number): void {
  w.u8(family).u8(0).u16(0).i32(index).u16(state).u8(flags).u8(0);
}

function neighCtx(host: LinkHost, op: string, address: string, dev: string): ErrorContext {
  return {
    op,
    object: { address, dev, netns: host.label },
    subject: `${address} dev ${dev} in netns ${host.label}`,
    hints: {
      [ENODEV]: `no interface named ${dev} in netns ${host.label}`,
      [EEXIST]: `${dev} already has a neighbour entry for ${address} (use replace: true)`,
      [ENOENT]: `no neighbour entry for ${address} on ${dev}`,
    },
  };
}

/** `ip neigh add|replace`. @internal */
export async function addNeighbor(host: LinkHost, spec: NeighborSpec): Promise<void> {
  const o = checkOptions(spec, 'neighbor', ['address', 'lladdr', 'dev', 'state', 'router', 'replace']);
  const addr = parseAddress(o.address, 'address');
  const lladdr = checkMac(o.lladdr, 'lladdr');
  const dev = checkIfname(o.dev, 'dev');
  const state = o.state === undefined ? C.NUD_PERMANENT : Object.hasOwn(NUD, o.state) ? NUD[o.state] : undefined;
  if (state === undefined) throw new TypeError(`state must be one of ${Object.keys(NUD).join(', ')}, got ${showValue(o.state)}`);
  const router = o.router === undefined ? false : checkBoolean(o.router, 'router');
  const replace = o.replace === undefined ? false : checkBoolean(o.replace, 'replace');
  const ctx: Ctx = () => neighCtx(host, 'addNeighbor', addr.text, dev);
  const conn = await host.connection();
  const index = await resolveIndex(host, dev, ctx);
  const w = new MessageWriter(C.RTM_NEWNEIGH, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (replace ? C.NLM_F_REPLACE : C.NLM_F_EXCL), 64);
  ndmsg(w, afOf(addr.family), index, state, router ? C.NTF_ROUTER : 0);
  w.putBytes(C.NDA_DST, addr.bytes);
  w.putBytes(C.NDA_LLADDR, lladdr);
  await conn.request(w.finish(), ctx);
}

/** `ip neigh del ADDRESS dev IFNAME`. @internal */
export async function deleteNeighbor(host: LinkHost, key: NeighborKey, options: DeleteNeighborOptions | undefined): Promise<void> {
  const k = checkOptions(key, 'neighbor', ['address', 'dev']);
  const o = checkOptions(options, 'deleteNeighbor options', ['missingOk']);
  const addr = parseAddress(k.address, 'address');
  const dev = checkIfname(k.dev, 'dev');
  const missingOk = o.missingOk === undefined ? false : checkBoolean(o.missingOk, 'missingOk');
  const ctx: Ctx = () => neighCtx(host, 'deleteNeighbor', addr.text, dev);
  const conn = await host.connection();
  const index = await resolveIndex(host, dev, ctx);
  const w = new MessageWriter(C.RTM_DELNEIGH, C.NLM_F_REQUEST | C.NLM_F_ACK, 48);
  ndmsg(w, afOf(addr.family), index, 0, 0);
  w.putBytes(C.NDA_DST, addr.bytes);
  try {
    await conn.request(w.finish(), ctx);
  } catch (e) {
    if (missingOk && (e as { errno?: number }).errno === ENOENT) return;
    throw e;
  }
}

/** `ip [-4|-6] neigh show [dev IFNAME]`. @internal */
export async function neighbors(host: LinkHost, filter: NeighborFilter | undefined): Promise<Neighbor[]> {
  const f = checkOptions(filter, 'neighbors filter', ['dev', 'family']);
  const dev = f.dev === undefined ? undefined : checkIfname(f.dev, 'dev');
  if (f.family !== undefined && f.family !== 4 && f.family !== 6) throw new TypeError(`family must be 4 or 6, got ${showValue(f.family)}`);
  const ctx: ErrorContext = {
    op: 'neighbors',
    object: { netns: host.label, ...(dev ? { dev } : {}) },
    subject: `in netns ${host.label}`,
    hints: { [ENODEV]: `no interface named ${dev ?? ''} in netns ${host.label}` },
  };
  const conn = await host.connection();
  const w = new MessageWriter(C.RTM_GETNEIGH, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  ndmsg(w, f.family === undefined ? C.AF_UNSPEC : afOf(f.family), 0, 0, 0);
  const [index, name, found] = await Promise.all([
    dev === undefined ? 0 : resolveIndex(host, dev, ctx),
    linkNamer(host),
    conn.dump(w.finish(), ctx, parseNeighbor),
  ]);
  const out = found.filter((n) => (index === 0 || n.index === index) && (f.family === undefined || n.family === f.family));
  for (const n of out) n.dev = name(n.index) ?? '';
  return out;
}
