#!/bin/bash
# npm run test:asan [-- TEST FILE...]: the addon and the exec helper built with AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc's runtimes) by cmake-js in build-asan/, then the suite, or
# only the test files named, loading them through NETNS_LINK_ADDON and NETNS_LINK_HELPER. The
# release build in build/Release is never touched: nothing to restore, also after an interrupt.
# Node itself is not instrumented, so the runtimes are preloaded into every process the tests
# start. Any report, also from a child whose failure a test expected, is written under
# build-asan/reports/ and fails the run (UBSan's through scripts/ubsan-log.c: gcc's UBSan
# runtime beside ASan's does not apply UBSAN_OPTIONS' log_path).
set -u
cd "$(dirname "$0")/.."
dir="$PWD/build-asan"
reports="$dir/reports"

# Warnings are errors (CMakeLists.txt's NETNS_LINK_WERROR, on in every developer build).
node scripts/native-build.js asan || exit 1
for f in netns_link.node netns-link-exec; do
  if ! nm -D "$dir/$f" | grep -q __asan_init; then
    echo "test:asan: $dir/$f was built without AddressSanitizer" >&2
    exit 1
  fi
done

rm -rf "$reports" && mkdir -p "$reports"
export NETNS_LINK_ADDON="$dir/netns_link.node" NETNS_LINK_HELPER="$dir/netns-link-exec"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$reports/asan:suppressions=$PWD/scripts/asan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"

# The tests load the library from dist/: one built before the override would load build/Release.
if ! node -e '
  require("./dist/native.js");
  const maps = require("node:fs").readFileSync("/proc/self/maps", "utf8");
  const helper = require("./dist/process.js").helperPath();
  process.exit(maps.includes(process.env.NETNS_LINK_ADDON) && helper === process.env.NETNS_LINK_HELPER ? 0 : 1);
'; then
  echo "test:asan: dist/ does not load build-asan's addon and helper (NETNS_LINK_ADDON, NETNS_LINK_HELPER): run npm run prepare" >&2
  exit 1
fi

npx tap --disable-coverage "$@"
status=$?

if compgen -G "$reports/*" >/dev/null; then
  echo "test:asan: sanitizer reports:" >&2
  head -n 60 "$reports"/* >&2
  exit 1
fi
echo "test:asan: no sanitizer report (tap exit $status)"
exit "$status"
