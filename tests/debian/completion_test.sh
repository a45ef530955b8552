#!/bin/bash
# Sources completion/sluice.bash and completes partial command lines as bash would (COMP_WORDS,
# COMP_CWORD), checking the candidates. With the sluice binary as $2, also checks that each
# command's completed options include every option its `--help` lists, so that the completion
# cannot fall behind daemon/cli.cpp.
#   bash tests/debian/completion_test.sh COMPLETION_SCRIPT [SLUICE_BINARY]
set -u
completion="$1"
binary="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
config="$here/completion_test.toml"
# shellcheck source=/dev/null
. "$completion" || exit 1

failures=0

# The sorted candidates for the words given, the last one being the word under the cursor.
candidates() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _sluice
  printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() {
  local want="$1"
  shift
  local got
  got="$(candidates "$@")"
  if [ "$got" = "$want" ]; then
    echo "ok: '$*' -> $got"
  else
    echo "FAILED: '$*': expected '$want', got '$got'"
    failures=$((failures + 1))
  fi
}

# Commands and options.
expect "sync" sluice sy
expect "backfill" sluice b
expect "check" sluice che
expect "--source" sluice sync --so
expect "--no-wait" sluice sync --no
expect "--since --source --stream" sluice backfill --s
expect "--dry-run" sluice verify --d
expect "--json" sluice status --j
expect "--interval" sluice status --i
expect "pause" sluice pa
expect "reset resume" sluice re
expect "--reason" sluice pause --r
expect "eu" sluice resume -c "$config" --source e
expect "" sluice pause --reason ""
expect "--log-format --log-level" sluice --log
expect "--config" sluice sync --conf
expect "warn" sluice --log-level w
expect "json text" sluice sync --log-format ""
expect "sync" sluice -c "$config" sy
expect "" sluice migrate --so

# Source names from the file given by -c/--config (before or after the command, or as --config=).
expect "crm.fr eu ops-db shots us" sluice sync -c "$config" --source ""
expect "crm.fr eu ops-db shots us" sluice -c "$config" verify --source ""
expect "eu" sluice backfill --config "$config" --source e
expect "crm.fr eu ops-db shots us" sluice reset --config = "$config" --source = ""
expect "crm.fr eu ops-db shots us" sluice reset -c "$config" --source =
# ... from $SLUICE_CONFIG without -c, and none from a file that does not exist.
SLUICE_CONFIG="$config" expect "crm.fr eu ops-db shots us" sluice sync --source ""
SLUICE_CONFIG=/nonexistent/sluice.toml expect "" sluice sync --source ""

# Stream names: a kind's streams, or the table's `streams` (one line or several), of the sources
# named on the line, else of every source.
expect "businesses reviews" sluice sync -c "$config" --source eu --stream ""
expect "reviews" sluice sync -c "$config" --source us --stream ""
expect "contact task" sluice sync -c "$config" --source crm.fr --stream ""
expect "items" sluice verify -c "$config" --source shots --stream ""
expect "businesses items reviews" sluice sync -c "$config" --source eu --source shots --stream ""
expect "businesses contact items reviews task" sluice sync -c "$config" --stream ""
expect "businesses reviews" sluice sync -c "$config" --source ops-db --stream ""
expect "reviews" sluice sync -c "$config" --stream r

# Files after -c.
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
: >"$dir/sluice-a.toml"
expect "$dir/sluice-a.toml" sluice -c "$dir/sluice-"

# Each command's options, against the binary's own help.
if [ -n "$binary" ]; then
  help_options() {
    "$binary" "$@" --help | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | sed 's/^[ ,]//' | sort -u
  }
  for command in "" run sync backfill check status reset migrate verify; do
    # shellcheck disable=SC2086
    completed="$(candidates sluice $command - | tr ' ' '\n')"
    # shellcheck disable=SC2086
    for option in $(help_options $command); do
      if ! printf '%s\n' "$completed" | grep -qx -- "$option"; then
        echo "FAILED: 'sluice $command --help' lists $option, which the completion does not offer"
        failures=$((failures + 1))
      fi
    done
  done
  echo "checked every command's options against $binary --help"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures completion check(s) failed"
  exit 1
fi
echo "all completion checks passed"
