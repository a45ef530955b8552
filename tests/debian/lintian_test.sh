#!/bin/sh
# Builds the Debian package as a release does (cpack, from the build directory's CPackConfig),
# into a temporary directory, and runs lintian on it. Fails on any error, and on any warning
# other than the known ones below (README.md, "Running it as a service", says why each stays).
#   sh tests/debian/lintian_test.sh CPACK_COMMAND CPACK_CONFIG
set -eu
cpack="$1"
config="$2"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# The warnings that stay, one per line as lintian prints them after the package name: the
# credentials directory is root-only on purpose (it holds secrets).
known_warnings="
non-standard-dir-perm 0700 != 0755 [etc/sluice/credentials/]
"

if ! "$cpack" --config "$config" -G DEB -B "$out" >"$out/cpack.log" 2>&1; then
  cat "$out/cpack.log"
  exit 1
fi
deb="$(ls "$out"/*.deb)"
lintian --tag-display-limit 0 -EvIL +pedantic "$deb" >"$out/lintian.log" 2>&1 || true
grep -E '^[EWIPXO]: ' "$out/lintian.log" || true

status=0
if grep -q '^E: ' "$out/lintian.log"; then
  echo "FAILED: lintian reports errors"
  status=1
fi
grep '^W: ' "$out/lintian.log" | sed 's/^W: [^:]*: //' | while IFS= read -r warning; do
  if ! printf '%s\n' "$known_warnings" | grep -Fxq -- "$warning"; then
    echo "FAILED: a new lintian warning: $warning"
    exit 1
  fi
done || status=1
exit $status
