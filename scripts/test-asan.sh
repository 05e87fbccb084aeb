#!/bin/bash
# npm run test:asan: the addon and the exec helper built with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc's runtimes), then the whole suite. Node itself is not
# instrumented, so the runtimes are preloaded into every process the tests start. Any report,
# also from a child whose failure a test expected, is written under build/asan/ and fails the run.
# The normal build is restored afterwards, pass or fail.
set -u
cd "$(dirname "$0")/.."
# Warnings are errors in the repository's own builds (binding.gyp).
export NETNS_LINK_WERROR=1
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
reports="$PWD/build/asan"

restore() {
  if ! npx node-gyp rebuild >/dev/null 2>&1; then
    echo "test:asan: the normal addon did not rebuild: run npm run build" >&2
    exit 1
  fi
}
trap restore EXIT

CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" npx node-gyp rebuild >/dev/null || exit 1
if ! nm -D build/Release/netns_link.node | grep -q __asan_init; then
  echo "test:asan: the addon was built without AddressSanitizer" >&2
  exit 1
fi
rm -rf "$reports" && mkdir -p "$reports"

LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$reports/asan:suppressions=$PWD/scripts/asan.supp" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan" \
  npx tap --disable-coverage
status=$?

if compgen -G "$reports/*" >/dev/null; then
  echo "test:asan: sanitizer reports:" >&2
  head -n 60 "$reports"/* >&2
  exit 1
fi
echo "test:asan: no sanitizer report (tap exit $status)"
exit "$status"
