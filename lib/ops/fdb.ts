/**
 * Forwarding database operations, as `bridge fdb add/append/replace/del/show` do them: a
 * bridge's MAC table and a VXLAN's remote endpoints.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { unlessMissing, type Ctx, type ErrorContext } from '../errors.js';
import type { NsHandle } from '../handle.js';
import { checkBoolean, checkIfname, checkInt, checkMac, checkName, checkOptions, opt } from '../validate.js';
import { C } from '../wire/constants.js';
import { encodeDumpFdb, encodeFdb, parseFdbEntry, type FdbEntry, type FdbMessage, type FdbMode } from '../wire/fdb.js';
import { parseIp } from '../wire/ip.js';
import { formatMac } from '../wire/mac.js';
import { linkNamer, resolveIndex } from './resolve.js';

const { EAFNOSUPPORT, EEXIST, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, EPERM } = constants.errno;

/**
 * Which forwarding-database entry {@link Netns.deleteFdbEntry} removes:
 * `bridge fdb del LLADDR dev DEV [dst IP] [vni VNI] [port PORT] [vlan VID] [src_vni VNI] [via DEV] [self] [master]`.
 */
export interface FdbKey {
  /** The MAC address; any six octets, `00:00:00:00:00:00` for a VXLAN's default destinations. */
  lladdr: string;
  /** The bridge port, bridge or VXLAN device the entry belongs to. */
  dev: string;
  /** A VXLAN entry's remote endpoint (`dst`): with several (appended), the one meant. */
  dst?: string;
  /** A VXLAN entry's VNI, 0–16777215 (`vni`); the device's own VNI if left out. */
  vni?: number;
  /** A VXLAN entry's UDP port (`port`); the device's own port if left out. */
  port?: number;
  /** The entry's VLAN, 1–4094 (`vlan`). */
  vlan?: number;
  /** A collect-metadata VXLAN's source VNI (`src_vni`). */
  srcVni?: number;
  /** The interface a VXLAN remote is reached by (`via`). */
  via?: string;
  /**
   * The device's own table (`self`): a VXLAN's, a bridge's own entries. This is the default
   * when neither `self` nor `master` is given, as with `bridge fdb`.
   */
  self?: boolean;
  /** The table of the bridge `dev` is a port of (`master`): what a bridge port's entries need. */
  master?: boolean;
}

/**
 * An entry to add for {@link Netns.addFdbEntry}, {@link Netns.appendFdbEntry} and
 * {@link Netns.replaceFdbEntry}: `bridge fdb add LLADDR dev DEV [dst IP] [vni VNI] [port PORT]
 * [vlan VID] [src_vni VNI] [via DEV] [self] [master] [permanent|static|dynamic] [sticky]`.
 */
export interface FdbSpec extends FdbKey {
  /**
   * `permanent` (default, as with `bridge fdb`: a local address, whose frames are this host's),
   * `static` (forwarded to `dev`, never aged out), or `dynamic` (aged out; the port must be
   * learning or forwarding).
   */
  state?: 'permanent' | 'static' | 'dynamic';
  /** The entry never moves to another port on traffic (`sticky`). */
  sticky?: boolean;
}

/** Options of {@link Netns.deleteFdbEntry}. */
export interface DeleteFdbOptions {
  /** Succeed if there is no such entry (instead of `ENOENT`). */
  missingOk?: boolean;
}

/** A filter for {@link Netns.fdbEntries}: `bridge fdb show [dev DEV] [br BRIDGE] [vlan VID]`. */
export interface FdbFilter {
  /** Only entries of this device (the kernel filters). */
  dev?: string;
  /** Only entries of this bridge's ports and of the bridge itself (`br BRIDGE`; the kernel filters). */
  master?: string;
  /** Only entries of this VLAN. */
  vlan?: number;
}

const STATES: Readonly<Record<NonNullable<FdbSpec['state']>, number>> = {
  // What `bridge fdb` sends for each: NUD_NOARP set unless dynamic.
  permanent: C.NUD_NOARP | C.NUD_PERMANENT,
  static: C.NUD_NOARP | C.NUD_REACHABLE,
  dynamic: C.NUD_REACHABLE,
};

