/**
 * Declarative topologies: a document of namespaces, bridges, veth pairs, addresses, routes and
 * sysctls; `plan` reads the kernel and lists what differs, `apply` makes it so (all namespaces at
 * once, phase by phase) and undoes everything it did if one change fails, `destroy` removes
 * exactly what the topology made.
 * @packageDocumentation
 */
import { constants } from 'node:os';
import type * as Yaml from 'yaml';
import { unlessMissing } from '../errors.js';
import { Netns } from '../netns.js';
import type { RouteSpec } from '../ops/route.js';
import { check, routeKey, TopologyError, type Model, type TopologyDocument } from './document.js';
import { cascades, describeChange, diff, namespacesToRead, needsOf, openIfThere, PHASES, readState, type ChangeRoute, type TopologyChange, type NsState } from './plan.js';
import { render, type RenderFormat } from './render.js';
import { lock, readRecord, removeRecord, writeRecord, type TopologyRecord } from './record.js';

export { TopologyError, type TopologyDocument } from './document.js';
export type { TopologyChange } from './plan.js';
export { describeChange } from './plan.js';
export type { RenderFormat } from './render.js';

/** The changes a plan found, in the order apply makes them. */
export class TopologyPlan {
  /** @internal */
  constructor(
    /** The topology's name. */
    readonly name: string,
    /** Each change; `describeChange(c)` says it as the `ip` command it stands for. */
    readonly changes: readonly TopologyChange[],
  ) {}

  /** Whether the kernel already matches the document. */
  get empty(): boolean {
    return this.changes.length === 0;
  }

  /** One `ip` command per line, or a line saying there is nothing to do. */
  toString(): string {
    return this.empty ? `${this.name}: nothing to do` : this.changes.map(describeChange).join('\n');
  }
}

/** A change of an apply, reported as it is made. */
export interface TopologyProgress {
  /** Changes made so far, this one included. */
  done: number;
  /** Changes in the plan. */
  total: number;
  /** The change just made. */
  change: TopologyChange;
}

/** Options of {@link Topology.apply}. */
export interface ApplyOptions {
  /** Only plan: change nothing (the result lists what would be done). */
  dryRun?: boolean;
  /** Called after each change made. */
  onProgress?: (p: TopologyProgress) => void;
}

/** What {@link Topology.apply} did. */
export class ApplyResult {
  /** @internal */
  constructor(
    /** The topology's name. */
    readonly name: string,
    /** The changes made (or, with `dryRun`, the changes that would be). */
    readonly changes: readonly TopologyChange[],
    /** Whether this was a dry run. */
    readonly dryRun: boolean,
  ) {}

  /** `lab: 23 changes made`, `lab: nothing to do`. */
  toString(): string {
    if (this.changes.length === 0) return `${this.name}: nothing to do`;
    return `${this.name}: ${this.changes.length} change${this.changes.length === 1 ? '' : 's'} ${this.dryRun ? 'to make' : 'made'}`;
  }
}

/** What {@link Topology.destroy} did. */
export class DestroyResult {
  /** @internal */
  constructor(
    /** The topology's name. */
    readonly name: string,
    /** What was removed, as `ip` commands. */
    readonly removed: readonly string[],
    /** What was left in place, and why (a namespace holding links the topology did not make). */
    readonly kept: readonly string[],
  ) {}

  /** One line per removal and per thing kept. */
  toString(): string {
    if (this.removed.length === 0 && this.kept.length === 0) return `${this.name}: nothing to destroy`;
    return [...this.removed, ...this.kept.map((k) => `kept: ${k}`)].join('\n');
  }
}

/**
 * An apply that failed: the change that failed and the kernel's reason, and whether the state
 * from before the apply was restored (`restored`; if not, `unrestored` lists what was not).
 */
export class TopologyApplyError extends Error {
  /** @internal */
  constructor(
    /** The change that failed. */
    readonly change: TopologyChange,
    /** Its error (a {@link NetlinkError} when the kernel refused it). */
    override readonly cause: Error,
    /** Undo steps that failed; empty when everything was put back. */
    readonly unrestored: readonly string[],
  ) {
    super(
      `${describeChange(change)}: ${cause.message}; ${unrestored.length === 0 ? 'the state from before this apply was restored' : `the state could not be fully restored: ${unrestored.join('; ')}`}`,
    );
    this.name = 'TopologyApplyError';
  }

  /** Whether everything this apply did was undone. */
  get restored(): boolean {
    return this.unrestored.length === 0;
  }
}

