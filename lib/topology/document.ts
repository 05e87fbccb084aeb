/**
 * A topology document, checked and normalised: every problem found with its path
 * (`links[1].a.addresses[0]: "192.0.2.300/24" is not an address`), before anything changes.
 * The shape is the one `schema/topology.schema.json` describes for editors.
 * @packageDocumentation
 */
import { checkIfname, checkNetnsName, showValue } from '../validate.js';
import { formatAddress, networkOf, parseIp, parsePrefix, type Family } from '../wire/ip.js';
import type { ChangeRoute } from './plan.js';

/** A route of a topology document: `{ to: default | PREFIX, via?, dev?, metric?, table? }`. */
export interface TopologyRoute {
  /** `default` or a prefix. */
  to: string;
  /** The gateway. */
  via?: string;
  /** The output interface. */
  dev?: string;
  /** The metric. */
  metric?: number;
  /** A table number (default: main). */
  table?: number;
}

/** One end of a veth pair in the long form. */
export interface TopologyEnd {
  /** The namespace, by its name in the document. */
  netns: string;
  /** The interface name. */
  name: string;
  /** Addresses with their prefix length. */
  addresses?: string[];
  /** The MTU. */
  mtu?: number;
  /** A bridge of the same namespace to be a port of. */
  master?: string;
  /** Up unless false. */
  up?: boolean;
}

/** A veth pair in the long form: each end `"netns:ifname"` or an object with its settings. */
export interface TopologyLink {
  /** One end. */
  a: string | TopologyEnd;
  /** The other end. */
  b: string | TopologyEnd;
}

/** A bridge inside a namespace. */
export interface TopologyBridge {
  /** Addresses with their prefix length. */
  addresses?: string[];
  /** The MTU. */
  mtu?: number;
  /** Up unless false. */
  up?: boolean;
}

/** A namespace of the document: made by the topology, or an existing one attached by pid or container. */
export interface TopologyNamespace {
  /** An existing namespace: the process whose namespace it is. Attached under the name, never deleted. */
  pid?: number;
  /** An existing namespace: a container's, found through the Docker Engine API. */
  container?: string;
  /** The Docker engine's socket for `container`; default `/var/run/docker.sock`. */
  socket?: string;
  /** `net.*` sysctls to set inside it. */
  sysctl?: Record<string, string | number>;
  /** Bridges inside it. */
  bridges?: Record<string, TopologyBridge>;
  /** Its routes. */
  routes?: TopologyRoute[];
}

/** The document, as written (YAML or JSON). */
export interface TopologyDocument {
  /** What the topology owns is recorded under this name. */
  name: string;
  /** The namespaces, by name. */
  namespaces: Record<string, TopologyNamespace | null>;
  /** Veth pairs: `["ns:if", "ns:if"]` or `{ a, b }` with the ends' settings. */
  links?: (readonly [string, string] | TopologyLink)[];
  /** Addresses by `"netns:ifname"`, for the short link form. */
  addresses?: Record<string, string[]>;
  /** Routes by namespace, as well as inside each namespace. */
  routes?: Record<string, TopologyRoute[]>;
}

/** A document the checks refused: every problem, each with its path. */
export class TopologyError extends TypeError {
  /** Each problem: `path: what is wrong`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`bad topology document: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
    this.name = 'TopologyError';
    this.problems = problems;
  }
}

// --- The normalised model ------------------------------------------------------------------

/** @internal */
export interface NsModel {
  name: string;
  source: { kind: 'create' } | { kind: 'pid'; pid: number } | { kind: 'container'; id: string; socket: string | null };
  sysctl: Map<string, string>;
}

/** @internal */
export interface LinkModel {
  ns: string;
  name: string;
  kind: 'veth' | 'bridge';
  /** For a veth: the other end. */
  peer: { ns: string; name: string } | null;
  mtu: number | null;
  master: string | null;
  up: boolean;
  /** Canonical CIDRs: host bits kept, text as `ip` prints it. */
  addresses: string[];
}

/** @internal */
export interface RouteModel extends ChangeRoute {
  ns: string;
}

/** @internal */
export interface Model {
  name: string;
  namespaces: Map<string, NsModel>;
  /** Every interface the topology makes, keyed `ns:name`; a veth pair's `a` end carries the pair. */
  links: Map<string, LinkModel>;
  routes: RouteModel[];
}

/** The key a route is known by: what `ip route` would print of it. @internal */
export function routeKey(r: Omit<RouteModel, 'ns'>): string {
  return `${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.metric !== null ? ` metric ${r.metric}` : ''}${r.table !== null ? ` table ${r.table}` : ''}`;
}

// --- Checking ---------------------------------------------------------------------------

class Checker {
  readonly problems: string[] = [];

