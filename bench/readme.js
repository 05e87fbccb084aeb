// Renders bench/results.json into README.md's benchmark table (between the bench markers) and
// into benchmark.svg beside it, so the README says exactly what the last full run measured.
// Run by `npm run bench` after a full run; `node bench/readme.js` re-renders.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** The reference a row's ratio is to: the C reference, or the strongest peer its workload names. */
const refOf = (r) => r.ref ?? 'C (libmnl)';

/** Bars of the ratio to the reference on a log axis from 0.25x, one group per workload, 1x marked. */
function chart(rows, title) {
  const groups = [...new Set(rows.map((r) => r.workload))];
  const tools = [...new Set(rows.filter((r) => r.tool !== refOf(r)).map((r) => r.tool))];
  const colors = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd', '#8c564b', '#17becf'];
  const rowH = 14;
  const left = 330;
  const width = 900;
  const lo = Math.log10(0.25);
  const hi = Math.log10(Math.max(2, ...rows.map((r) => r.ratio ?? 1)));
  const x = (ratio) => left + ((width - left - 60) * (Math.log10(Math.max(0.25, ratio)) - lo)) / (hi - lo);
  let y = 50;
  const parts = [];
  for (const g of groups) {
    const ref = refOf(rows.find((rr) => rr.workload === g));
    parts.push(`<text x="8" y="${y + 11}" font-size="12" font-weight="bold">${g}${ref === 'C (libmnl)' ? '' : ` (× ${ref})`}</text>`);
    y += 16;
    for (const r of rows.filter((rr) => rr.workload === g && rr.tool !== ref && rr.ratio !== null)) {
      const c = colors[tools.indexOf(r.tool) % colors.length];
      parts.push(`<text x="24" y="${y + 10}" font-size="11">${r.tool}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(r.ratio) - left).toFixed(1)}" height="${rowH - 3}" fill="${c}"/>`);
      parts.push(`<text x="${(x(r.ratio) + 4).toFixed(1)}" y="${y + 10}" font-size="11">${r.ratio.toFixed(2)}×</text>`);
      y += rowH;
    }
    y += 8;
  }
  for (const tick of [0.25, 0.5, 1, 2, 5, 10, 30, 100, 300].filter((t) => Math.log10(t) <= hi)) {
    const strong = tick === 1;
    parts.push(`<line x1="${x(tick)}" y1="40" x2="${x(tick)}" y2="${y}" stroke="${strong ? '#333' : '#ccc'}" ${strong ? '' : 'stroke-dasharray="2,2"'}/>`);
    parts.push(`<text x="${x(tick) - 8}" y="36" font-size="10" fill="#666">${tick}×${strong ? ' (reference)' : ''}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="18" font-size="14" font-weight="bold">${title}</text>
${parts.join('\n')}
</svg>
`;
}

function render() {
  const r = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8'));
  writeFileSync(join(root, 'benchmark.svg'), chart(r.results, `netns-link: time as a ratio to the reference (log scale; left of 1× is faster) — ${r.date}, ${r.machine}`));
  const lines = [
    `Measured ${r.date} on ${r.machine}; medians of ${r.reps} repetitions; "× ref" is the ratio to the C reference, or for W5 (NAT, where there is no C reference) to one \`nft -f\` script (lower is faster).`,
    '',
    '| workload | tool | total | per op | × ref |',
    '|---|---|---:|---:|---:|',
  ];
  for (const x of r.results) {
    const total = x.us >= 1e4 ? `${(x.us / 1e3).toFixed(0)} ms` : `${(x.us / 1e3).toFixed(1)} ms`;
    const name = x.tool.startsWith('netns-link') ? `**${x.tool}**` : x.tool;
    lines.push(`| ${x.workload} | ${name} | ${total} | ${x.perOp.toFixed(1)} ${x.unit} | ${x.ratio === null ? '' : x.ratio.toFixed(2)} |`);
  }
  const m = r.memory;
  lines.push(
    '',
    `Memory: ${m.namespaces} open namespaces cost ${m.fdsPerNamespace} descriptors each (the namespace's and its socket); after close, ${m.fdsAfterClose} descriptors more than before. Over three further open/close cycles once the allocators settled, RSS moved by ${m.rssGrowthOverThreeMoreCyclesKiB} KiB and the V8 heap with its external memory by ${m.heapGrowthOverThreeMoreCyclesKiB} KiB.`,
    '',
    '![time as a ratio to the reference, per workload and tool](benchmark.svg)',
  );
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no bench markers');
  writeFileSync(join(root, 'README.md'), `${readme.slice(0, a + start.length)}\n${lines.join('\n')}\n${readme.slice(b)}`);
}

module.exports = { render };
if (require.main === module) render();
