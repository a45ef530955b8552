#!/usr/bin/env python3
"""Checks that the man pages document everything sluice has, from where it is declared:

- every command and option of `sluice --help` and `sluice <command> --help` (the built binary),
  each option in its command's section of sluice(1);
- every exit code of daemon/exit_codes.hpp, in EXIT STATUS of sluice(1);
- every environment variable the sources read (getenv), and the proxy variables, in ENVIRONMENT;
- the systemd units of systemd/, in FILES;
- every configuration key, in its table's section of sluice.toml(5), with its declared default
  and whether SIGHUP applies it, a secret with its _env and _file forms. The keys come from their one declaration, daemon/config_keys.cpp, and from
  etc/sluice.example.toml, which config_test checks against that declaration (every declared key
  and no other): a key the parse of the C++ misses is still caught through the example.

Usage: man_pages_test.py SOURCE_DIR SLUICE_BINARY
"""
import pathlib
import re
import subprocess
import sys

# The per-source proxy (net/ and daemon/config_keys.cpp are adding it): documented already, and
# required here whether or not it is declared yet.
EXPECTED_SOURCE_SECRETS = {"proxy"}
# Read by the HTTP client for the proxy support (curl's conventions), whether or not the code
# that reads them has landed yet.
EXPECTED_ENVIRONMENT = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY",
                        "no_proxy", "SLUICE_CONFIG", "JOURNAL_STREAM", "NOTIFY_SOCKET",
                        "CREDENTIALS_DIRECTORY"}
# Where the code that runs in the sluice binary lives (tests and the fake API are not sluice).
CODE_DIRS = ["core", "net", "store", "connectors", "daemon"]

failures = []


def fail(message):
    failures.append(message)
    print("FAILED: " + message)


def sections(scd_text):
    """The text under each `# TITLE` heading, and under each `## name` subheading as
    `TITLE/name`."""
    out = {}
    title = sub = None
    for line in scd_text.splitlines():
        if line.startswith("# "):
            title, sub = line[2:].strip(), None
            out[title] = ""
        elif line.startswith("## ") and title:
            sub = line[3:].strip()
            out[f"{title}/{sub}"] = ""
        elif title:
            out[title] += line + "\n"
            if sub:
                out[f"{title}/{sub}"] += line + "\n"
    return out


def term_lines(text):
    """The lines that start an indented definition (a term at column 0 followed by a tab-indented
    body): where scdoc pages document an option, a key, a variable or a code."""
    lines = text.splitlines()
    return [l for i, l in enumerate(lines)
            if l and not l[0].isspace() and i + 1 < len(lines) and lines[i + 1].startswith("\t")]


def bold_words(line):
    return {w.replace("\\", "") for w in re.findall(r"\*([^*\s]+(?:\\\*[^*\s]*)?)\*", line)}


# -- commands and options --------------------------------------------------------------------

