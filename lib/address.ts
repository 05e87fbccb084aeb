/**
 * Addresses: the typed {@link Address} and the requests that add, delete and list them,
 * IPv4 and IPv6 alike.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { inspect } from 'node:util';
import { MessageWriter, readString, readU16, readU32, type RawMessage } from './attr.js';
import { C, IFADDRMSG_LEN } from './constants.js';
import type { Ctx, ErrorContext } from './errors.js';
import { afOf, broadcastOf, formatAddress, parsePrefix, type Family, type IpPrefix } from './ip.js';
import { linkNamer, resolveIndex, type LinkHost } from './link.js';
import { checkBoolean, checkIfname, checkInt, checkOptions, IFNAME_MAX, nameOf, showValue } from './validate.js';

const { EADDRNOTAVAIL, EEXIST, ENODEV } = constants.errno;

/** An address's scope, as `ip addr` prints it. */
export type Scope = 'global' | 'site' | 'link' | 'host' | 'nowhere';

const SCOPES: Readonly<Record<Scope, number>> = {
  global: C.RT_SCOPE_UNIVERSE,
  site: C.RT_SCOPE_SITE,
  link: C.RT_SCOPE_LINK,
  host: C.RT_SCOPE_HOST,
  nowhere: C.RT_SCOPE_NOWHERE,
};

/** A scope's name, or its number when it has none. @internal */
export function scopeName(n: number): Scope | number {
  return nameOf(SCOPES, n);
}

/** A scope given by name or number. @internal */
export function checkScope(v: unknown): number {
  if (typeof v === 'string' && Object.hasOwn(SCOPES, v)) return SCOPES[v as Scope];
  if (typeof v === 'number') return checkInt(v, 0, 255, 'scope');
  throw new TypeError(`scope must be one of ${Object.keys(SCOPES).join(', ')} or 0..255, got ${showValue(v)}`);
}

const ADDR_FLAGS: readonly [number, string][] = [
  [C.IFA_F_SECONDARY, 'secondary'],
  [C.IFA_F_NODAD, 'nodad'],
  [C.IFA_F_OPTIMISTIC, 'optimistic'],
  [C.IFA_F_DADFAILED, 'dadfailed'],
  [C.IFA_F_HOMEADDRESS, 'home'],
  [C.IFA_F_DEPRECATED, 'deprecated'],
  [C.IFA_F_TENTATIVE, 'tentative'],
  [C.IFA_F_PERMANENT, 'permanent'],
  [C.IFA_F_MANAGETEMPADDR, 'mngtmpaddr'],
  [C.IFA_F_NOPREFIXROUTE, 'noprefixroute'],
  [C.IFA_F_MCAUTOJOIN, 'autojoin'],
  [C.IFA_F_STABLE_PRIVACY, 'stable-privacy'],
];

const FOREVER = 0xffffffff;

/** An address on an interface, as `ip addr show` prints it, typed. A snapshot. */
export class Address {
  /** The interface's name. */
  ifname = '';
  /** The interface's index. */
  index = 0;
  /** 4 or 6. */
  family: Family = 4;
  /** The address itself (`IFA_LOCAL`), e.g. `192.0.2.1` or `2001:db8::1`. */
  address = '';
  /** The prefix length: 24 in `192.0.2.1/24`. */
  prefixLength = 0;
  /** For a point-to-point address, the peer (`IFA_ADDRESS` when it differs), else null. */
  peer: string | null = null;
  /** The IPv4 broadcast address, or null. */
  broadcast: string | null = null;
  /** The scope: `global`, `link`, `host`, … (or a number without a name). */
  scope: Scope | number = 'global';
  /** The raw `IFA_F_*` flags. */
  flags = 0;
  /** The IPv4 label (`eth0:1`), or null. */
  label: string | null = null;
  /** Seconds the address stays valid; `Infinity` for `forever`. */
  validLifetime = Infinity;
  /** Seconds the address stays preferred; `Infinity` for `forever`. */
  preferredLifetime = Infinity;
  /** The metric of the prefix route the kernel adds for it, or null. */
  metric: number | null = null;

  /** The address with its prefix: `192.0.2.1/24`. */
  get cidr(): string {
    return `${this.address}/${this.prefixLength}`;
  }

