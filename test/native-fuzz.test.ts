// The native reply loop's fuzz target, replayed over every saved input (the seeds and each crash
// libFuzzer ever found): built with AddressSanitizer and UBSan where the compiler has them, and
// trapping on any broken invariant. `npm run fuzz` runs libFuzzer itself for a bounded time.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

t.test('the saved fuzz inputs all pass the native reply loop', async (t) => {
  const corpus = join(__dirname, 'fuzz-corpus', 'exchange');
  const saved = readdirSync(corpus).length;
  const { stdout } = await promisify(execFile)('node', [join(__dirname, '..', 'scripts', 'fuzz-native.js'), 'replay'], { maxBuffer: 16 << 20 });
  const m = /replayed (\d+) inputs: (\d+) batches \((\d+) refused\), (\d+) messages kept, (\d+) dropped/.exec(stdout);
  t.ok(m, `the replay reports: ${stdout.trim()}`);
  t.equal(Number(m?.[1]), saved, 'every saved input ran');
  t.ok(Number(m?.[3]) > 0, 'some batches were refused whole');
  t.ok(Number(m?.[4]) > 0, 'replies were kept');
  t.ok(Number(m?.[5]) > 0, 'stray replies were dropped');
});
