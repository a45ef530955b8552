# bash completion for sluice(1)                            -*- shell-script -*-
#
# Completes commands, each command's options, the values of --log-level and --log-format, files
# after -c/--config, and source and stream names read from the configuration file the command
# line would use (-c/--config FILE, else $SLUICE_CONFIG, else /etc/sluice/sluice.toml).
#
# Self-contained (no bash-completion helpers), so that it also works when sourced on its own.
# The option lists mirror daemon/cli.cpp; tests/debian/completion_test.sh compares them with
# `sluice <command> --help` of the built binary.

_sluice_commands="run sync backfill check status reset migrate verify pause resume"
_sluice_global_options="-h --help --version -c --config --log-level --log-format"

# The options a command adds to the global ones.
_sluice_command_options() {
  case "$1" in
    sync) echo "--source --stream --full --no-wait" ;;
    backfill) echo "--source --stream --since --until" ;;
    status) echo "--json --watch --interval" ;;
    reset) echo "--source --stream" ;;
    pause) echo "--source --stream --reason" ;;
    resume) echo "--source --stream" ;;
    verify) echo "--source --stream --dry-run --json" ;;
  esac
}

# Every stream of a kind: what a source without `streams = [...]` syncs (connectors/registry.cpp).
_sluice_kind_streams() {
  case "$1" in
    partoo | cloutly) echo "reviews businesses" ;;
    cloudapp) echo "items" ;;
    clevertim) echo "contact company case opportunity task note customfield" ;;
  esac
}

# Prints "NAME KIND STREAM..." for each [sources.NAME] table of the TOML file $1 (STREAM... only
# when the table sets `streams`). A line-based reading that covers what sluice.toml(5) shows:
# table headers, `kind = "..."`, and `streams = [...]` on one line or several.
_sluice_read_sources() {
  [ -r "$1" ] || return 0
  awk '
    function flush() {
      if (name != "") print name, kind, streams
      name = ""; kind = ""; streams = ""; inner = 0
    }
    function unquote(s) { gsub(/["'\''[:space:]]/, "", s); return s }
    { sub(/^[[:space:]]+/, "") }
    /^#/ { next }
    in_streams {
      line = $0; sub(/#.*/, "", line)
      if (line ~ /\]/) { sub(/\].*/, "", line); in_streams = 0 }
      gsub(/[",'\''[]/, " ", line); streams = streams " " line
      next
    }
    /^\[/ {
      # [sources.NAME], [sources."NAME"] or a table inside a source ([sources.NAME.max_staleness]).
      header = $0; sub(/^\[+[[:space:]]*/, "", header)
      if (header !~ /^sources[[:space:]]*\./) { flush(); next }
      sub(/^sources[[:space:]]*\.[[:space:]]*/, "", header)
      if (header ~ /^["'\'']/) {
        quote = substr(header, 1, 1); header = substr(header, 2)
        table = substr(header, 1, index(header, quote) - 1)
        rest = substr(header, index(header, quote) + 1)
      } else {
        table = header; sub(/[[:space:]]*[.\]].*/, "", table)
        rest = substr(header, length(table) + 1)
      }
      sub(/^[[:space:]]*/, "", rest)
      is_inner = rest ~ /^\./
      if (!(is_inner && table == name)) { flush(); name = table }
      inner = is_inner
      next
    }
    inner { next }
    name != "" && /^kind[[:space:]]*=/ {
      value = $0; sub(/^kind[[:space:]]*=[[:space:]]*/, "", value); sub(/[[:space:]]*#.*/, "", value)
      kind = unquote(value); next
    }
    name != "" && /^streams[[:space:]]*=/ {
      line = $0; sub(/^streams[[:space:]]*=[[:space:]]*\[?/, "", line); sub(/#.*/, "", line)
      if (line ~ /\]/) sub(/\].*/, "", line); else in_streams = 1
      gsub(/[",'\'']/, " ", line); streams = line
      next
    }
    END { flush() }
  ' "$1" 2>/dev/null | awk '{ $1 = $1; print }'
}

_sluice() {
  local cur prev i word command="" config="" sources="" words
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD - 1]}"
  # `--opt=VALUE`: bash splits at '=' (COMP_WORDBREAKS), so the option is two words back.
  if [ "$cur" = "=" ]; then
    cur=""
  elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
    prev="${COMP_WORDS[COMP_CWORD - 2]}"
  fi

  # What the words before the cursor say: the command, the configuration file, the sources.
  i=1
  while [ "$i" -lt "$COMP_CWORD" ]; do
    word="${COMP_WORDS[i]}"
    local value="${COMP_WORDS[i + 1]-}"
    if [ "$value" = "=" ]; then
      value="${COMP_WORDS[i + 2]-}"
      i=$((i + 1))
    fi
    case "$word" in
      -c | --config)
        [ $((i + 1)) -lt "$COMP_CWORD" ] && config="$value"
        i=$((i + 1))
        ;;
      --source)
        [ $((i + 1)) -lt "$COMP_CWORD" ] && sources="$sources $value"
        i=$((i + 1))
        ;;
      --stream | --since | --until | --reason | --interval | --log-level | --log-format)
        i=$((i + 1))
        ;;
      -*) ;;
      *) [ -z "$command" ] && command="$word" ;;
    esac
    i=$((i + 1))
  done
  [ -n "$config" ] || config="${SLUICE_CONFIG:-/etc/sluice/sluice.toml}"
  config="${config/#\~/$HOME}"

  case "$prev" in
    -c | --config)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
      ;;
    --log-level)
      mapfile -t COMPREPLY < <(compgen -W "trace debug info warn error" -- "$cur")
      return 0
      ;;
    --log-format)
      mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
      return 0
      ;;
    --source)
      words="$(_sluice_read_sources "$config" | awk '{ print $1 }' | sort -u)"
      mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
      return 0
      ;;
    --stream)
      # The streams of the sources named so far on the line, else of every source.
      words="$(_sluice_read_sources "$config" | while read -r name kind streams; do
        if [ -n "$sources" ]; then
          case " $sources " in *" $name "*) ;; *) continue ;; esac
        fi
        if [ -n "$streams" ]; then echo "$streams"; else _sluice_kind_streams "$kind"; fi
      done | tr ' ' '\n' | sort -u)"
      mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
      return 0
      ;;
    --since | --until | --reason | --interval)
      return 0
      ;;
  esac

  if [ -z "$command" ]; then
    case "$cur" in
      -*) words="$_sluice_global_options" ;;
      *) words="$_sluice_commands" ;;
    esac
  else
    words="$(_sluice_command_options "$command") $_sluice_global_options"
  fi
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  return 0
}

complete -F _sluice sluice
