// Renders bench/results.json into README.md's benchmark table (between the bench markers, and
// nothing else of README) and into benchmark.svg beside it: W1's cost per operation against N,
// one line per tool. Run by `npm run bench` after a full run; `node bench/readme.js` re-renders.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** The median (the upper of the two middle values for an even count). */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A row's ratio to another of its workload. Measured round robin (W1, W3: one time per round
 * for both), it is the median of each round's own ratio, with the lowest and highest of them:
 * a round's tools run minutes apart at most, while the kernel's pace drifts between rounds (C
 * pipelined at N=1000, three rounds of one run: 3.65, 4.24, 5.05 s), so a ratio taken within
 * a round carries less of that drift than a ratio of medians taken from different rounds.
 * Otherwise, the ratio of the medians.
 */
function ratioTo(r, other) {
  if (r.reps && other.reps && r.reps.length === other.reps.length && r.reps.length > 1) {
    const each = r.reps.map((v, i) => v / other.reps[i]);
    return { ratio: median(each), range: [Math.min(...each), Math.max(...each)] };
  }
  return { ratio: r.us / other.us, range: null };
}

const fmtTotal = (us) => (us >= 1e4 ? `${(us / 1e3).toFixed(0)} ms` : us >= 1e3 ? `${(us / 1e3).toFixed(1)} ms` : `${(us / 1e3).toFixed(2)} ms`);
const fmtPer = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** ` (lowest–highest)` of a ratio taken round by round; nothing for a reference's own row or a ratio of medians. */
const spread = (range) => (range && range[1] - range[0] > 0.005 ? ` (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : '');

/** The table: every row's ratio to the strongest C of its workload, and where the row has one,
 * to the C of the same shape (W3: one at a time against C sequential). */
function markdown(rows) {
  const out = ['| workload | tool | total | per op | × strongest C | × same-shape C |', '|---|---|---:|---:|---:|---:|'];
  for (const x of rows) {
    const name = x.tool.startsWith('netns-link') ? `**${x.tool}**` : x.tool;
    const ratio = x.ratio === null || x.ratio === undefined ? '' : `${x.ratio.toFixed(2)}${spread(x.ratioRange)}`;
    const pair = x.pairRatio ? `${x.pairRatio.toFixed(2)}${spread(x.pairRange)} × ${x.pair}` : '';
    out.push(`| ${x.workload} | ${name} | ${fmtTotal(x.us)} | ${fmtPer(x.perOp)} ${x.unit} | ${ratio} | ${pair} |`);
  }
  return out.join('\n');
}

const COLORS = ['#000000', '#7f7f7f', '#1f77b4', '#d62728', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#e377c2', '#bcbd22'];

/** One panel: a log–log line chart of a row's per-op cost against N, one line per tool. */
function panel(rows, x0, y0, w, h, title, tools) {
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const vals = rows.map((r) => r.perOp);
  const lo = Math.log10(Math.min(...vals) / 1.3);
  const hi = Math.log10(Math.max(...vals) * 1.3);
  const nlo = Math.log10(ns[0] / 1.25);
  const nhi = Math.log10(ns[ns.length - 1] * 1.25);
  const X = (n) => x0 + (w * (Math.log10(n) - nlo)) / (nhi - nlo || 1);
  const Y = (v) => y0 + h - (h * (Math.log10(v) - lo)) / (hi - lo || 1);
  const parts = [`<text x="${x0}" y="${y0 - 8}" font-size="12" font-weight="bold">${title}</text>`];
  parts.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      parts.push(`<line x1="${x0}" y1="${Y(v).toFixed(1)}" x2="${x0 + w}" y2="${Y(v).toFixed(1)}" stroke="#ddd" stroke-dasharray="2,2"/>`);
      parts.push(`<text x="${x0 - 4}" y="${(Y(v) + 3).toFixed(1)}" font-size="10" fill="#555" text-anchor="end">${v >= 1000 ? `${v / 1000} ms` : `${v} µs`}</text>`);
    }
  }
  for (const n of ns) parts.push(`<text x="${X(n).toFixed(1)}" y="${y0 + h + 14}" font-size="10" fill="#555" text-anchor="middle">N=${n}</text>`);
  for (const tool of tools) {
    const pts = rows.filter((r) => r.tool === tool).sort((a, b) => a.n - b.n);
    if (!pts.length) continue;
    const c = COLORS[tools.indexOf(tool) % COLORS.length];
    const dash = tool.startsWith('netns-link') ? '' : tool.startsWith('C ') ? '' : 'stroke-dasharray="5,3"';
    const width = tool.startsWith('netns-link') ? 2.5 : 1.5;
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="${width}" ${dash} points="${pts.map((p) => `${X(p.n).toFixed(1)},${Y(p.perOp).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${X(p.n).toFixed(1)}" cy="${Y(p.perOp).toFixed(1)}" r="2.5" fill="${c}"/>`);
  }
  return parts.join('\n');
}

