/**
 * The kernel's state of a topology's namespaces, read by dumps (all namespaces at once), and
 * the changes that make it match the document: created, changed, deleted, in order.
 * @packageDocumentation
 */
import { lstatSync } from 'node:fs';
import { constants } from 'node:os';
import { NETNS_RUN_DIR } from '../ops/netns.js';
import type { Netns } from '../netns.js';
import type { Address } from '../wire/address.js';
import type { Link } from '../wire/link.js';
import type { Route } from '../wire/route.js';
import { routeKey, type LinkModel, type Model, type NsModel, type RouteModel } from './document.js';
import type { TopologyRecord } from './record.js';

/** What a namespace holds now, as far as the topology looks. @internal */
export interface NsState {
  /** Open while the plan or apply runs; null when the namespace does not exist yet. */
  netns: Netns | null;
  /** Whether its name exists under /run/netns (an existing namespace to attach may lack it). */
  named: boolean;
  links: Map<string, Link>;
  /** Non-link-local addresses by interface. */
  addresses: Map<string, string[]>;
  routes: Route[];
  sysctl: Map<string, string>;
}

/** A route as a change names it. */
export interface ChangeRoute {
  /** 4 or 6. */
  family: 4 | 6;
  /** `default` or a prefix. */
  to: string;
  /** The gateway, or null. */
  via: string | null;
  /** The output interface, or null. */
  dev: string | null;
  /** The metric, or null. */
  metric: number | null;
  /** The table's number, or null for main. */
  table: number | null;
}

/** A link's settings a change sets or had. */
export interface ChangeLinkSettings {
  /** The MTU. */
  mtu?: number;
  /** The bridge it is a port of, or null for none. */
  master?: string | null;
  /** Up or down. */
  up?: boolean;
}

/** What every change names: what it does, and the namespace it does it in. */
export interface ChangeBase {
  /** What the change does: `create-netns`, `create-veth`, `add-route`, … */
  op: string;
  /** The namespace it acts in, by its name in the document. */
  ns: string;
}

/** A change of a plan; {@link describeChange} says it as the `ip` command it stands for. */
export type TopologyChange =
  | (ChangeBase & {
      /** Create a namespace (`ip netns add`). */
      /** Create a namespace (`ip netns add`). */
      op: 'create-netns';
    })
  | (ChangeBase & {
      /** Name an existing namespace (`ip netns attach`). */
      op: 'attach-netns';
      /** The process whose namespace is attached, or null. */
      pid: number | null;
      /** The container whose namespace is attached, or null. */
      container: string | null;
      /** The engine's socket for the container, or null for the default. */
      socket: string | null;
    })
  | (ChangeBase & {
      /** Set a sysctl inside the namespace. */
      op: 'sysctl';
      /** The sysctl, `net.*`. */
      key: string;
      /** Its new value. */
      value: string;
      /** Its value before the topology first set it, or null if unknown. */
      before: string | null;
    })
  | (ChangeBase & {
      /** Create a bridge. */
      op: 'create-bridge';
      /** The interface. */
      name: string;
      /** Its MTU, or null for the kernel's. */
      mtu: number | null;
      /** Whether it is brought up. */
      up: boolean;
    })
  | (ChangeBase & {
      /** Create a veth pair. */
      op: 'create-veth';
      /** This end's name. */
      name: string;
      /** The namespace of the other end. */
      peerNs: string;
      /** The other end's name. */
      peer: string;
      /** The MTU of both ends, or null. */
      mtu: number | null;
      /** The bridge this end joins, or null. */
      master: string | null;
      /** Whether this end is brought up. */
      up: boolean;
    })
  | (ChangeBase &
      ChangeLinkSettings & {
        /** Change a link's settings (`ip link set`). */
        op: 'set-link';
        /** The interface. */
        name: string;
        /** What the settings were, for the undo. */
        before: ChangeLinkSettings;
      })
  | (ChangeBase & {
      /** Set a bridge's MTU once its ports have joined (set at creation, the kernel would follow theirs). */
      op: 'set-mtu';
      /** The bridge. */
      name: string;
      /** The MTU. */
      mtu: number;
      /** The MTU before, or null for a bridge made by this apply. */
      before: number | null;
    })
  | (ChangeBase & {
      /** Add or delete an address. */
      op: 'add-address' | 'delete-address';
      /** The interface. */
      ifname: string;
      /** The address with its prefix length. */
      cidr: string;
    })
  | (ChangeBase & {
      /** Add or delete a route. */
      op: 'add-route' | 'delete-route';
      /** The route. */
      route: ChangeRoute;
    })
  | (ChangeBase & {
      /** Delete a link the topology made. */
      op: 'delete-link';
      /** The interface (a veth pair goes with either end). */
      name: string;
    })
  | (ChangeBase & {
      /** Delete a namespace the topology made, or remove the name of one it attached. */
      /** Delete a namespace the topology made, or remove the name of one it attached. */
      op: 'delete-netns' | 'detach-netns';
    });