const KEY_KEYS = ['lladdr', 'dev', 'dst', 'vni', 'port', 'vlan', 'srcVni', 'via', 'self', 'master'] as const;

interface Checked {
  lladdr: Buffer;
  text: string;
  dev: string;
  via: string | undefined;
  state: number;
  dynamic: boolean;
  flags: number;
  rest: Omit<FdbMessage, 'index' | 'lladdr' | 'state' | 'flags' | 'via'>;
  dst: string | undefined;
}

function checkFdb(spec: FdbSpec, what: string, adding: boolean): Checked {
  const o = checkOptions(spec, what, adding ? [...KEY_KEYS, 'state', 'sticky'] : [...KEY_KEYS]);
  const lladdr = checkMac(o.lladdr, 'lladdr', false);
  const dev = checkIfname(o.dev, 'dev');
  const dst = opt(o.dst, (v) => parseIp(v, 'dst'));
  const rest: Checked['rest'] = {};
  if (dst) rest.dst = dst.bytes;
  const vlan = opt(o.vlan, (v) => checkInt(v, 1, 4094, 'vlan'));
  if (vlan !== undefined) rest.vlan = vlan;
  const port = opt(o.port, (v) => checkInt(v, 1, 65535, 'port'));
  if (port !== undefined) rest.port = port;
  const vni = opt(o.vni, (v) => checkInt(v, 0, 0xffffff, 'vni'));
  if (vni !== undefined) rest.vni = vni;
  const srcVni = opt(o.srcVni, (v) => checkInt(v, 0, 0xffffff, 'srcVni'));
  if (srcVni !== undefined) rest.srcVni = srcVni;
  const via = opt(o.via, (v) => checkIfname(v, 'via'));
  const self = opt(o.self, (v) => checkBoolean(v, 'self')) ?? false;
  const master = opt(o.master, (v) => checkBoolean(v, 'master')) ?? false;
  const stateName = opt(o.state, (v) => checkName(STATES, v, 'state'));
  const sticky = opt(o.sticky, (v) => checkBoolean(v, 'sticky')) ?? false;
  // As `bridge fdb`: the device's own table unless told otherwise.
  let flags = (self || !master ? C.NTF_SELF : 0) | (master ? C.NTF_MASTER : 0);
  if (sticky) flags |= C.NTF_STICKY;
  return {
    lladdr, text: formatMac(lladdr, 0, lladdr.length), dev, via, flags, rest, dst: dst?.text,
    state: stateName ?? STATES.permanent,
    dynamic: stateName === STATES.dynamic,
  };
}

function fdbCtx(h: NsHandle, op: string, c: Checked, hints: Record<number, string>): Ctx {
  return () => {
    const extra = c.dst === undefined ? '' : ` dst ${c.dst}`;
    return {
      op,
      object: { lladdr: c.text, dev: c.dev, netns: h.label, ...(c.dst === undefined ? {} : { dst: c.dst }), ...(c.rest.vlan === undefined ? {} : { vlan: c.rest.vlan }) },
      subject: `${c.text} dev ${c.dev}${extra} in netns ${h.label}`,
      hints: {
        [ENODEV]: `no interface named ${c.dev} in netns ${h.label}`,
        [EOPNOTSUPP]: c.flags & C.NTF_MASTER ? `${c.dev} is no bridge port: master: true adds to the table of the bridge dev is a port of` : `${c.dev} keeps no forwarding database of its own`,
        ...hints,
      },
    };
  };
}

/** Resolves the entry's interfaces, then sends it. */
async function send(h: NsHandle, op: string, cmd: FdbMode | 'delete', c: Checked, ctx: Ctx): Promise<unknown> {
  const conn = await h.connection(op);
  const [index, via] = await Promise.all([resolveIndex(conn, h.label, c.dev, ctx), c.via === undefined ? undefined : resolveIndex(conn, h.label, c.via, ctx)]);
  return conn.request(encodeFdb(cmd, { index, lladdr: c.lladdr, state: c.state, flags: c.flags, ...c.rest, ...(via === undefined ? {} : { via }) }), ctx);
}

