// After prebuildify: ship the netns-link-exec helper beside the prebuilt addon (prebuildify
// copies only .node files), stripped like it.
'use strict';
const { copyFileSync, chmodSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const to = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'netns-link-exec');
copyFileSync(join(root, 'build', 'Release', 'netns-link-exec'), to);
chmodSync(to, 0o755);
execFileSync('strip', [to]);
