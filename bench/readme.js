// Rewrites README.md's benchmark table (between the bench markers) from bench/results.json, so
// the README says exactly what the last full `npm run bench` measured.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const r = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8'));
const lines = [
  `Measured ${r.date} on ${r.machine}; medians of ${r.reps} repetitions; "× C" is the ratio to the C reference (lower is faster).`,
  '',
  '| workload | tool | total | per op | × C |',
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
  '![ratio to the C reference, per workload and tool](bench/chart.svg)',
);
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md has no bench markers');
writeFileSync(join(root, 'README.md'), `${readme.slice(0, a + start.length)}\n${lines.join('\n')}\n${readme.slice(b)}`);