  /** Flag names as `ip addr` prints them: `['permanent', 'nodad']`. */
  get flagNames(): string[] {
    return ADDR_FLAGS.filter(([bit]) => this.flags & bit).map(([, name]) => name);
  }
  /** Not subject to expiry (`IFA_F_PERMANENT`): added by hand, not by autoconfiguration. */
  get permanent(): boolean {
    return (this.flags & C.IFA_F_PERMANENT) !== 0;
  }
  /** IPv6 duplicate address detection still running: not usable yet. */
  get tentative(): boolean {
    return (this.flags & C.IFA_F_TENTATIVE) !== 0;
  }
  /** Past its preferred lifetime. */
  get deprecated(): boolean {
    return (this.flags & C.IFA_F_DEPRECATED) !== 0;
  }

  /** @internal */
  [inspect.custom](): string {
    const parts = [`${this.cidr}`, `dev ${this.ifname || this.index}`, `scope ${this.scope}`, ...this.flagNames];
    if (this.broadcast) parts.splice(1, 0, `brd ${this.broadcast}`);
    return `Address <${parts.join(' ')}>`;
  }
}

/** Reads an RTM_NEWADDR message; other messages give undefined. @internal */
export function parseAddress(m: RawMessage): Address | undefined {
  if (m.type !== C.RTM_NEWADDR || m.end - m.start < IFADDRMSG_LEN) return undefined;
  const buf = m.buf;
  const a = new Address();
  const af = buf[m.start]!;
  a.family = af === C.AF_INET6 ? 6 : 4;
  a.prefixLength = buf[m.start + 1]!;
  a.flags = buf[m.start + 2]!;
  a.scope = scopeName(buf[m.start + 3]!);
  a.index = readU32(buf, m.start + 4);
  let local: string | null = null;
  let address: string | null = null;
  // Written out, not through eachAttr, for the same reason as in parseLink: dumps of thousands.
  for (let at = m.start + IFADDRMSG_LEN; at + 4 <= m.end; ) {
    const alen = readU16(buf, at);
    if (alen < 4 || at + alen > m.end) break;
    const type = readU16(buf, at + 2) & 0x3fff;
    const s = at + 4;
    const e = at + alen;
    at += (alen + 3) & ~3;
    switch (type) {
      case C.IFA_LOCAL:
        local = formatAddress(buf, s, e);
        break;
      case C.IFA_ADDRESS:
        address = formatAddress(buf, s, e);
        break;
      case C.IFA_BROADCAST:
        a.broadcast = formatAddress(buf, s, e);
        break;
      case C.IFA_LABEL:
        a.label = readString(buf, s, e);
        break;
      case C.IFA_FLAGS:
        if (e - s >= 4) a.flags = readU32(buf, s);
        break;
      case C.IFA_RT_PRIORITY:
        if (e - s >= 4) a.metric = readU32(buf, s);
        break;
      case C.IFA_CACHEINFO:
        if (e - s >= 8) {
          const preferred = readU32(buf, s);
          const valid = readU32(buf, s + 4);
          a.preferredLifetime = preferred === FOREVER ? Infinity : preferred;
          a.validLifetime = valid === FOREVER ? Infinity : valid;
        }
        break;
      default:
        break;
    }
  }
  // IPv4 sends both (IFA_ADDRESS is the peer on point-to-point links); IPv6 sends IFA_ADDRESS
  // alone, or both when it has a peer.
  a.address = local ?? address ?? '';
  if (local !== null && address !== null && address !== local) a.peer = address;
  return a;
}

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

function checkFamily(v: unknown): Family {
  if (v === 4 || v === 6) return v;
  throw new TypeError(`family must be 4 or 6, got ${showValue(v)}`);
}

function addrCtx(host: LinkHost, op: string, ifname: string, cidr: string): ErrorContext {
  return {
    op,
    object: { address: cidr, ifname, netns: host.label },
    subject: `${cidr} on ${ifname} in netns ${host.label}`,
    hints: {
      [ENODEV]: `no interface named ${ifname} in netns ${host.label}`,
      [EEXIST]: `${ifname} already has ${cidr}`,
      [EADDRNOTAVAIL]: `${ifname} has no address ${cidr}`,
    },
  };
}

function ifaddrmsg(w: MessageWriter, family: number, prefixLength: number, flags: number, scope: number, index: number): void {
  w.u8(family).u8(prefixLength).u8(flags & 0xff).u8(scope).u32(index);
}

