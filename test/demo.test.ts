// `npm run demo`: two stations on a veth pair, pinging both ways, everything removed after.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { uniqueName } from './helpers';

t.test('the demo builds the network, pings across, and removes it', async (t) => {
  const name = uniqueName('demo');
  const { stdout } = await promisify(execFile)('node', [join(__dirname, '..', 'examples', 'demo.js'), name]);
  t.comment(stdout);
  t.match(stdout, /ping A -> B\s+64 bytes from 192\.0\.2\.48/);
  t.match(stdout, /ping B -> A\s+64 bytes from 192\.0\.2\.78/);
  t.match(stdout, /removed/);
  t.notOk(existsSync(`/run/netns/${name}`), 'the namespace is gone');
});