def help_of(binary, *args):
    result = subprocess.run([binary, *args, "--help"], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        fail(f"sluice {' '.join(args)} --help exited {result.returncode}: {result.stderr}")
    return result.stdout


def parse_help(text):
    """CLI11's help: the options (`-c,--config FILE  ...`) and the subcommands."""
    options, commands = set(), []
    part = None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            part = line[:-1].strip().lower()
            continue
        if not line.startswith(" "):
            continue
        first = line.split()[0] if line.split() else ""
        if part in ("options", "flags") or first.startswith("-"):
            options.update(o for o in first.split(",") if o.startswith("-"))
        elif part == "subcommands" and re.fullmatch(r"[a-z][a-z-]*", first):
            commands.append(first)
    return options, commands


def check_commands(page, binary):
    top_options, commands = parse_help(help_of(binary))
    if not commands:
        fail("`sluice --help` lists no commands (has its format changed?)")
    global_terms = set().union(*(bold_words(l) for l in term_lines(page.get("GLOBAL OPTIONS", ""))))
    for option in sorted(top_options):
        if option not in global_terms:
            fail(f"sluice(1) GLOBAL OPTIONS does not document {option} (from `sluice --help`)")
    synopsis = page.get("SYNOPSIS", "")
    for command in commands:
        section = page.get(f"COMMANDS/{command}")
        if section is None:
            fail(f"sluice(1) COMMANDS has no `## {command}` section")
            continue
        if f"*{command}*" not in synopsis:
            fail(f"sluice(1) SYNOPSIS does not show `sluice {command}`")
        options, _ = parse_help(help_of(binary, command))
        documented = set().union(*(bold_words(l) for l in term_lines(section)))
        for option in sorted(options - top_options - {"-h", "--help", "-c", "--config"}):
            if option not in documented:
                fail(f"sluice(1) `## {command}` does not document {option} "
                     f"(from `sluice {command} --help`)")
            if f"*{option}*" not in synopsis:
                fail(f"sluice(1) SYNOPSIS does not show {option} of {command}")
        for option in sorted(options & {"-c", "--config"}):
            if option not in global_terms:
                fail(f"sluice(1) does not document {option} of {command}")
    print(f"checked {len(commands)} commands and their options")


# -- exit codes, environment, files ----------------------------------------------------------

def check_exit_codes(page, source_dir):
    header = (source_dir / "daemon/exit_codes.hpp").read_text()
    codes = re.findall(r"inline\s+constexpr\s+int\s+\w+\s*=\s*(\d+)\s*;", header)
    if not codes:
        fail("no exit codes found in daemon/exit_codes.hpp (has its form changed?)")
    terms = set().union(*(bold_words(l) for l in term_lines(page.get("EXIT STATUS", ""))))
    for code in codes:
        if code not in terms:
            fail(f"sluice(1) EXIT STATUS does not document exit code {code}")
    print(f"checked {len(codes)} exit codes")


def check_environment(page, source_dir):
    read = set()
    for folder in CODE_DIRS:
        for path in (source_dir / folder).rglob("*"):
            if path.suffix not in (".cpp", ".hpp") or "tests" in path.parts:
                continue
            read.update(re.findall(r'getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"', path.read_text()))
    terms = set().union(*(bold_words(l) for l in term_lines(page.get("ENVIRONMENT", ""))))
    for name in sorted(read | EXPECTED_ENVIRONMENT):
        if name not in terms:
            fail(f"sluice(1) ENVIRONMENT does not document {name}")
    print(f"checked {len(read | EXPECTED_ENVIRONMENT)} environment variables")


def check_files(page, source_dir):
    files = page.get("FILES", "")
    units = [p.name[:-3] for p in (source_dir / "systemd").glob("*.service.in")]
    for wanted in ["/etc/sluice/sluice.toml", *units]:
        if wanted not in files:
            fail(f"sluice(1) FILES does not name {wanted}")


# -- configuration keys ----------------------------------------------------------------------

SECTION_FUNCTIONS = {"database_keys": "[database]", "daemon_keys": "[daemon]",
                     "alerts_keys": "[alerts]", "source_keys": "[sources.NAME]"}


def declared_keys(source_dir):
    """{table: {key: is_secret}} from daemon/config_keys.cpp's key tables."""
    text = (source_dir / "daemon/config_keys.cpp").read_text()
    out = {}
    for function, table in SECTION_FUNCTIONS.items():
        m = re.search(r"key_spec<[\w:]+>>\s+" + function + r"\(\)\s*\{(.*?)\n\}", text, re.S)
        if not m:
            fail(f"daemon/config_keys.cpp: no {function}() (has its form changed?)")
            continue
        keys = re.findall(r"\b(secret_key|plain|duration_key|custom)<[^;]*?>\(\s*\"([a-z_]+)\"",
                          m.group(1), re.S)
        if not keys:
            fail(f"daemon/config_keys.cpp: no keys found in {function}()")
        out[table] = {name: helper == "secret_key" for helper, name in keys}
    return out


def declared_defaults(source_dir):
    """{key: default as TOML text} for the keys whose declaration gives one (a C++ string
    literal: `plain<...>("schema", value_kind::identifier, "\\"sluice\\"", ...)`,
    `duration_key<...>("interval", "\\"15m\\"", ...)`, `k.default_value = "3"` after a key)."""
    text = (source_dir / "daemon/config_keys.cpp").read_text()
    literal = r'"((?:[^"\\]|\\.)*)"'
    out = {}
    patterns = [r'\bplain<[^;]*?>\(\s*"([a-z_]+)",\s*value_kind::\w+,\s*' + literal,
                r'\bduration_key<[^;]*?>\(\s*"([a-z_]+)",\s*' + literal,
                r'\bcustom<[^;]*?>\(\s*"([a-z_]+)",[^;]*;\s*k\.default_value\s*=\s*' + literal]
    for pattern in patterns:
        for name, value in re.findall(pattern, text, re.S):
            value = re.sub(r"\\(.)", r"\1", value)
            if value:
                out[name] = value
    return out


def example_keys(source_dir):
    """{table: {key}} from etc/sluice.example.toml, read as config_test reads it: `key = value`
    lines, commented or not, under table headers, commented or not; a secret shows up in any of
    its three forms."""
    out = {}
    table = None
    for line in (source_dir / "etc/sluice.example.toml").read_text().splitlines():
        header = re.fullmatch(r"[# ]*\[([A-Za-z0-9._-]+)\]\s*", line)
        if header:
            name = header.group(1)
            table = "[sources.NAME]" if name.startswith("sources.") else f"[{name}]"
            out.setdefault(table, set())
            continue
        assignment = re.match(r"[# ]*([a-z_]+)\s*=", line)
        if table and assignment:
            out[table].add(assignment.group(1))
    return out


def check_config_keys(page, source_dir):
    declared = declared_keys(source_dir)
    defaults = declared_defaults(source_dir)
    if len(defaults) < 10:
        fail(f"daemon/config_keys.cpp: only {len(defaults)} defaults found (has its form changed?)")
    declared.setdefault("[sources.NAME]", {}).update({k: True for k in EXPECTED_SOURCE_SECRETS})
    secrets = {(t, k) for t, keys in declared.items() for k, s in keys.items() if s}
    wanted = {(t, k) for t, keys in declared.items() for k in keys}
    for table, keys in example_keys(source_dir).items():
        for key in keys:
            base = re.sub(r"_(env|file)$", "", key)
            if key != base and (table, base) in secrets:
                continue
            wanted.add((table, key))
    count = 0
    for table, key in sorted(wanted):
        section = page.get(table)
        if section is None:
            fail(f"sluice.toml(5) has no `# {table}` section (for its key {key})")
            continue
        count += 1
        if not any(l.startswith(f"*{key}* (") for l in term_lines(section)):
            fail(f"sluice.toml(5) {table} does not document {key} (as `*{key}* (type; default; "
                 "reload)` followed by an indented description)")
        if (table, key) in secrets:
            for form in (f"{key}_env", f"{key}_file"):
                if f"*{form}*" not in section:
                    fail(f"sluice.toml(5) {table} does not name {form}, the other form of {key}")
        default = defaults.get(key)
        if default is not None and not re.search(
                r"^\*" + re.escape(key) + r"\* \(.*default: \*" + re.escape(default) + r"\*",
                section, re.M):
            fail(f"sluice.toml(5) {table} does not give {key} its declared default "
                 f"(`default: *{default}*`)")
        if not re.search(r"^\*" + re.escape(key) + r"\* \(.*reload: (applies|restart)\)",
                         section, re.M):
            fail(f"sluice.toml(5) {table} does not say whether SIGHUP applies {key} "
                 "(`reload: applies` or `reload: restart`)")
    print(f"checked {count} configuration keys")


def main():
    source_dir = pathlib.Path(sys.argv[1])
    binary = sys.argv[2]
    man = source_dir / "docs/man"
    sluice_1 = sections((man / "sluice.1.scd").read_text())
    sluice_toml_5 = sections((man / "sluice.toml.5.scd").read_text())
    check_commands(sluice_1, binary)
    check_exit_codes(sluice_1, source_dir)
    check_environment(sluice_1, source_dir)
    check_files(sluice_1, source_dir)
    check_config_keys(sluice_toml_5, source_dir)
    if failures:
        print(f"{len(failures)} problem(s): the man pages are in docs/man/*.scd (scdoc(5))")
        return 1
    print("the man pages document every command, option, exit code, variable and key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