/** benchmark.svg: W1 setup (µs per operation) and teardown (µs per host) against N. */
function chart(results, title) {
  const setup = results.filter((r) => r.workload.startsWith('W1 setup') && r.n);
  const teardown = results.filter((r) => r.workload.startsWith('W1 teardown') && r.n);
  const tools = [...new Set(setup.map((r) => r.tool))];
  const width = 960;
  const pw = 360;
  const ph = 300;
  const legendY = 60 + ph + 40;
  const legend = tools.map((t, i) => {
    const c = COLORS[i % COLORS.length];
    const x = 20 + (i % 3) * 310;
    const y = legendY + Math.floor(i / 3) * 16;
    return `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${c}" stroke-width="${t.startsWith('netns-link') ? 2.5 : 1.5}" ${t.startsWith('netns-link') || t.startsWith('C ') ? '' : 'stroke-dasharray="5,3"'}/><text x="${x + 28}" y="${y}" font-size="11">${t}</text>`;
  });
  const height = legendY + Math.ceil(tools.length / 3) * 16 + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="18" font-size="13" font-weight="bold">${title}</text>
${panel(setup, 80, 60, pw, ph, 'W1 setup: µs per operation (7 per host), log–log', tools)}
${panel(teardown, 80 + pw + 100, 60, pw, ph, 'W1 teardown (until dismantled): µs per host', tools)}
${legend.join('\n')}
</svg>
`;
}

/** Descriptors left after the namespaces were closed, against before they were opened. */
const fdsAfter = (d) => (d > 0 ? `${d} descriptors more than before` : d < 0 ? `${-d} fewer than before (none left by the namespaces)` : 'as many descriptors as before');

function memoryLine(m) {
  if (!m) return [];
  const per =
    m.rssPerNamespaceKiB === undefined
      ? ''
      : ` Each open namespace (opened, its links read) cost this process ${m.rssPerNamespaceKiB.toFixed(1)} KiB of RSS and ${m.heapPerNamespaceKiB.toFixed(1)} KiB of V8 heap and external memory (the heap grows into memory already resident), and the system ${m.systemPerNamespaceKiB.toFixed(0)} KiB (MemAvailable; the kernel's namespace, its \`lo\`, its tables).`;
  return [
    '',
    `Memory: ${m.namespaces} open namespaces cost ${m.fdsPerNamespace} descriptors each (the namespace's and its socket); after close, ${fdsAfter(m.fdsAfterClose)}.${per} Over three further open/close cycles once the allocators settled, RSS moved by ${m.rssGrowthOverThreeMoreCyclesKiB} KiB and the V8 heap with its external memory by ${m.heapGrowthOverThreeMoreCyclesKiB} KiB.`,
  ];
}

function render() {
  const r = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8'));
  writeFileSync(join(root, 'benchmark.svg'), chart(r.results, `netns-link W1 (N hosts on a bridge) against N — ${r.date}, ${r.machine}`));
  const lines = [
    `Measured ${r.date} on ${r.machine}; medians of ${r.reps} repetitions${r.shortReps && r.shortReps !== r.reps ? ` (${r.shortReps} for the short workloads, W1 at N ≤ 100 and W3)` : ''}, all in one run (W1's and W3's taken round robin over the tools, every other round in the reverse order). "× strongest C" is the ratio to the strongest C program of the same run ("C pipelined" where the workload has one; W5, NAT, has no C reference: its ratio is to one \`nft -f\` script); for W1 and W3 it is the median of each round's own ratio, the rounds' lowest and highest in brackets. "× same-shape C" compares W3's one-at-a-time rows with C sending one request at a time (lower is faster).`,
    '',
    markdown(r.results),
    ...memoryLine(r.memory),
    '',
    '![W1 cost per operation against N, one line per tool](benchmark.svg)',
  ];
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no bench markers');
  writeFileSync(join(root, 'README.md'), `${readme.slice(0, a + start.length)}\n${lines.join('\n')}\n${readme.slice(b)}`);
}

module.exports = { render, markdown, chart, median, ratioTo };
if (require.main === module) render();