/** The `ip` command a change stands for. */
export function describeChange(c: TopologyChange): string {
  const n = (ns: string): string => `ip -n ${ns}`;
  switch (c.op) {
    case 'create-netns':
      return `ip netns add ${c.ns}`;
    case 'attach-netns':
      return c.pid !== null ? `ip netns attach ${c.ns} ${c.pid}` : `ip netns attach ${c.ns} $(docker inspect -f '{{.State.Pid}}' ${c.container})`;
    case 'sysctl':
      return `ip netns exec ${c.ns} sysctl -w ${c.key}=${c.value}`;
    case 'create-bridge':
      return `${n(c.ns)} link add ${c.name}${c.mtu !== null ? ` mtu ${c.mtu}` : ''}${c.up ? ' up' : ''} type bridge`;
    case 'create-veth':
      return `${n(c.ns)} link add ${c.name}${c.mtu !== null ? ` mtu ${c.mtu}` : ''}${c.master ? ` master ${c.master}` : ''}${c.up ? ' up' : ''} type veth peer name ${c.peer} netns ${c.peerNs}`;
    case 'set-link': {
      const parts = [c.mtu !== undefined ? `mtu ${c.mtu}` : '', c.master !== undefined ? (c.master === null ? 'nomaster' : `master ${c.master}`) : '', c.up !== undefined ? (c.up ? 'up' : 'down') : ''];
      return `${n(c.ns)} link set ${c.name} ${parts.filter(Boolean).join(' ')}`;
    }
    case 'set-mtu':
      return `${n(c.ns)} link set ${c.name} mtu ${c.mtu}`;
    case 'add-address':
    case 'delete-address':
      return `${n(c.ns)} addr ${c.op === 'add-address' ? 'add' : 'del'} ${c.cidr} dev ${c.ifname}`;
    case 'add-route':
    case 'delete-route':
      return `${n(c.ns)}${c.route.family === 6 ? ' -6' : ''} route ${c.op === 'add-route' ? 'add' : 'del'} ${routeKey(c.route)}`;
    case 'delete-link':
      return `${n(c.ns)} link del ${c.name}`;
    case 'delete-netns':
    case 'detach-netns':
      return `ip netns del ${c.ns}${c.op === 'detach-netns' ? '  # the name only: the namespace is its process\'s' : ''}`;
  }
}

/** The order changes are made in: each phase's changes run together. @internal */
export const PHASES: readonly (readonly TopologyChange['op'][])[] = [
  ['create-netns', 'attach-netns'],
  ['sysctl', 'create-bridge'],
  ['create-veth'],
  // Deleting before adding: the kernel deletes an interface's secondary addresses with its
  // primary (promote_secondaries off), and its routes with its last address; a second pass of
  // apply makes again what such a cascade took.
  ['delete-address'],
  // One round trip per namespace for all of these: a namespace's requests of one phase go down
  // in one batch, which the kernel takes in order, and they are made in the order listed (a
  // bridge's MTU once its ports have joined, which set-link makes them; a route once the link
  // is up and the address that makes its gateway reachable is there; a changed route's old
  // self deleted before it is added). Measured, W1 as a topology at N=500: three phases here
  // took ~100 ms more than one.
  ['set-link', 'add-address', 'set-mtu', 'delete-route', 'add-route'],
  ['delete-link'],
  ['delete-netns', 'detach-netns'],
];

const { ENOENT } = constants.errno;

function isLinkLocal(cidr: string): boolean {
  return /^fe[89ab][0-9a-f]:/iu.test(cidr);
}

