#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The engine's files call each other in one direction only
# (kiosk/engine/engine_internal.h, "Dependency direction"): from the
# symbols each object of libkx_engine.a defines and uses, no two engine
# files may call each other, and no job-side file may call a file of the
# main loop's side (jobs never see the session).
set -u
LIB="${KX_BUILD:?}/kiosk/engine/libkx_engine.a"
[ -f "$LIB" ] || { echo "not ok - $LIB not built"; exit 1; }
nm -A "$LIB" 2>/dev/null | /usr/bin/python3 -c '
import sys, collections
defs, uses = collections.defaultdict(set), collections.defaultdict(set)
for line in sys.stdin:
    head, _, rest = line.rpartition(":")
    obj = head.split(":")[-1].split(".")[0]
    p = rest.split()
    if len(p) == 3 and p[1] in "TDRB":
        defs[obj].add(p[2])
    elif len(p) == 2 and p[0] == "U":
        uses[obj].add(p[1])
owner = {s: o for o, ss in defs.items() for s in ss}
calls = {o: {owner[s] for s in uses[o] if owner.get(s, o) != o} for o in defs}
# the main loop files; a job-side file (jobs*.c, worker.c, devices.c,
# recovery.c, staff_record.c, certinfo.c) must not call them
loop_side = {"state", "clients", "session", "staff_session", "staff_actions",
             "maintenance", "staff_cmds", "server", "engine", "print", "print_staff"}
def job_side(o):
    return o.startswith("jobs") or o in {"worker", "devices", "recovery", "staff_record",
                                         "certinfo"}
bad = 0
for a in sorted(calls):
    for b in sorted(calls[a]):
        if a < b and a in calls.get(b, ()):
            print(f"not ok - {a}.c and {b}.c call each other"); bad += 1
        if job_side(a) and b in loop_side:
            print(f"not ok - job-side {a}.c calls {b}.c of the main loop"); bad += 1
if len(defs) < 10:
    print(f"not ok - only {len(defs)} objects in the archive"); bad += 1
print(f"{len(defs)} objects, {sum(len(c) for c in calls.values())} cross-file dependencies, {bad} violations")
sys.exit(1 if bad else 0)
'
