/**
 * Address operations: add, delete, flush and list, IPv4 and IPv6 alike.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { attempt, unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkByName, checkFamily, checkIfname, checkInt, checkOptions, checkScope, IFNAME_MAX, opt, showValue } from '../validate.js';
import { ADDRESS_PROTOCOLS, encodeDelAddress, encodeDumpAddresses, encodeNewAddress, FOREVER, parseAddress, type Address, type AddressProtocol } from '../wire/address.js';
import { C } from '../wire/constants.js';
import { afOf, broadcastOf, parseIp, parsePrefix, type Family, type IpPrefix } from '../wire/ip.js';
import type { Scope } from '../wire/names.js';
import { linkNamer, resolveIndex, withIndex } from './resolve.js';

const { EADDRNOTAVAIL, EEXIST, ENODEV } = constants.errno;

/**
 * Options of {@link Netns.addAddress}: `ip addr add|replace CIDR [peer P/N] dev IFNAME [brd +|B]
 * [label L] [valid_lft V] [preferred_lft P] [metric M] [scope S] [proto N] [nodad] [noprefixroute]`.
 */
export interface AddAddressOptions {
  /**
   * A point-to-point peer with its prefix (`peer 10.0.0.2/32`): the address is then given
   * without a prefix length, and takes the peer's. The kernel adds a route to the peer's prefix.
   */
  peer?: string;
  /** Who adds it (IFA_PROTO, `proto N`): a number 1–255, or `kernel_lo`, `kernel_ra`, `kernel_ll`. */
  protocol?: AddressProtocol | number;
  /** IPv6: skip duplicate address detection, so the address is usable at once. */
  noDad?: boolean;
  /**
   * IPv4 broadcast: an address, or `true` for the prefix's own (host bits set), as
   * `ip addr add ... brd +` computes it.
   */
  broadcast?: string | true;
  /** IPv4 label, e.g. `eth0:1`; it must start with the interface's name. */
  label?: string;
  /** Seconds the address stays valid, or `'forever'` (the default). */
  validLifetime?: number | 'forever';
  /** Seconds it stays preferred (at most `validLifetime`), or `'forever'`. */
  preferredLifetime?: number | 'forever';
  /** Metric of the prefix route the kernel adds for the address. */
  metric?: number;
  /** Scope; by default `host` for loopback addresses, `link` for IPv6 link-local, else `global`. */
  scope?: Scope | number;
  /** Do not add the prefix route (`noprefixroute`). */
  noPrefixRoute?: boolean;
  /** Replace the address if it exists (`ip addr replace`) instead of failing with `EEXIST`. */
  replace?: boolean;
}