/** Reads one namespace: links, addresses, routes of every table, the sysctls the document sets. @internal */
export async function readState(netns: Netns | null, named: boolean, sysctls: Iterable<string>, need: Needs): Promise<NsState> {
  const state: NsState = { netns, named, links: new Map(), addresses: new Map(), routes: [], sysctl: new Map() };
  if (!netns) return state;
  // Only the dumps the document (or the record) has something to compare with, and of routes
  // only the unicast ones (a host's local table, its multicast and broadcast routes, are most
  // of its routes: the kernel leaves them out).
  const [links, addresses, routes, values] = await Promise.all([
    netns.links(),
    need.addresses ? netns.addresses() : [],
    need.routes.length === 0 ? [] : netns.routes({ table: 'all', type: 'unicast', ...(need.routes.length === 2 ? {} : { family: need.routes[0]! }) }),
    Promise.all([...sysctls].map(async (k) => [k, await netns.sysctl(k)] as const)),
  ]);
  for (const l of links) state.links.set(l.name, l);
  for (const a of addresses as Address[]) {
    if (isLinkLocal(a.address)) continue;
    const list = state.addresses.get(a.ifname) ?? [];
    list.push(a.cidr);
    state.addresses.set(a.ifname, list);
  }
  state.routes = routes.filter((r) => r.table !== 'local' && r.protocol !== 'kernel' && r.type === 'unicast');
  for (const [k, v] of values) state.sysctl.set(k, v.trim());
  return state;
}

/**
 * Opens a namespace of the document if it exists; null if not. A name missing from
 * `/run/netns` is known from a stat (microseconds, on a tmpfs) without the open's pool round
 * trip: the first apply of a topology of 100 hosts looked for 100 names that were not there.
 * @internal
 */
export async function openIfThere(open: (name: string) => Promise<Netns>, name: string): Promise<Netns | null> {
  if (!lstatSync(`${NETNS_RUN_DIR}/${name}`, { throwIfNoEntry: false })) return null;
  try {
    return await open(name);
  } catch (e) {
    if ((e as { errno?: number }).errno === ENOENT) return null;
    throw e;
  }
}

/** Whether a route of the kernel is the route of the document (fields the document leaves out match anything). */
function sameRoute(r: Route, m: Omit<RouteModel, 'ns'>, linkName: (index: number | null) => string | null): boolean {
  if (r.family !== m.family || r.to !== m.to) return false;
  if ((m.table ?? 254) !== (typeof r.table === 'number' ? r.table : r.table === 'main' ? 254 : r.table === 'default' ? 253 : -1)) return false;
  if (m.metric !== null && (r.metric ?? 0) !== m.metric) return false;
  if (m.via !== null && r.gateway !== m.via) return false;
  if (m.dev !== null && (r.dev ?? linkName(r.oif)) !== m.dev) return false;
  return true;
}

/** What a link should be set to: only what differs, with what it was (for the undo). */
function linkDelta(l: LinkModel, now: Link, names: Map<number, string>): TopologyChange | null {
  const masterName = now.master === null ? null : (names.get(now.master) ?? null);
  const c: Extract<TopologyChange, { op: 'set-link' }> = { op: 'set-link', ns: l.ns, name: l.name, before: {} };
  if (l.mtu !== null && now.mtu !== l.mtu) {
    c.mtu = l.mtu;
    c.before.mtu = now.mtu;
  }
  if (l.kind === 'veth' && (l.master ?? null) !== masterName) {
    c.master = l.master;
    c.before.master = masterName;
  }
  if (now.up !== l.up) {
    c.up = l.up;
    c.before.up = now.up;
  }
  return c.mtu !== undefined || c.master !== undefined || c.up !== undefined ? c : null;
}

const indexNames = new WeakMap<NsState, Map<number, string>>();

/** A namespace's links by index, built once per read. */
function namesOf(s: NsState): Map<number, string> {
  let m = indexNames.get(s);
  if (!m) {
    m = new Map([...s.links.values()].map((l) => [l.index, l.name]));
    indexNames.set(s, m);
  }
  return m;
}

/** A plan's failure before anything changed: the state cannot be reached (a name taken by another kind). */
export class TopologyConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyConflict';
  }
}

/**
 * The changes that make `states` match `model`, in phase order; what the record says was made
 * before and the document no longer has is deleted.
 * @internal
 */
