// The benchmark's ratios (bench/readme.js): a row measured round robin is compared with its
// reference round by round, a row measured otherwise by its median; the table shows the rounds'
// range. No kernel: rows as `npm run bench` records them.
import t from 'tap';

interface Row {
  workload: string;
  tool: string;
  us: number;
  perOp: number;
  unit: string;
  reps?: number[];
  ratio?: number | null;
  ratioRange?: [number, number] | null;
  pair?: string;
  pairRatio?: number | null;
  pairRange?: [number, number] | null;
}
// Plain CommonJS without types: what the test uses of it, typed here.
const readme = require('../bench/readme.js') as {
  median(xs: number[]): number;
  ratioTo(r: Row, other: Row): { ratio: number; range: [number, number] | null };
  markdown(rows: Row[]): string;
};

const row = (tool: string, reps: number[] | undefined, us: number): Row => ({ workload: 'W1 setup, N=100', tool, us, perOp: us / 700, unit: 'µs per operation', ...(reps ? { reps } : {}) });

t.test('round robin: the median of the rounds own ratios, with their range', async (t) => {
  // The kernel slows down from round to round; the library is 1.2× C in each round.
  const c = row('C pipelined', [100, 150, 200], 150);
  const lib = row('netns-link phased', [120, 180, 240], 180);
  const r = readme.ratioTo(lib, c);
  t.ok(Math.abs(r.ratio - 1.2) < 1e-9, `1.2 in every round: ${r.ratio}`);
  t.same(r.range!.map((x) => +x.toFixed(6)), [1.2, 1.2]);
  // Medians from different rounds would say otherwise when the rounds disagree.
  const skew = row('netns-link chained per host', [300, 150, 210], 210);
  const s = readme.ratioTo(skew, c);
  t.ok(Math.abs(s.ratio - 1.05) < 1e-9, `rounds 3.0, 1.0, 1.05: the median 1.05, not 210/150 = 1.4: ${s.ratio}`);
  t.same(s.range!.map((x) => +x.toFixed(6)), [1, 3]);
});

t.test('without a time per round for both: the ratio of the medians, no range', async (t) => {
  const c = row('C (libmnl)', undefined, 200);
  const lib = row('netns-link', undefined, 300);
  t.same(readme.ratioTo(lib, c), { ratio: 1.5, range: null });
  // Rounds that do not line up (a different count) are not paired.
  t.same(readme.ratioTo(row('x', [1, 2, 3], 2), row('y', [1, 2], 4)), { ratio: 0.5, range: null });
});

t.test('the table shows the range where the rounds differ, and a pair ratio with its reference', async (t) => {
  const rows: Row[] = [
    { ...row('C pipelined', [100, 150, 200], 150), ratio: 1, ratioRange: [1, 1] },
    { ...row('netns-link one at a time', [200, 330, 380], 330), ratio: 1.9, ratioRange: [1.9, 2.2], pair: 'C sequential (libmnl)', pairRatio: 1.5, pairRange: [1.41, 1.62] },
  ];
  const lines = readme.markdown(rows).split('\n');
  t.match(lines[2], /\| C pipelined \| 0\.15 ms \| .* \| 1\.00 \|  \|$/u, 'the reference: 1.00 and no range');
  t.match(lines[3], /\| 1\.90 \(1\.90–2\.20\) \| 1\.50 \(1\.41–1\.62\) × C sequential \(libmnl\) \|$/u, 'ratio and pair, each with its range');
  t.equal(readme.median([3, 1, 2]), 2);
  t.equal(readme.median([4, 1, 3, 2]), 3, 'an even count: the upper middle');
});