/** Options of {@link Netns.deleteAddress}: `ip addr del CIDR [peer P/N] dev IFNAME`. */
export interface DeleteAddressOptions {
  /** The peer of a point-to-point address (`peer 10.0.0.2/32`), given as it was added. */
  peer?: string;
  /** Succeed if the address is not there (instead of `EADDRNOTAVAIL`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.addresses} and {@link Netns.flushAddresses}: `ip [-4|-6] addr show [dev IFNAME]`. */
export interface AddressFilter {
  /** Only this interface's addresses. */
  ifname?: string;
  /** Only IPv4 (4) or IPv6 (6). */
  family?: Family;
}

function lifetime(v: unknown, what: string): number {
  if (v === 'forever') return FOREVER;
  return checkInt(v, 0, FOREVER - 1, what);
}

function defaultScope(p: IpPrefix): number {
  if (p.family === 4) return p.bytes[0] === 127 ? C.RT_SCOPE_HOST : C.RT_SCOPE_UNIVERSE;
  if (p.bytes.subarray(0, 15).every((b) => b === 0) && p.bytes[15] === 1) return C.RT_SCOPE_HOST;
  if (p.bytes[0] === 0xfe && (p.bytes[1]! & 0xc0) === 0x80) return C.RT_SCOPE_LINK;
  return C.RT_SCOPE_UNIVERSE;
}

/**
 * The address and its prefix: `cidr` itself, or with a peer, the bare local address and the
 * peer's prefix (`ip addr add 10.0.0.1 peer 10.0.0.2/32`).
 */
function localAndPeer(cidr: string, peerOption: unknown): { p: IpPrefix; peer: IpPrefix | undefined; shown: string } {
  if (peerOption === undefined) return { p: parsePrefix(cidr), peer: undefined, shown: cidr };
  const peer = parsePrefix(peerOption, 'peer');
  if (typeof cidr === 'string' && cidr.includes('/')) {
    throw new TypeError(`address ${showValue(cidr)}: with a peer, give the address without a prefix length (it takes the peer's, /${peer.prefixLength})`);
  }
  const local = parseIp(cidr);
  if (local.family !== peer.family) throw new TypeError(`peer ${peer.text} is IPv${peer.family}, but the address ${local.text} is IPv${local.family}`);
  return { p: { ...local, prefixLength: peer.prefixLength }, peer, shown: `${local.text} peer ${peer.text}` };
}

function addrCtx(h: NsHandle, op: string, ifname: string, cidr: string): ErrorContext {
  return {
    op,
    object: { address: cidr, ifname, netns: h.label },
    subject: `${cidr} on ${ifname} in netns ${h.label}`,
    hints: {
      [ENODEV]: `no interface named ${ifname} in netns ${h.label}`,
      [EEXIST]: `${ifname} already has ${cidr}`,
      [EADDRNOTAVAIL]: `${ifname} has no address ${cidr}`,
    },
  };
}

function checkBroadcast(v: unknown, p: IpPrefix): Buffer | undefined {
  if (p.family !== 4) throw new TypeError(`broadcast is for IPv4 addresses, not ${p.text}`);
  if (v === true) return p.prefixLength < 31 ? broadcastOf(p.bytes, p.prefixLength) : undefined;
  const b = parsePrefix(v, 'broadcast');
  if (b.family !== 4 || b.prefixLength !== 32) throw new TypeError(`broadcast ${showValue(v)} must be an IPv4 address`);
  return b.bytes;
}

function checkLabel(v: unknown, p: IpPrefix, ifname: string): string {
  if (p.family !== 4) throw new TypeError(`label is for IPv4 addresses, not ${p.text}`);
  // An alias label: the interface's name, then usually `:something` (IFNAMSIZ bound).
  if (typeof v !== 'string') throw new TypeError(`label must be a string, got ${showValue(v)}`);
  if (Buffer.byteLength(v) > IFNAME_MAX) throw new RangeError(`label ${showValue(v)} must be at most ${IFNAME_MAX} bytes`);
  if (!v.startsWith(ifname) || /[/\s\0]/u.test(v)) {
    throw new TypeError(`label ${showValue(v)} must start with the interface name ${showValue(ifname)}, without '/', white space or NUL`);
  }
  return v;
}

const ADD_KEYS = ['peer', 'protocol', 'noDad', 'broadcast', 'label', 'validLifetime', 'preferredLifetime', 'metric', 'scope', 'noPrefixRoute', 'replace'] as const;
const DELETE_KEYS = ['peer', 'missingOk'] as const;

/** `ip addr add CIDR|ADDRESS peer P/N dev IFNAME [brd +] [label L] [valid_lft V preferred_lft P] [metric M] [proto N] [nodad]`. @internal */
export function addAddress(h: NsHandle, ifname: string, cidr: string, options: AddAddressOptions | undefined): Promise<void> {
  // Bad input rejects the promise, before any syscall.
  return attempt(() => {
    const o = checkOptions(options, 'addAddress options', ADD_KEYS);
    checkIfname(ifname);
    const { p, peer, shown } = localAndPeer(cidr, o.peer);
    // Each option checked only if given (no closure made per call for those left out).
    const protocol = o.protocol === undefined ? undefined : checkByName(ADDRESS_PROTOCOLS, o.protocol, 'protocol', 255);
    const replace = o.replace === undefined ? false : checkBoolean(o.replace, 'replace');
    const scope = o.scope === undefined ? defaultScope(p) : checkScope(o.scope);
    const metric = o.metric === undefined ? undefined : checkInt(o.metric, 0, FOREVER, 'metric');
    // `brd +` with a peer is the peer's prefix's, as ip computes it.
    const broadcast = o.broadcast === undefined ? undefined : checkBroadcast(o.broadcast, peer ?? p);
    const label = o.label === undefined ? undefined : checkLabel(o.label, p, ifname);
    let lifetimes: [number, number] | undefined;
    if (o.validLifetime !== undefined || o.preferredLifetime !== undefined) {
      const valid = opt(o.validLifetime, (v) => lifetime(v, 'validLifetime')) ?? FOREVER;
      const preferred = opt(o.preferredLifetime, (v) => lifetime(v, 'preferredLifetime')) ?? valid;
      if (preferred > valid) throw new RangeError(`preferredLifetime ${String(o.preferredLifetime)} must not exceed validLifetime ${String(o.validLifetime)}`);
      lifetimes = [preferred, valid];
    }
    let flags = 0;
    if (o.noDad !== undefined && checkBoolean(o.noDad, 'noDad')) flags |= C.IFA_F_NODAD;
    if (o.noPrefixRoute !== undefined && checkBoolean(o.noPrefixRoute, 'noPrefixRoute')) flags |= C.IFA_F_NOPREFIXROUTE;

    const ctx: Ctx = () => addrCtx(h, 'addAddress', ifname, shown);
    return withIndex(h, 'addAddress', ifname, ctx, (conn, index) => {
      const msg = encodeNewAddress(
        { af: afOf(p.family), prefixLength: p.prefixLength, index, local: p.bytes, peer: peer?.bytes, protocol, flags, scope, broadcast, label, metric, lifetimes },
        replace,
      );
      return conn.change(msg, ctx);
    });
  });
}

/** `ip addr del CIDR|ADDRESS peer P/N dev IFNAME`. @internal */
export function deleteAddress(h: NsHandle, ifname: string, cidr: string, options: DeleteAddressOptions | undefined): Promise<void> {
  // Bad input rejects the promise, before any syscall.
  return attempt(() => {
    const o = checkOptions(options, 'deleteAddress options', DELETE_KEYS);
    checkIfname(ifname);
    const { p, peer, shown } = localAndPeer(cidr, o.peer);
    const missingOk = o.missingOk === undefined ? false : checkBoolean(o.missingOk, 'missingOk');
    const ctx: Ctx = () => addrCtx(h, 'deleteAddress', ifname, shown);
    return withIndex(h, 'deleteAddress', ifname, ctx, (conn, index) => {
      const msg = encodeDelAddress({ af: afOf(p.family), prefixLength: p.prefixLength, index, local: p.bytes, peer: peer?.bytes });
      return unlessMissing(conn.change(msg, ctx), EADDRNOTAVAIL, missingOk);
    });
  });
}

/** `ip addr show [dev IFNAME]`, `ip -4` / `ip -6`. @internal */
export async function addresses(h: NsHandle, filter: AddressFilter | undefined, op = 'addresses'): Promise<Address[]> {
  const f = checkOptions(filter, `${op} filter`, ['ifname', 'family']);
  const ifname = opt(f.ifname, checkIfname);
  const family = opt(f.family, checkFamily);
  const ctx: ErrorContext = {
    op,
    object: { netns: h.label, ...(ifname ? { ifname } : {}) },
    subject: `${ifname ? `on ${ifname} ` : ''}in netns ${h.label}`,
    hints: { [ENODEV]: `no interface named ${ifname ?? ''} in netns ${h.label}` },
  };
  const conn = await h.connection(op);
  // Filtered by the kernel (strict checking) when an interface is named.
  const index = ifname === undefined ? 0 : await resolveIndex(conn, h.label, ifname, ctx);
  const name = ifname === undefined ? linkNamer(conn) : null;
  const found = await conn.dump(encodeDumpAddresses(family === undefined ? C.AF_UNSPEC : afOf(family), index), ctx, parseAddress);
  const out: Address[] = [];
  for (const a of found) {
    if (index !== 0 && a.index !== index) continue;
    if (family !== undefined && a.family !== family) continue;
    if (ifname !== undefined) a.ifname = ifname;
    else nameAddress(a, name!);
    out.push(a);
  }
  return out;
}

/**
 * Fills an address's interface name: from its IPv4 label (the interface's name, which the kernel
 * renames with it, plus `:alias`), else by its index.
 * @internal
 */
export function nameAddress(a: Address, name: (index: number) => string | null): void {
  const colon = a.label === null ? -1 : a.label.indexOf(':');
  a.ifname = a.label !== null ? (colon < 0 ? a.label : a.label.slice(0, colon)) : name(a.index) ?? '';
}

/** `ip addr flush dev IFNAME [-4|-6]`; resolves with how many were removed. @internal */
export async function flushAddresses(h: NsHandle, ifname: string, filter: Pick<AddressFilter, 'family'> | undefined): Promise<number> {
  checkIfname(ifname);
  const f = checkOptions(filter, 'flushAddresses options', ['family']);
  const found = await addresses(h, { ifname, ...(f.family === undefined ? {} : { family: f.family }) }, 'flushAddresses');
  const conn = await h.connection('flushAddresses');
  // Secondaries go with their primary (unless promote_secondaries): a miss is no failure.
  await Promise.all(
    found.map((a) => {
      const peer = a.peer === null ? undefined : parseIp(a.peer).bytes;
      const msg = encodeDelAddress({ af: afOf(a.family), prefixLength: a.prefixLength, index: a.index, local: parseIp(a.address).bytes, peer });
      return unlessMissing(conn.change(msg, () => addrCtx(h, 'flushAddresses', ifname, a.cidr)), EADDRNOTAVAIL, true);
    }),
  );
  return found.length;
}
