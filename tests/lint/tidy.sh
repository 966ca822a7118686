#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-tidy with the repository's .clang-tidy over every C file of a build
# (its compile_commands.json), as scripts/test runs it. Usage:
#   tests/lint/tidy.sh BUILD_DIR [--update]
# Fails on a finding that is not in tests/lint/tidy-known.txt, the findings
# the tree had when the check was switched on (one line per finding: file,
# check and the source line it points at, so that moving code does not
# matter; the same line twice in a file is listed twice). A fixed finding
# is reported so that its line can be removed; --update rewrites the list
# from this run, or with KX_TIDY_FILES only the lines of those files
# (review the diff: only ever remove lines by hand, add only a false
# positive, with the reason in the commit). Not a ctest: it takes
# a few minutes of both cores. KX_TIDY_FILES=REGEX (paths relative to the
# source, e.g. '^kiosk/core/') checks only those files, against their lines
# of the list.
set -uo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: tidy.sh BUILD_DIR [--update]}" && pwd) || exit 2
KNOWN="$S/tests/lint/tidy-known.txt"
[ -f "$BUILD/compile_commands.json" ] || { echo "tidy: no $BUILD/compile_commands.json"; exit 2; }
RUN=$(command -v run-clang-tidy-14 || command -v run-clang-tidy) ||
  { echo "tidy: run-clang-tidy not installed (clang-tidy, scripts/setup-deps)"; exit 2; }
out=$(mktemp); trap 'rm -f "$out"' EXIT
# only the project's own sources (not files generated in the build)
only=${KX_TIDY_FILES:-^(kiosk|drivers|tools|tests|bench)/}
(cd "$S" && "$RUN" -p "$BUILD" -j "$(nproc)" -quiet "^$S/${only#^}" >"$out" 2>/dev/null)
/usr/bin/python3 - "$S" "$out" "$KNOWN" "${2:-}" "$only" <<'PY'
import collections, os, re, sys
src, out, known_path, mode, only = sys.argv[1:6]
src = os.path.realpath(src)
ansi = re.compile(r"\x1b\[[0-9;]*m")
pat = re.compile(r"^(/[^:]+):(\d+):\d+: (warning|error): (.*) \[([\w.,-]+)\]$")
found = {}
lines_of = {}
for raw in open(out, errors="replace"):
    m = pat.match(ansi.sub("", raw.rstrip("\n")))
    if not m:
        continue
    path, line, _, msg, check = m.groups()
    # a header found through a library's include root in the build
    # (cmake/KxLayers.cmake: a link to its folder) under its own path
    path = os.path.realpath(path)
    if not path.startswith(src + "/"):
        continue
    path = path[len(src) + 1:]
    if re.match(only, path):
        found[(path, int(line), check)] = msg
def text(path, line):
    if path not in lines_of:
        try:
            lines_of[path] = open(src + "/" + path, errors="replace").read().split("\n")
        except OSError:
            lines_of[path] = []
    ls = lines_of[path]
    return " ".join(ls[line - 1].split()) if 0 < line <= len(ls) else ""
now = collections.Counter()
where = collections.defaultdict(list)
for (path, line, check), msg in found.items():
    key = "%s|%s|%s" % (path, check, text(path, line))
    now[key] += 1
    where[key].append("%s:%d: %s [%s]" % (path, line, msg, check))
if mode == "--update":
    # with KX_TIDY_FILES only those files' lines are replaced
    kept = []
    try:
        for l in open(known_path):
            l = l.rstrip("\n")
            if l.strip() and not l.startswith("#") and not re.match(only, l.split("|")[0]):
                kept.append(l)
    except OSError:
        pass
    with open(known_path, "w") as f:
        f.write("# clang-tidy findings the tree had when tests/lint/tidy.sh was switched on:\n"
                "# file|check|source line. Remove a line when its finding is fixed.\n")
        for key in sorted(kept + list(now.elements())):
            f.write(key + "\n")
    print("tidy: %d findings written to %s" % (len(kept) + sum(now.values()), known_path))
    sys.exit(0)
known = collections.Counter()
try:
    for l in open(known_path):
        if l.strip() and not l.startswith("#") and re.match(only, l.split("|")[0]):
            known[l.rstrip("\n")] += 1
except OSError:
    pass
new = now - known
gone = known - now
for key in sorted(new):
    for w in where[key][-new[key]:]:
        print("NEW " + w)
if gone:
    print("tidy: %d listed findings are gone (fixed or moved): remove them from "
          "tests/lint/tidy-known.txt:" % sum(gone.values()))
    for key in sorted(gone.elements()):
        print("  " + key)
print("tidy: %d findings, %d listed in tidy-known.txt, %d new"
      % (sum(now.values()), sum((now & known).values()), sum(new.values())))
sys.exit(1 if new else 0)
PY
