#!/bin/sh
# Renders each man page given as a user would read it (man -l, 80 columns) and fails on any
# warning groff or man prints (a line too long to break, a table wider than the page, a bad
# request), since those show up as garbled text.
#   sh tests/debian/man_render_test.sh PAGE...
set -u
status=0
for page in "$@"; do
  warnings="$(MANWIDTH=80 man -l --warnings "$page" 2>&1 >/dev/null)"
  if [ -n "$warnings" ]; then
    echo "FAILED: $page renders with warnings:"
    echo "$warnings"
    status=1
  elif [ -z "$(MANWIDTH=80 man -l "$page" 2>/dev/null | head -1)" ]; then
    echo "FAILED: $page renders as nothing"
    status=1
  else
    echo "ok: $page"
  fi
done
exit $status
