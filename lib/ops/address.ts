/**
 * Address operations: add, delete, flush and list, IPv4 and IPv6 alike.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkFamily, checkIfname, checkInt, checkOptions, checkScope, IFNAME_MAX, opt, showValue } from '../validate.js';
import { encodeDelAddress, encodeDumpAddresses, encodeNewAddress, FOREVER, parseAddress, type Address } from '../wire/address.js';
import { C } from '../wire/constants.js';
import { afOf, broadcastOf, parsePrefix, type Family, type IpPrefix } from '../wire/ip.js';
import type { Scope } from '../wire/names.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EADDRNOTAVAIL, EEXIST, ENODEV } = constants.errno;

/** Options of {@link Netns.addAddress}: `ip addr add|replace CIDR dev IFNAME [brd +|B] [label L] [valid_lft V] [preferred_lft P] [metric M] [scope S] [nodad] [noprefixroute]`. */
export interface AddAddressOptions {
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

/** Options of {@link Netns.deleteAddress}: `ip addr del CIDR dev IFNAME`. */
export interface DeleteAddressOptions {
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

/** `ip addr add CIDR dev IFNAME [brd +] [label L] [valid_lft V preferred_lft P] [metric M] [nodad]`. @internal */
export async function addAddress(h: NsHandle, ifname: string, cidr: string, options: AddAddressOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'addAddress options', ['noDad', 'broadcast', 'label', 'validLifetime', 'preferredLifetime', 'metric', 'scope', 'noPrefixRoute', 'replace']);
  checkIfname(ifname);
  const p = parsePrefix(cidr);
  const replace = opt(o.replace, (v) => checkBoolean(v, 'replace')) ?? false;
  const scope = opt(o.scope, checkScope) ?? defaultScope(p);
  const metric = opt(o.metric, (v) => checkInt(v, 0, FOREVER, 'metric'));
  const broadcast = o.broadcast === undefined ? undefined : checkBroadcast(o.broadcast, p);
  const label = o.label === undefined ? undefined : checkLabel(o.label, p, ifname);
  let lifetimes: [number, number] | undefined;
  if (o.validLifetime !== undefined || o.preferredLifetime !== undefined) {
    const valid = opt(o.validLifetime, (v) => lifetime(v, 'validLifetime')) ?? FOREVER;
    const preferred = opt(o.preferredLifetime, (v) => lifetime(v, 'preferredLifetime')) ?? valid;
    if (preferred > valid) throw new RangeError(`preferredLifetime ${String(o.preferredLifetime)} must not exceed validLifetime ${String(o.validLifetime)}`);
    lifetimes = [preferred, valid];
  }
  let flags = 0;
  if (opt(o.noDad, (v) => checkBoolean(v, 'noDad'))) flags |= C.IFA_F_NODAD;
  if (opt(o.noPrefixRoute, (v) => checkBoolean(v, 'noPrefixRoute'))) flags |= C.IFA_F_NOPREFIXROUTE;

  const ctx: Ctx = () => addrCtx(h, 'addAddress', ifname, cidr);
  const conn = await h.connection('addAddress');
  const index = await resolveIndex(conn, h.label, ifname, ctx);
  const msg = encodeNewAddress({ af: afOf(p.family), prefixLength: p.prefixLength, index, local: p.bytes, flags, scope, broadcast, label, metric, lifetimes }, replace);
  await conn.request(msg, ctx);
}

/** `ip addr del CIDR dev IFNAME`. @internal */
export async function deleteAddress(h: NsHandle, ifname: string, cidr: string, options: DeleteAddressOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'deleteAddress options', ['missingOk']);
  checkIfname(ifname);
  const p = parsePrefix(cidr);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const ctx: Ctx = () => addrCtx(h, 'deleteAddress', ifname, cidr);
  const conn = await h.connection('deleteAddress');
  const index = await resolveIndex(conn, h.label, ifname, ctx);
  await unlessMissing(conn.request(encodeDelAddress({ af: afOf(p.family), prefixLength: p.prefixLength, index, local: p.bytes }), ctx), EADDRNOTAVAIL, missingOk);
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
      const msg = encodeDelAddress({ af: afOf(a.family), prefixLength: a.prefixLength, index: a.index, local: parsePrefix(a.address).bytes });
      return unlessMissing(conn.request(msg, () => addrCtx(h, 'flushAddresses', ifname, a.cidr)), EADDRNOTAVAIL, true);
    }),
  );
  return found.length;
}