export function diff(model: Model, states: Map<string, NsState>, record: TopologyRecord | null): TopologyChange[] {
  const out: TopologyChange[] = [];
  const st = (ns: string): NsState => states.get(ns)!;
  for (const ns of model.namespaces.values()) {
    if (st(ns.name).named) continue;
        const src = ns.source;
    out.push(src.kind === 'create' ? { op: 'create-netns', ns: ns.name } : { op: 'attach-netns', ns: ns.name, pid: src.kind === 'pid' ? src.pid : null, container: src.kind === 'container' ? src.id : null, socket: src.kind === 'container' ? src.socket : null });
  }
  for (const ns of model.namespaces.values()) {
    for (const [key, value] of ns.sysctl) {
      const now = st(ns.name).sysctl.get(key) ?? null;
      if (now !== value) out.push({ op: 'sysctl', ns: ns.name, key, value, before: record?.sysctl.find((s) => s.ns === ns.name && s.key === key)?.before ?? now });
    }
  }
  const pairsDone = new Set<string>();
  for (const l of model.links.values()) {
    const s = st(l.ns);
    const now = s.links.get(l.name);
    if (now && now.kind !== l.kind) throw new TopologyConflict(`${l.ns}:${l.name} exists and is ${now.kind ?? 'a device without a kind'}, not a ${l.kind}: rename or delete it`);
    if (!now && l.kind === 'bridge') {
      // An MTU given at creation does not stick: the bridge follows its ports' once they join.
      out.push({ op: 'create-bridge', ns: l.ns, name: l.name, mtu: null, up: l.up });
      if (l.mtu !== null) out.push({ op: 'set-mtu', ns: l.ns, name: l.name, mtu: l.mtu, before: null });
      continue;
    }
    if (!now && l.kind === 'veth') {
      const key = [`${l.ns}:${l.name}`, `${l.peer!.ns}:${l.peer!.name}`].sort().join(' ');
      if (pairsDone.has(key)) continue;
      pairsDone.add(key);
      const peer = model.links.get(`${l.peer!.ns}:${l.peer!.name}`)!;
      if (st(peer.ns).links.has(peer.name)) throw new TopologyConflict(`${peer.ns}:${peer.name} exists, but not as the peer of ${l.ns}:${l.name}: rename or delete it`);
      out.push({ op: 'create-veth', ns: l.ns, name: l.name, peerNs: peer.ns, peer: peer.name, mtu: l.mtu ?? peer.mtu, master: l.master, up: l.up });
      // The peer is configured in its own namespace once the pair exists.
      const after: Extract<TopologyChange, { op: 'set-link' }> = { op: 'set-link', ns: peer.ns, name: peer.name, before: {} };
      if (peer.mtu !== null && peer.mtu !== (l.mtu ?? peer.mtu)) after.mtu = peer.mtu;
      if (peer.master !== null) after.master = peer.master;
      if (peer.up) after.up = true;
      if (after.mtu !== undefined || after.master !== undefined || after.up !== undefined) out.push(after);
      continue;
    }
    if (now) {
      const d = linkDelta(l, now, namesOf(s));
      if (d) out.push(d);
    }
  }
  // lo is up in every namespace the topology makes.
  for (const ns of model.namespaces.values()) {
    if (ns.source.kind !== 'create') continue;
    const lo = st(ns.name).links.get('lo');
    if (!lo?.up) out.push({ op: 'set-link', ns: ns.name, name: 'lo', up: true, before: { up: false } });
  }
  for (const l of model.links.values()) {
    const have = st(l.ns).addresses.get(l.name) ?? [];
    for (const cidr of l.addresses) if (!have.includes(cidr)) out.push({ op: 'add-address', ns: l.ns, ifname: l.name, cidr });
  }
  for (const r of model.routes) {
    const s = st(r.ns);
    const names = namesOf(s);
    const name = (index: number | null): string | null => (index === null ? null : (names.get(index) ?? null));
    const { ns: _ns, ...route } = r;
    if (!s.routes.some((k) => sameRoute(k, route, name))) out.push({ op: 'add-route', ns: r.ns, route });
  }
  if (record) {
    const inModel = (ns: string): boolean => model.namespaces.has(ns);
    const modelRoutes = new Set(model.routes.map((m) => `${m.ns} ${m.family} ${routeKey(m)}`));
    const madeNamespaces = new Set(record.namespaces.filter((n) => n.made).map((n) => n.name));
    // Routes, addresses, links and namespaces that an earlier apply made and the document dropped.
    for (const r of record.routes) {
      if (!inModel(r.ns) || !st(r.ns).netns) continue;
      const still = modelRoutes.has(`${r.ns} ${r.route.family} ${routeKey(r.route)}`);
      const s = st(r.ns);
      const names = namesOf(s);
      const name = (index: number | null): string | null => (index === null ? null : (names.get(index) ?? null));
      if (!still && s.routes.some((k) => sameRoute(k, r.route, name))) out.push({ op: 'delete-route', ns: r.ns, route: r.route });
    }
    for (const a of record.addresses) {
      if (!inModel(a.ns) || !st(a.ns).netns) continue;
      const l = model.links.get(`${a.ns}:${a.ifname}`);
      if (l?.addresses.includes(a.cidr)) continue;
      if ((st(a.ns).addresses.get(a.ifname) ?? []).includes(a.cidr) && l) out.push({ op: 'delete-address', ns: a.ns, ifname: a.ifname, cidr: a.cidr });
    }
    const deletedPairs = new Set<string>();
    for (const l of record.links) {
      // A namespace the topology made and dropped takes its links with it; an attached one does not.
      const madeAndDropped = !inModel(l.ns) && madeNamespaces.has(l.ns);
      if (madeAndDropped || !st(l.ns)?.netns || model.links.has(`${l.ns}:${l.name}`)) continue;
      if (!st(l.ns)!.links.has(l.name)) continue;
      // One end of a veth pair deletes both.
      if (l.peer && deletedPairs.has(`${l.peer.ns}:${l.peer.name}`)) continue;
      deletedPairs.add(`${l.ns}:${l.name}`);
      out.push({ op: 'delete-link', ns: l.ns, name: l.name });
    }
    for (const ns of record.namespaces) {
      if (inModel(ns.name) || !st(ns.name)?.netns) continue;
      out.push(ns.made ? { op: 'delete-netns', ns: ns.name } : { op: 'detach-netns', ns: ns.name });
    }
  }
  // By phase, then by the order of operations within the phase, then as found.
  const rank = (c: TopologyChange): number => {
    const phase = PHASES.findIndex((p) => p.includes(c.op));
    return phase * 16 + PHASES[phase]!.indexOf(c.op);
  };
  return out.map((c, i) => [c, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([c]) => c);
}

/** Which dumps a namespace's plan needs: addresses and routes only where there are some to compare, routes of the families named. @internal */
export interface Needs {
  addresses: boolean;
  /** The route families to read: none, one, or both. */
  routes: (4 | 6)[];
}

/** The needs of every namespace, in one pass over the document and the record. @internal */
export function needsOf(model: Model, record: TopologyRecord | null): Map<string, Needs> {
  const out = new Map<string, { addresses: boolean; routes: Set<4 | 6> }>();
  const of = (ns: string) => {
    let n = out.get(ns);
    if (!n) out.set(ns, (n = { addresses: false, routes: new Set() }));
    return n;
  };
  for (const a of record?.addresses ?? []) of(a.ns).addresses = true;
  for (const l of model.links.values()) if (l.addresses.length) of(l.ns).addresses = true;
  for (const r of model.routes) of(r.ns).routes.add(r.family);
  for (const r of record?.routes ?? []) of(r.ns).routes.add(r.route.family);
  return new Map([...out].map(([ns, n]) => [ns, { addresses: n.addresses, routes: [...n.routes].sort() }]));
}

/**
 * Whether a change can make the kernel remove something else: an address (its subnet's
 * secondaries, the routes through its interface), a link (its peer, its routes), a link set
 * down or given another MTU (routes; IPv6 addresses below 1280). After such changes apply reads
 * again.
 * @internal
 */
export function cascades(c: TopologyChange): boolean {
  return c.op === 'delete-address' || c.op === 'delete-link' || c.op === 'set-mtu' || (c.op === 'set-link' && (c.up === false || c.mtu !== undefined || c.master !== undefined));
}

/** The namespaces a plan must read: the document's, and those of the record it no longer has. @internal */
export function namespacesToRead(model: Model, record: TopologyRecord | null): Map<string, NsModel | null> {
  const out = new Map<string, NsModel | null>(model.namespaces);
  for (const ns of record?.namespaces ?? []) if (!out.has(ns.name)) out.set(ns.name, null);
  return out;
}