/** `bridge fdb add|append|replace LLADDR dev DEV ...`. @internal */
export async function addFdbEntry(h: NsHandle, spec: FdbSpec, mode: FdbMode): Promise<void> {
  const op = mode === 'add' ? 'addFdbEntry' : mode === 'append' ? 'appendFdbEntry' : 'replaceFdbEntry';
  const c = checkFdb(spec, `${op} spec`, true);
  const vlan = c.rest.vlan === undefined ? '' : ` in VLAN ${c.rest.vlan}`;
  const ctx = fdbCtx(h, op, c, {
    [EEXIST]: `${c.dev} already has an entry for ${c.text}${vlan} (replaceFdbEntry changes it; appendFdbEntry adds a VXLAN's further remote)`,
    [EINVAL]:
      `the entry does not fit ${c.dev}: a device's own table (self) takes only permanent entries unless it is a VXLAN, ` +
      `a bridge's own entries must be permanent, and a port's entries go to its bridge with master: true` +
      (c.rest.vlan === undefined ? '' : `; is VLAN ${c.rest.vlan} configured on ${c.dev}?`),
    [EAFNOSUPPORT]: `dst ${c.dst ?? ''} is not of the address family ${c.dev} sends with`,
    ...(c.dynamic ? { [EPERM]: `a dynamic entry needs its port learning or forwarding (up, and past STP's listening)` } : {}),
  });
  await send(h, op, mode, c, ctx);
}

/** `bridge fdb del LLADDR dev DEV ...`. @internal */
export async function deleteFdbEntry(h: NsHandle, key: FdbKey, options: DeleteFdbOptions | undefined): Promise<void> {
  const c = checkFdb(key, 'deleteFdbEntry key', false);
  const o = checkOptions(options, 'deleteFdbEntry options', ['missingOk']);
  const missingOk = opt(o.missingOk, (v) => checkBoolean(v, 'missingOk')) ?? false;
  const ctx = fdbCtx(h, 'deleteFdbEntry', c, { [ENOENT]: `${c.dev} has no entry for ${c.text}${c.rest.vlan === undefined ? '' : ` in VLAN ${c.rest.vlan}`}` });
  await unlessMissing(send(h, 'deleteFdbEntry', 'delete', c, ctx), ENOENT, missingOk);
}

/** `bridge fdb show [dev DEV] [br BRIDGE] [vlan VID]`. @internal */
export async function fdbEntries(h: NsHandle, filter: FdbFilter | undefined): Promise<FdbEntry[]> {
  const f = checkOptions(filter, 'fdbEntries filter', ['dev', 'master', 'vlan']);
  const dev = opt(f.dev, (v) => checkIfname(v, 'dev'));
  const master = opt(f.master, (v) => checkIfname(v, 'master'));
  const vlan = opt(f.vlan, (v) => checkInt(v, 1, 4094, 'vlan'));
  const ctx: ErrorContext = {
    op: 'fdbEntries',
    object: { netns: h.label, ...(dev === undefined ? {} : { dev }), ...(master === undefined ? {} : { master }) },
    subject: `in netns ${h.label}`,
    hints: { [ENODEV]: `no interface named ${[dev, master].filter((x) => x !== undefined).join(' or ')} in netns ${h.label}` },
  };
  const conn = await h.connection('fdbEntries');
  const [index, masterIndex] = await Promise.all([
    dev === undefined ? 0 : resolveIndex(conn, h.label, dev, ctx),
    master === undefined ? 0 : resolveIndex(conn, h.label, master, ctx),
  ]);
  const found = await conn.dump(encodeDumpFdb(index, masterIndex), ctx, parseFdbEntry);
  const name = linkNamer(conn);
  const out = vlan === undefined ? found : found.filter((e) => e.vlan === vlan);
  for (const e of out) {
    e.dev = name(e.index) ?? '';
    if (e.masterIndex !== null) e.master = name(e.masterIndex);
    if (e.viaIndex !== null) e.via = name(e.viaIndex);
  }
  return out;
}