const { ENODEV } = constants.errno;

/** The YAML parser, loaded on the first parse: it costs ~50 ms, which a library user who never parses should not pay at require time. */
let yaml: typeof Yaml | undefined;
function parseYaml(text: string): unknown {
  yaml ??= require('yaml') as typeof Yaml;
  return yaml.parse(text);
}

type Undo = { what: string; run: () => Promise<unknown> };

/** How many times apply reads and changes again until the kernel matches. */
const PASSES = 3;


function routeSpec(r: ChangeRoute): RouteSpec {
  const spec: RouteSpec = { to: r.to, family: r.family };
  if (r.via !== null) spec.via = r.via;
  if (r.dev !== null) spec.dev = r.dev;
  if (r.metric !== null) spec.metric = r.metric;
  if (r.table !== null) spec.table = r.table;
  return spec;
}

const v6 = (cidr: string): boolean => cidr.includes(':');

/**
 * A topology document, checked: `Topology.parse(yamlOrJson)` or `Topology.from(object)`.
 *
 * ```ts
 * const lab = Topology.parse(readFileSync('lab.yaml', 'utf8'));
 * console.log(String(await lab.plan()));   // the ip commands it would run
 * await lab.apply();                       // all or nothing
 * await lab.destroy();                     // exactly what it made
 * ```
 */
export class Topology {
  readonly #model: Model;

  private constructor(
    model: Model,
    /** The document as given. */
    readonly document: TopologyDocument,
  ) {
    this.#model = model;
  }

  /** The topology's name: what it owns is recorded under it. */
  get name(): string {
    return this.#model.name;
  }

  /**
   * The topology drawn: `text`, `json`, `dot` (Graphviz) or `mermaid`: its namespaces, the
   * interfaces in each, bridges with their ports, veth pairs between them.
   */
  render(format: RenderFormat = 'text'): string {
    return render(this.#model, format);
  }

  /** A document in YAML (or JSON, which is YAML); a {@link TopologyError} lists every problem with its path. */
  static parse(text: string): Topology {
    if (typeof text !== 'string') throw new TypeError('Topology.parse takes the text of a YAML or JSON document');
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw new TopologyError([`(document): not YAML or JSON: ${(e as Error).message.split('\n')[0]}`]);
    }
    return Topology.from(doc);
  }

  /** A document as an object; a {@link TopologyError} lists every problem with its path. */
  static from(doc: unknown): Topology {
    return new Topology(check(doc), doc as TopologyDocument);
  }

