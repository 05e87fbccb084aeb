/**
 * A topology as a picture: text, JSON, Graphviz dot or Mermaid, of its namespaces, bridges and
 * links (`netns-link show FILE --format dot`).
 * @packageDocumentation
 */
import type { Model } from './document.js';

/** The formats {@link Topology.render} draws. */
export type RenderFormat = 'text' | 'json' | 'dot' | 'mermaid';

/** @internal */
export const RENDER_FORMATS: readonly RenderFormat[] = ['text', 'json', 'dot', 'mermaid'];

interface Graph {
  namespaces: { name: string; source: string; interfaces: { name: string; kind: string; addresses: string[]; master: string | null }[] }[];
  links: { a: string; b: string }[];
}

function graph(m: Model): Graph {
  const namespaces = [...m.namespaces.values()].map((ns) => ({
    name: ns.name,
    source: ns.source.kind === 'create' ? 'made' : ns.source.kind === 'pid' ? `pid ${ns.source.pid}` : `container ${ns.source.id}`,
    interfaces: [...m.links.values()].filter((l) => l.ns === ns.name).map((l) => ({ name: l.name, kind: l.kind, addresses: l.addresses, master: l.master })),
  }));
  const links: Graph['links'] = [];
  for (const l of m.links.values()) {
    if (l.kind !== 'veth' || !l.peer) continue;
    const a = `${l.ns}:${l.name}`;
    const b = `${l.peer.ns}:${l.peer.name}`;
    if (!links.some((x) => x.a === b && x.b === a)) links.push({ a, b });
  }
  return { namespaces, links };
}

const id = (s: string): string => s.replace(/[^\w]/gu, '_');

/** The topology drawn in `format`. @internal */
export function render(m: Model, format: RenderFormat): string {
  const g = graph(m);
  switch (format) {
    case 'json':
      return JSON.stringify({ name: m.name, ...g }, null, 2);
    case 'text': {
      const lines = [`topology ${m.name}`];
      for (const ns of g.namespaces) {
        lines.push(`  ${ns.name} (${ns.source})`);
        for (const i of ns.interfaces) lines.push(`    ${i.name} ${i.kind}${i.master ? ` master ${i.master}` : ''}${i.addresses.length ? ` ${i.addresses.join(' ')}` : ''}`);
      }
      for (const l of g.links) lines.push(`  ${l.a} <-> ${l.b}`);
      return lines.join('\n');
    }
    case 'dot': {
      const lines = [`graph ${JSON.stringify(m.name)} {`, '  node [shape=box, fontname="sans-serif"];'];
      for (const ns of g.namespaces) {
        lines.push(`  subgraph cluster_${id(ns.name)} {`, `    label=${JSON.stringify(`${ns.name} (${ns.source})`)};`);
        for (const i of ns.interfaces) {
          const label = [i.name, ...i.addresses].join('\\n');
          lines.push(`    ${id(`${ns.name}:${i.name}`)} [label="${label}"${i.kind === 'bridge' ? ', shape=ellipse' : ''}];`);
        }
        lines.push('  }');
        for (const i of ns.interfaces) if (i.master) lines.push(`  ${id(`${ns.name}:${i.name}`)} -- ${id(`${ns.name}:${i.master}`)} [style=dashed];`);
      }
      for (const l of g.links) lines.push(`  ${id(l.a)} -- ${id(l.b)};`);
      lines.push('}');
      return lines.join('\n');
    }
    case 'mermaid': {
      const lines = ['graph LR'];
      for (const ns of g.namespaces) {
        lines.push(`  subgraph ${id(ns.name)}["${ns.name} (${ns.source})"]`);
        for (const i of ns.interfaces) {
          const label = [i.name, ...i.addresses].join('<br/>');
          lines.push(i.kind === 'bridge' ? `    ${id(`${ns.name}:${i.name}`)}(("${label}"))` : `    ${id(`${ns.name}:${i.name}`)}["${label}"]`);
        }
        lines.push('  end');
        for (const i of ns.interfaces) if (i.master) lines.push(`  ${id(`${ns.name}:${i.name}`)} -.- ${id(`${ns.name}:${i.master}`)}`);
      }
      for (const l of g.links) lines.push(`  ${id(l.a)} --- ${id(l.b)}`);
      return lines.join('\n');
    }
  }
}