/** `ip addr add CIDR dev IFNAME [brd +] [label L] [valid_lft V preferred_lft P] [metric M] [nodad]`. @internal */
export async function addAddress(host: LinkHost, ifname: string, cidr: string, options: AddAddressOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'addAddress options', ['noDad', 'broadcast', 'label', 'validLifetime', 'preferredLifetime', 'metric', 'scope', 'noPrefixRoute', 'replace']);
  checkIfname(ifname);
  const p = parsePrefix(cidr);
  const noDad = o.noDad === undefined ? false : checkBoolean(o.noDad, 'noDad');
  const noPrefixRoute = o.noPrefixRoute === undefined ? false : checkBoolean(o.noPrefixRoute, 'noPrefixRoute');
  const replace = o.replace === undefined ? false : checkBoolean(o.replace, 'replace');
  const scope = o.scope === undefined ? defaultScope(p) : checkScope(o.scope);
  const metric = o.metric === undefined ? undefined : checkInt(o.metric, 0, FOREVER, 'metric');
  let broadcast: Buffer | undefined;
  if (o.broadcast !== undefined) {
    if (p.family !== 4) throw new TypeError(`broadcast is for IPv4 addresses, not ${p.text}`);
    if (o.broadcast === true) {
      if (p.prefixLength < 31) broadcast = broadcastOf(p.bytes, p.prefixLength);
    } else {
      const b = parsePrefix(o.broadcast, 'broadcast');
      if (b.family !== 4 || b.prefixLength !== 32) throw new TypeError(`broadcast ${showValue(o.broadcast)} must be an IPv4 address`);
      broadcast = b.bytes;
    }
  }
  let label: string | undefined;
  if (o.label !== undefined) {
    if (p.family !== 4) throw new TypeError(`label is for IPv4 addresses, not ${p.text}`);
    // An alias label: the interface's name, then usually `:something` (IFNAMSIZ bound).
    if (typeof o.label !== 'string') throw new TypeError(`label must be a string, got ${showValue(o.label)}`);
    label = o.label;
    if (Buffer.byteLength(label) > IFNAME_MAX) throw new RangeError(`label ${showValue(label)} must be at most ${IFNAME_MAX} bytes`);
    if (!label.startsWith(ifname) || /[/\s\0]/u.test(label)) {
      throw new TypeError(`label ${showValue(label)} must start with the interface name ${showValue(ifname)}, without '/', white space or NUL`);
    }
  }
  let lifetimes: [number, number] | undefined;
  if (o.validLifetime !== undefined || o.preferredLifetime !== undefined) {
    const valid = o.validLifetime === undefined ? FOREVER : lifetime(o.validLifetime, 'validLifetime');
    const preferred = o.preferredLifetime === undefined ? valid : lifetime(o.preferredLifetime, 'preferredLifetime');
    if (preferred > valid) throw new RangeError(`preferredLifetime ${String(o.preferredLifetime)} must not exceed validLifetime ${String(o.validLifetime)}`);
    lifetimes = [preferred, valid];
  }
  let flags = 0;
  if (noDad) flags |= C.IFA_F_NODAD;
  if (noPrefixRoute) flags |= C.IFA_F_NOPREFIXROUTE;

  const ctx: Ctx = () => addrCtx(host, 'addAddress', ifname, cidr);
  const conn = await host.connection();
  const index = await resolveIndex(host, ifname, ctx);
  const w = new MessageWriter(C.RTM_NEWADDR, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | (replace ? C.NLM_F_REPLACE : C.NLM_F_EXCL), 128);
  ifaddrmsg(w, afOf(p.family), p.prefixLength, flags, scope, index);
  w.putBytes(C.IFA_LOCAL, p.bytes);
  w.putBytes(C.IFA_ADDRESS, p.bytes);
  if (broadcast) w.putBytes(C.IFA_BROADCAST, broadcast);
  if (label !== undefined) w.putStrz(C.IFA_LABEL, label);
  if (flags > 0xff) w.putU32(C.IFA_FLAGS, flags);
  if (metric !== undefined) w.putU32(C.IFA_RT_PRIORITY, metric);
  if (lifetimes) {
    const at = w.nestStart(C.IFA_CACHEINFO);
    w.u32(lifetimes[0]).u32(lifetimes[1]).u32(0).u32(0);
    w.nestEnd(at);
  }
  await conn.request(w.finish(), ctx);
}