  fail(path: string, what: string): void {
    this.problems.push(`${path}: ${what}`);
  }

  /** Runs a library check; its message, without the value's own name, becomes the problem. */
  try<T>(path: string, check: () => T): T | undefined {
    try {
      return check();
    } catch (e) {
      this.fail(path, (e as Error).message);
      return undefined;
    }
  }

  object(v: unknown, path: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.fail(path, `must be an object, not ${showValue(v)}`);
      return undefined;
    }
    for (const k of Object.keys(v)) if (!known.includes(k)) this.fail(path === '(document)' ? k : `${path}.${k}`, `unknown key (known: ${known.join(', ')})`);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.fail(path, `must be a list, not ${showValue(v)}`);
      return undefined;
    }
    return v;
  }

  int(v: unknown, path: string, min: number, max: number): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `${showValue(v)} must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  boolean(v: unknown, path: string): boolean | undefined {
    if (typeof v !== 'boolean') {
      this.fail(path, `${showValue(v)} must be true or false`);
      return undefined;
    }
    return v;
  }

  ifname(v: unknown, path: string): string | undefined {
    return this.try(path, () => checkIfname(v, 'interface name'));
  }

  cidr(v: unknown, path: string): string | undefined {
    if (typeof v !== 'string' || !v.includes('/')) {
      this.fail(path, `${showValue(v)} is not an address with its prefix length (like 192.0.2.10/24)`);
      return undefined;
    }
    const p = this.try(path, () => parsePrefix(v));
    if (!p) return undefined;
    return `${formatAddress(p.bytes, 0, p.bytes.length)}/${p.prefixLength}`;
  }

  addresses(v: unknown, path: string): string[] {
    if (v === undefined) return [];
    const list = this.array(v, path) ?? [];
    const out: string[] = [];
    list.forEach((a, i) => {
      const c = this.cidr(a, `${path}[${i}]`);
      if (c === undefined) return;
      if (out.includes(c)) this.fail(`${path}[${i}]`, `${showValue(a)} is listed twice`);
      else out.push(c);
    });
    return out;
  }
}

const NS_KEYS = ['pid', 'container', 'socket', 'sysctl', 'bridges', 'routes'] as const;
const END_KEYS = ['netns', 'name', 'addresses', 'mtu', 'master', 'up'] as const;
const BRIDGE_KEYS = ['addresses', 'mtu', 'up'] as const;
const ROUTE_KEYS = ['to', 'via', 'dev', 'metric', 'table'] as const;
const MTU: [number, number] = [68, 65535];

/**
 * Checks a parsed document and returns its model; a {@link TopologyError} with every problem
 * otherwise.
 * @internal
 */
export function check(doc: unknown): Model {
  const c = new Checker();
  const top = c.object(doc, '(document)', ['name', 'namespaces', 'links', 'addresses', 'routes']);
  if (!top) throw new TopologyError(c.problems);
  const name = top.name === undefined ? (c.fail('name', 'is required: what the topology owns is recorded under it'), '') : c.try('name', () => checkNetnsName(top.name)) ?? '';
  const namespaces = new Map<string, NsModel>();
  const links = new Map<string, LinkModel>();
  const routeDecls: { ns: string; path: string; v: unknown }[] = [];

  const nsDecls = top.namespaces === undefined ? (c.fail('namespaces', 'is required'), {}) : c.object(top.namespaces, 'namespaces', Object.keys(top.namespaces ?? {})) ?? {};
  for (const [nsName, raw] of Object.entries(nsDecls)) {
    const path = `namespaces.${nsName}`;
    if (c.try(path, () => checkNetnsName(nsName)) === undefined) continue;
    const d = raw === null ? {} : c.object(raw, path, NS_KEYS);
    if (!d) continue;
    let source: NsModel['source'] = { kind: 'create' };
    if (d.pid !== undefined && d.container !== undefined) c.fail(path, 'give pid or container, not both');
    if (d.pid !== undefined) {
      const pid = c.int(d.pid, `${path}.pid`, 1, 4194304);
      if (pid !== undefined) source = { kind: 'pid', pid };
    } else if (d.container !== undefined) {
      const socket = d.socket === undefined ? null : typeof d.socket === 'string' && d.socket.startsWith('/') ? d.socket : (c.fail(`${path}.socket`, `${showValue(d.socket)} must be the absolute path of the engine's socket`), null);
      if (typeof d.container !== 'string' || d.container === '') c.fail(`${path}.container`, `${showValue(d.container)} must be a container's id or name`);
      else source = { kind: 'container', id: d.container, socket };
    }
    if (d.socket !== undefined && d.container === undefined) c.fail(`${path}.socket`, 'is the engine of a container: give container too');
    const sysctl = new Map<string, string>();
    if (d.sysctl !== undefined) {
      const s = c.object(d.sysctl, `${path}.sysctl`, Object.keys(d.sysctl ?? {}));
      for (const [k, v] of Object.entries(s ?? {})) {
        if (!/^net\.[\w.-]+$/u.test(k)) c.fail(`${path}.sysctl.${k}`, 'only net.* keys live in a network namespace');
        else if (typeof v !== 'string' && typeof v !== 'number') c.fail(`${path}.sysctl.${k}`, `${showValue(v)} must be a number or a string`);
        else sysctl.set(k, String(v));
      }
    }
    namespaces.set(nsName, { name: nsName, source, sysctl });
    if (d.bridges !== undefined) {
      const bridges = c.object(d.bridges, `${path}.bridges`, Object.keys(d.bridges ?? {})) ?? {};
      for (const [br, braw] of Object.entries(bridges)) {
        const bpath = `${path}.bridges.${br}`;
        if (c.ifname(br, bpath) === undefined) continue;
        const b = braw === null ? {} : c.object(braw, bpath, BRIDGE_KEYS);
        if (!b) continue;
        links.set(`${nsName}:${br}`, {
          ns: nsName, name: br, kind: 'bridge', peer: null,
          mtu: b.mtu === undefined ? null : c.int(b.mtu, `${bpath}.mtu`, ...MTU) ?? null,
          master: null,
          up: b.up === undefined ? true : c.boolean(b.up, `${bpath}.up`) ?? true,
          addresses: c.addresses(b.addresses, `${bpath}.addresses`),
        });
      }
    }
    if (d.routes !== undefined) (c.array(d.routes, `${path}.routes`) ?? []).forEach((v, i) => routeDecls.push({ ns: nsName, path: `${path}.routes[${i}]`, v }));
  }

  /** `"ns:if"` or an end object, checked. */
  const end = (v: unknown, path: string): (Omit<LinkModel, 'kind' | 'peer'> & { path: string }) | undefined => {
    if (typeof v === 'string') {
      const at = v.indexOf(':');
      if (at <= 0) {
        c.fail(path, `${showValue(v)} must be "netns:ifname"`);
        return undefined;
      }
      const ns = v.slice(0, at);
      const ifn = c.ifname(v.slice(at + 1), path);
      if (!namespaces.has(ns)) c.fail(path, `namespace ${showValue(ns)} is not in namespaces`);
      return ifn === undefined ? undefined : { ns, name: ifn, mtu: null, master: null, up: true, addresses: [], path };
    }
    const o = c.object(v, path, END_KEYS);
    if (!o) return undefined;
    if (typeof o.netns !== 'string' || !namespaces.has(o.netns)) c.fail(`${path}.netns`, `${showValue(o.netns)} is not in namespaces`);
    const ifn = o.name === undefined ? (c.fail(`${path}.name`, 'is required'), undefined) : c.ifname(o.name, `${path}.name`);
    if (typeof o.netns !== 'string' || ifn === undefined) return undefined;
    return {
      ns: o.netns, name: ifn,
      mtu: o.mtu === undefined ? null : c.int(o.mtu, `${path}.mtu`, ...MTU) ?? null,
      master: o.master === undefined ? null : c.ifname(o.master, `${path}.master`) ?? null,
      up: o.up === undefined ? true : c.boolean(o.up, `${path}.up`) ?? true,
      addresses: c.addresses(o.addresses, `${path}.addresses`),
      path,
    };
  };

  const place = (l: LinkModel, path: string): void => {
    const key = `${l.ns}:${l.name}`;
    if (links.has(key)) c.fail(path, `${key} is declared twice`);
    else links.set(key, l);
  };
  (top.links === undefined ? [] : c.array(top.links, 'links') ?? []).forEach((raw, i) => {
    const path = `links[${i}]`;
    let pair: [unknown, unknown, string, string] | undefined;
    if (Array.isArray(raw)) {
      if (raw.length !== 2) c.fail(path, `a short link is ["netns:ifname", "netns:ifname"], not ${raw.length} items`);
      else pair = [raw[0], raw[1], `${path}[0]`, `${path}[1]`];
    } else {
      const o = c.object(raw, path, ['a', 'b']);
      if (o) pair = [o.a, o.b, `${path}.a`, `${path}.b`];
    }
    if (!pair) return;
    const a = end(pair[0], pair[2]);
    const b = end(pair[1], pair[3]);
    if (!a || !b) return;
    place({ ...a, kind: 'veth', peer: { ns: b.ns, name: b.name } }, a.path);
    place({ ...b, kind: 'veth', peer: { ns: a.ns, name: a.name } }, b.path);
  });

  const extra = top.addresses === undefined ? {} : c.object(top.addresses, 'addresses', Object.keys(top.addresses ?? {})) ?? {};
  for (const [key, list] of Object.entries(extra)) {
    const path = `addresses.${key}`;
    const l = links.get(key);
    if (!l) {
      c.fail(path, `${showValue(key)} is no interface of the document ("netns:ifname" of a link or bridge)`);
      continue;
    }
    for (const a of c.addresses(list, path)) {
      if (l.addresses.includes(a)) c.fail(path, `${a} is given twice for ${key}`);
      else l.addresses.push(a);
    }
  }

  // Masters: a bridge of the same namespace.
  for (const l of links.values()) {
    if (l.master === null) continue;
    const m = links.get(`${l.ns}:${l.master}`);
    if (!m || m.kind !== 'bridge') c.fail(`${l.ns}:${l.name}`, `master ${showValue(l.master)} is no bridge of namespace ${l.ns}`);
  }

  const topRoutes = top.routes === undefined ? {} : c.object(top.routes, 'routes', Object.keys(top.routes ?? {})) ?? {};
  for (const [ns, list] of Object.entries(topRoutes)) {
    if (!namespaces.has(ns)) {
      c.fail(`routes.${ns}`, `namespace ${showValue(ns)} is not in namespaces`);
      continue;
    }
    (c.array(list, `routes.${ns}`) ?? []).forEach((v, i) => routeDecls.push({ ns, path: `routes.${ns}[${i}]`, v }));
  }
  const routes: RouteModel[] = [];
  const seen = new Set<string>();
  for (const { ns, path, v } of routeDecls) {
    const r = c.object(v, path, ROUTE_KEYS);
    if (!r) continue;
    if (r.to === undefined) {
      c.fail(`${path}.to`, 'is required: default or a prefix');
      continue;
    }
    const via = r.via === undefined ? null : c.try(`${path}.via`, () => parseIp(r.via, 'via')) ?? null;
    let family: Family = via?.family ?? 4;
    let to = 'default';
    if (r.to !== 'default') {
      const p = c.try(`${path}.to`, () => parsePrefix(r.to, 'to'));
      if (!p) continue;
      family = p.family;
      to = networkOf(p).text;
      if (via && via.family !== family) c.fail(`${path}.via`, `${via.text} is IPv${via.family}, but to ${p.text} is IPv${family}`);
    }
    const dev = r.dev === undefined ? null : c.ifname(r.dev, `${path}.dev`) ?? null;
    if (dev !== null && dev !== 'lo' && !links.has(`${ns}:${dev}`)) c.fail(`${path}.dev`, `${dev} is no interface of namespace ${ns} in the document`);
    if (via === null && dev === null) c.fail(path, 'needs via or dev');
    const model: RouteModel = {
      ns, family, to,
      via: via ? formatAddress(via.bytes, 0, via.bytes.length) : null,
      dev,
      metric: r.metric === undefined ? null : c.int(r.metric, `${path}.metric`, 0, 0xffffffff) ?? null,
      table: r.table === undefined ? null : c.int(r.table, `${path}.table`, 1, 0xffffffff) ?? null,
    };
    const key = `${ns} ${family} ${routeKey(model)}`;
    if (seen.has(key)) c.fail(path, `the same route is given twice in ${ns}`);
    seen.add(key);
    routes.push(model);
  }
  if (c.problems.length) throw new TopologyError(c.problems);
  return { name, namespaces, links, routes };
}