  /** Reads every namespace the document (or the record) names, in parallel. */
  async #read(record: TopologyRecord | null): Promise<Map<string, NsState>> {
    const m = this.#model;
    const needs = needsOf(m, record);
    const entries = await Promise.all(
      [...namespacesToRead(m, record)].map(async ([name, ns]) => {
        const named = await openIfThere((n) => Netns.open(n), name);
        const need = needs.get(name) ?? { addresses: false, routes: [] };
        if (!ns || ns.source.kind === 'create') return [name, await readState(named, named !== null, ns?.sysctl.keys() ?? [], need)] as const;
        // An existing namespace: read from its process, whether its name exists yet or not; a
        // name that exists must still be that process's namespace.
        const target = ns.source.kind === 'pid' ? await Netns.fromPid(ns.source.pid) : await Netns.fromContainer(ns.source.id, ns.source.socket ? { socket: ns.source.socket } : {});
        if (named) {
          const same = target.equals(named);
          named.close();
          if (!same) {
            target.close();
            throw new TopologyError([`namespaces.${name}: /run/netns/${name} exists but is not the namespace of ${ns.source.kind === 'pid' ? `pid ${ns.source.pid}` : `container ${ns.source.id}`}`]);
          }
        }
        return [name, await readState(target, named !== null, ns.sysctl.keys(), need)] as const;
      }),
    );
    return new Map(entries);
  }

  /** Closes what #read opened. */
  static #close(states: Map<string, NsState>, handles: Map<string, Netns>): void {
    for (const s of states.values()) s.netns?.close();
    for (const h of handles.values()) h.close();
  }

  /**
   * The changes that would make the kernel match the document, read from its state now: what
   * is missing is created, what differs (drift: a route deleted by hand, a link set down) is
   * changed back, what an earlier apply made and the document no longer has is deleted.
   * Nothing changes. `terraform plan`, for `ip` labs.
   */
  async plan(): Promise<TopologyPlan> {
    const record = await readRecord(this.name);
    const states = await this.#read(record);
    try {
      return new TopologyPlan(this.name, diff(this.#model, states, record));
    } finally {
      Topology.#close(states, new Map());
    }
  }

  /**
   * Makes the kernel match the document: the plan's changes, phase by phase (namespaces, then
   * bridges and sysctls, veth pairs, address deletions, then link settings, new addresses,
   * bridge MTUs and routes in one batch per namespace, in that order, then deletions), each
   * phase across every namespace at once. A second apply of the same document makes no change. If a
   * change fails, everything this apply did is undone and a {@link TopologyApplyError} names
   * the change. Two applies of one topology wait for each other.
   */
  async apply(options: ApplyOptions = {}): Promise<ApplyResult> {
    const unlock = await lock(this.name);
    const opened: Map<string, NsState>[] = [];
    const handles = new Map<string, Netns>();
    try {
      const record = await readRecord(this.name);
      const first = await this.#read(record);
      opened.push(first);
      const planned = diff(this.#model, first, record);
      if (options.dryRun) return new ApplyResult(this.name, planned, true);
      const undo: Undo[][] = [];
      const made: TopologyChange[] = [];
      // What a change takes along in the kernel (an interface's routes with its last address)
      // shows in a fresh read: after changes that can do that, a second pass makes it again; a
      // third would mean no convergence.
      let states = first;
      let changes = planned;
      for (let pass = 0; changes.length > 0; pass++) {
        if (pass === PASSES) throw new Error(`topology ${this.name} did not converge in ${PASSES} passes; left: ${changes.map(describeChange).join('; ')}`);
        const done = await this.#run(changes, states, handles, undo, made.length, options.onProgress);
        made.push(...done);
        if (!done.some(cascades)) break;
        states = await this.#read(record);
        opened.push(states);
        changes = diff(this.#model, states, this.#newRecord(record, made, first));
      }
      await writeRecord(this.#newRecord(record, made, first));
      return new ApplyResult(this.name, made, false);
    } finally {
      for (const s of opened) Topology.#close(s, new Map());
      Topology.#close(new Map(), handles);
      await unlock();
    }
  }

  /** Runs the changes phase by phase; on a failure, undoes what was done and throws. */
  async #run(changes: readonly TopologyChange[], states: Map<string, NsState>, handles: Map<string, Netns>, undo: Undo[][], before: number, onProgress?: (p: TopologyProgress) => void): Promise<TopologyChange[]> {
    const made: TopologyChange[] = [];
    const ns = (name: string): Netns => handles.get(name) ?? states.get(name)!.netns!;
    let done = before;
    for (const phase of PHASES) {
      const batch = changes.filter((c) => phase.includes(c.op));
      if (batch.length === 0) continue;
      const undos: Undo[] = [];
      undo.push(undos);
      const results = await Promise.allSettled(
        batch.map(async (c) => {
          const u = await this.#make(c, ns, handles);
          if (u) undos.push(u);
          onProgress?.({ done: ++done, total: before + changes.length, change: c });
        }),
      );
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) {
        const unrestored: string[] = [];
        for (const step of undo.reverse()) {
          const r = await Promise.allSettled(step.map((u) => u.run()));
          r.forEach((x, i) => {
            if (x.status === 'rejected') unrestored.push(`${step[i]!.what}: ${(x.reason as Error).message}`);
          });
        }
        throw new TopologyApplyError(batch[failed]!, (results[failed] as PromiseRejectedResult).reason as Error, unrestored);
      }
      // In the plan's order, not the order the answers came in.
      made.push(...batch);
    }
    return made;
  }

  /** Makes one change; returns how to undo it (none for deletions, which run last). */
  async #make(c: TopologyChange, ns: (name: string) => Netns, handles: Map<string, Netns>): Promise<Undo | null> {
    switch (c.op) {
      case 'create-netns': {
        const h = await Netns.create(c.ns);
        handles.set(c.ns, h);
        return { what: `ip netns del ${c.ns}`, run: () => h.delete() };
      }
      case 'attach-netns': {
        const target = c.pid !== null ? c.pid : await Netns.fromContainer(c.container!, c.socket ? { socket: c.socket } : {});
        try {
          handles.set(c.ns, await Netns.attach(c.ns, target));
        } finally {
          if (typeof target !== 'number') target.close();
        }
        return { what: `ip netns del ${c.ns}`, run: () => Netns.delete(c.ns) };
      }
      case 'sysctl': {
        await ns(c.ns).sysctl(c.key, c.value);
        const before = c.before;
        return before === null ? null : { what: `sysctl ${c.key}=${before} in ${c.ns}`, run: () => ns(c.ns).sysctl(c.key, before) };
      }
      case 'create-bridge':
        await ns(c.ns).createBridge(c.name, { ...(c.mtu !== null ? { mtu: c.mtu } : {}), up: c.up });
        return { what: `ip -n ${c.ns} link del ${c.name}`, run: () => ns(c.ns).deleteLink(c.name) };
      case 'create-veth':
        await ns(c.ns).createVeth(c.name, { peer: c.peer, peerNetns: ns(c.peerNs), ...(c.mtu !== null ? { mtu: c.mtu } : {}), ...(c.master ? { master: c.master } : {}), up: c.up });
        return { what: `ip -n ${c.ns} link del ${c.name}`, run: () => ns(c.ns).deleteLink(c.name) };
      case 'set-link': {
        const { op: _op, ns: name, name: ifname, before, ...to } = c;
        await ns(name).setLink(ifname, to);
        return Object.keys(before).length ? { what: `ip -n ${name} link set ${ifname} (as before)`, run: () => ns(name).setLink(ifname, before) } : null;
      }
      case 'set-mtu': {
        await ns(c.ns).setLink(c.name, { mtu: c.mtu });
        const before = c.before;
        return before === null ? null : { what: `ip -n ${c.ns} link set ${c.name} mtu ${before}`, run: () => ns(c.ns).setLink(c.name, { mtu: before }) };
      }
      case 'add-address':
        await ns(c.ns).addAddress(c.ifname, c.cidr, v6(c.cidr) ? { noDad: true } : {});
        return { what: `ip -n ${c.ns} addr del ${c.cidr} dev ${c.ifname}`, run: () => ns(c.ns).deleteAddress(c.ifname, c.cidr, { missingOk: true }) };
      case 'delete-address':
        // Gone already: the kernel deleted it with the primary address of its subnet.
        await ns(c.ns).deleteAddress(c.ifname, c.cidr, { missingOk: true });
        return { what: `ip -n ${c.ns} addr add ${c.cidr} dev ${c.ifname}`, run: () => ns(c.ns).addAddress(c.ifname, c.cidr, v6(c.cidr) ? { noDad: true } : {}) };
      case 'add-route':
        await ns(c.ns).addRoute(routeSpec(c.route));
        return { what: `ip -n ${c.ns} route del ${c.route.to}`, run: () => ns(c.ns).deleteRoute(routeSpec(c.route), { missingOk: true }) };
      case 'delete-route':
        // Gone already: the kernel took it with its interface's last address.
        await ns(c.ns).deleteRoute(routeSpec(c.route), { missingOk: true });
        return { what: `ip -n ${c.ns} route add ${c.route.to}`, run: () => ns(c.ns).addRoute(routeSpec(c.route)) };
      case 'delete-link':
        // Gone already: the other end of its veth pair went first.
        await unlessMissing(ns(c.ns).deleteLink(c.name), ENODEV, true);
        return null;
      case 'delete-netns':
      case 'detach-netns':
        await Netns.delete(c.ns);
        return null;
    }
  }

  /** What the topology owns after a successful apply: what it had and still declares, and what this apply made. */
  #newRecord(old: TopologyRecord | null, made: readonly TopologyChange[], before: Map<string, NsState>): TopologyRecord {
    const m = this.#model;
    // What the record had and what this apply made, as sets of keys: a topology of thousands of
    // interfaces is recorded in linear time.
    const had = {
      namespaces: new Map((old?.namespaces ?? []).map((n) => [n.name, n.made])),
      links: new Set((old?.links ?? []).map((l) => `${l.ns}:${l.name}`)),
      addresses: new Set((old?.addresses ?? []).map((a) => `${a.ns}:${a.ifname} ${a.cidr}`)),
      routes: new Set((old?.routes ?? []).map((r) => `${r.ns} ${r.route.family} ${routeKey(r.route)}`)),
      sysctl: new Map((old?.sysctl ?? []).map((x) => [`${x.ns} ${x.key}`, x.before])),
    };
    const did = { created: new Set<string>(), attached: new Set<string>(), links: new Set<string>(), addresses: new Set<string>(), routes: new Set<string>() };
    for (const c of made) {
      if (c.op === 'create-netns') did.created.add(c.ns);
      else if (c.op === 'attach-netns') did.attached.add(c.ns);
      else if (c.op === 'create-bridge') did.links.add(`${c.ns}:${c.name}`);
      else if (c.op === 'create-veth') did.links.add(`${c.ns}:${c.name}`).add(`${c.peerNs}:${c.peer}`);
      else if (c.op === 'add-address') did.addresses.add(`${c.ns}:${c.ifname} ${c.cidr}`);
      else if (c.op === 'add-route') did.routes.add(`${c.ns} ${c.route.family} ${routeKey(c.route)}`);
    }
    const namespaces = [...m.namespaces.values()]
      .filter((n) => had.namespaces.has(n.name) || did.created.has(n.name) || did.attached.has(n.name))
      .map((n) => ({ name: n.name, made: n.source.kind === 'create' && (had.namespaces.get(n.name) === true || did.created.has(n.name)) }));
    const links = [...m.links.values()]
      .filter((l) => had.links.has(`${l.ns}:${l.name}`) || did.links.has(`${l.ns}:${l.name}`))
      .map((l) => ({ ns: l.ns, name: l.name, peer: l.peer }));
    const addresses = [...m.links.values()].flatMap((l) =>
      l.addresses.filter((cidr) => had.addresses.has(`${l.ns}:${l.name} ${cidr}`) || did.addresses.has(`${l.ns}:${l.name} ${cidr}`)).map((cidr) => ({ ns: l.ns, ifname: l.name, cidr })),
    );
    const routes = m.routes
      .filter((r) => {
        const key = `${r.ns} ${r.family} ${routeKey(r)}`;
        return had.routes.has(key) || did.routes.has(key);
      })
      .map(({ ns, ...route }) => ({ ns, route }));
    const sysctl = [...m.namespaces.values()].flatMap((n) =>
      [...n.sysctl.keys()].map((key) => ({ ns: n.name, key, before: had.sysctl.get(`${n.name} ${key}`) ?? before.get(n.name)?.sysctl.get(key) ?? null })),
    );
    return { name: m.name, namespaces, links, addresses, routes, sysctl };
  }

  /**
   * Removes exactly what the topology made, by its record: the namespaces it created (with
   * what is inside), its links in namespaces it attached (whose names it removes, never the
   * namespaces), and the sysctls it set go back. A namespace that holds links the topology did
   * not make is kept, with them, and reported. No record (never applied, or destroyed): nothing
   * to do.
   */
  async destroy(): Promise<DestroyResult> {
    const unlock = await lock(this.name);
    try {
      const record = await readRecord(this.name);
      if (!record) return new DestroyResult(this.name, [], []);
      const removed: string[] = [];
      const kept: string[] = [];
      const ours = (ns: string, name: string): boolean => record.links.some((l) => l.ns === ns && l.name === name);
      const opened = (await Promise.all(record.namespaces.map(async (n) => ({ n, h: await openIfThere((x) => Netns.open(x), n.name) })))).filter(
        (x): x is { n: TopologyRecord['namespaces'][number]; h: Netns } => x.h !== null,
      );
      try {
        // First the namespaces it made (their links, and the peers of those, go with them), all
        // at once; then what is left of its links elsewhere.
        const rest: typeof opened = [];
        await Promise.all(
          opened.map(async (x) => {
            const foreign = (await x.h.links()).filter((l) => l.name !== 'lo' && !ours(x.n.name, l.name));
            if (x.n.made && foreign.length === 0) {
              await x.h.delete();
              removed.push(`ip netns del ${x.n.name}`);
              return;
            }
            if (x.n.made) kept.push(`namespace ${x.n.name}: it holds links the topology did not make (${foreign.map((l) => l.name).join(', ')})`);
            rest.push(x);
          }),
        );
        await Promise.all(
          rest.map(async ({ n, h }) => {
            const links = (await h.links()).filter((l) => ours(n.name, l.name));
            await Promise.all(
              links.map((l) =>
                h.deleteLink(l.name).then(
                  () => removed.push(`ip -n ${n.name} link del ${l.name}`),
                  (e: unknown) => {
                    // Gone already, with the other end of its pair.
                    if ((e as { code?: string }).code !== 'ENODEV') throw e;
                  },
                ),
              ),
            );
            for (const s of record.sysctl.filter((x) => x.ns === n.name && x.before !== null)) await h.sysctl(s.key, s.before!);
            if (!n.made) {
              await Netns.delete(n.name);
              removed.push(`ip netns del ${n.name}  # the name only`);
            }
          }),
        );
      } finally {
        for (const x of opened) x.h.close();
      }
      await removeRecord(this.name);
      return new DestroyResult(this.name, removed, kept);
    } finally {
      await unlock();
    }
  }
}
