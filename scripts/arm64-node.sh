#!/bin/bash
# Optional, for test/package.test.ts: Debian's arm64 node, unpacked into a private root (nothing
# is installed into the system), so that the linux-arm64 prebuild can be loaded under qemu-user:
#
#   apt-get install qemu-user && dpkg --add-architecture arm64 && apt-get update
#   bash scripts/arm64-node.sh          # into node_modules/.cache/netns-link/arm64-root
#   qemu-aarch64 -L ROOT ROOT/usr/bin/node -e 'console.log(process.arch)'
#
# NETNS_LINK_ARM64_ROOT names another directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${NETNS_LINK_ARM64_ROOT:-$PWD/node_modules/.cache/netns-link/arm64-root}"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "arm64-node: Debian's arm64 packages are not configured: dpkg --add-architecture arm64 && apt-get update" >&2
  exit 2
fi
command -v qemu-aarch64 >/dev/null || echo "arm64-node: qemu-aarch64 is missing to run it: apt-get install qemu-user" >&2

# nodejs:arm64 and what it needs, recursively; the arch-independent parts (Debian's node loads
# acorn, cjs-module-lexer and undici from /usr/share/nodejs) appear as <name:arm64>.
deps="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances nodejs:arm64)"
mapfile -t native < <(sed -n 's/^ *\(Pre\)\?\(Depends: \)\?\([a-z0-9.+-]*\):arm64$/\3:arm64/p' <<<"$deps" | sort -u)
mapfile -t shared < <(sed -n 's/^ *\(Pre\)\?\(Depends: \)\?<\([a-z0-9.+-]*\):arm64>$/\3/p' <<<"$deps" | sort -u)
download=("${native[@]}")
for p in "${shared[@]}"; do
  [[ " ${native[*]} " == *" $p:arm64 "* ]] || download+=("$p")
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "${download[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
ls "$tmp"/nodejs_*_arm64.deb >/dev/null
rm -rf "$root" && mkdir -p "$root"
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$root"; done
echo "arm64-node: $(ls "$tmp" | wc -l) packages unpacked into $root"
if command -v qemu-aarch64 >/dev/null; then
  qemu-aarch64 -L "$root" "$root/usr/bin/node" -p '`node ${process.version} ${process.arch}, N-API ${process.versions.napi}`'
fi