function deleteMessage(index: number, family: Family, prefixLength: number, bytes: Buffer): Buffer {
  const w = new MessageWriter(C.RTM_DELADDR, C.NLM_F_REQUEST | C.NLM_F_ACK, 64);
  ifaddrmsg(w, afOf(family), prefixLength, 0, 0, index);
  w.putBytes(C.IFA_LOCAL, bytes);
  w.putBytes(C.IFA_ADDRESS, bytes);
  return w.finish();
}

/** `ip addr del CIDR dev IFNAME`. @internal */
export async function deleteAddress(host: LinkHost, ifname: string, cidr: string, options: DeleteAddressOptions | undefined): Promise<void> {
  const o = checkOptions(options, 'deleteAddress options', ['missingOk']);
  checkIfname(ifname);
  const p = parsePrefix(cidr);
  const missingOk = o.missingOk === undefined ? false : checkBoolean(o.missingOk, 'missingOk');
  const ctx: Ctx = () => addrCtx(host, 'deleteAddress', ifname, cidr);
  const conn = await host.connection();
  const index = await resolveIndex(host, ifname, ctx);
  try {
    await conn.request(deleteMessage(index, p.family, p.prefixLength, p.bytes), ctx);
  } catch (e) {
    if (missingOk && (e as { errno?: number }).errno === EADDRNOTAVAIL) return;
    throw e;
  }
}

/** `ip addr show [dev IFNAME]`, `ip -4` / `ip -6`. @internal */
export async function addresses(host: LinkHost, filter: AddressFilter | undefined): Promise<Address[]> {
  const f = checkOptions(filter, 'addresses filter', ['ifname', 'family']);
  const ifname = f.ifname === undefined ? undefined : checkIfname(f.ifname);
  const family = f.family === undefined ? undefined : checkFamily(f.family);
  const ctx: ErrorContext = {
    op: 'addresses',
    object: { netns: host.label, ...(ifname ? { ifname } : {}) },
    subject: `${ifname ? `on ${ifname} ` : ''}in netns ${host.label}`,
    hints: { [ENODEV]: `no interface named ${ifname ?? ''} in netns ${host.label}` },
  };
  const conn = await host.connection();
  // Filtered by the kernel (strict checking) when an interface is named.
  const index = ifname === undefined ? 0 : await resolveIndex(host, ifname, ctx);
  const name = ifname === undefined ? await linkNamer(host) : null;
  const w = new MessageWriter(C.RTM_GETADDR, C.NLM_F_REQUEST | C.NLM_F_DUMP, 32);
  ifaddrmsg(w, family === undefined ? C.AF_UNSPEC : afOf(family), 0, 0, 0, index);
  const found = await conn.dump(w.finish(), ctx, parseAddress);
  const out: Address[] = [];
  for (const a of found) {
    if (index !== 0 && a.index !== index) continue;
    if (family !== undefined && a.family !== family) continue;
    // IPv4 labels are the interface's name (the kernel renames them with it), plus ':alias'.
    const colon = a.label === null ? -1 : a.label.indexOf(':');
    a.ifname = ifname ?? (a.label !== null ? (colon < 0 ? a.label : a.label.slice(0, colon)) : name?.(a.index) ?? '');
    out.push(a);
  }
  return out;
}

/** `ip addr flush dev IFNAME [-4|-6]`; resolves with how many were removed. @internal */
export async function flushAddresses(host: LinkHost, ifname: string, filter: Pick<AddressFilter, 'family'> | undefined): Promise<number> {
  checkIfname(ifname);
  const f = checkOptions(filter, 'flushAddresses options', ['family']);
  const found = await addresses(host, { ifname, ...(f.family === undefined ? {} : { family: f.family }) });
  const conn = await host.connection();
  // Secondaries go with their primary (unless promote_secondaries): a miss is no failure.
  await Promise.all(
    found.map(async (a) => {
      const bytes = parsePrefix(a.address).bytes;
      try {
        await conn.request(deleteMessage(a.index, a.family, a.prefixLength, bytes), () => addrCtx(host, 'flushAddresses', ifname, a.cidr));
      } catch (e) {
        if ((e as { errno?: number }).errno !== EADDRNOTAVAIL) throw e;
      }
    }),
  );
  return found.length;
}
