#!/usr/bin/env python3
"""engine/'s layout holds: its folders point one way and its includes have no cycle.

    check_layout.py [ROOT]

Reads every #include "..." in engine/ (and nothing else: no build, no compiler) and fails, naming
the files, when:
  - an include is not written from the repository's root ("engine/feed/parse.h", "ring/spsc.h")
    or names a file that does not exist;
  - a file includes a header of a later folder in a tick's order: base <- feed <- features <- model
    <- rows <- run <- agents <- engine/ itself (the wiring) <- cli;
  - the files' includes form a cycle.
Prints one line per check and exits 0 when all hold."""
import os
import re
import sys

ORDER = ["base", "feed", "features", "model", "rows", "run", "agents", "", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def rank(path: str) -> int:
    parts = path.split("/")  # engine/<folder>/<file> or engine/<file>
    folder = parts[1] if len(parts) > 2 else ""
    return ORDER.index(folder) if folder in ORDER else -1


def main(root: str) -> int:
    files = []
    for d, _, names in os.walk(os.path.join(root, "engine")):
        for n in names:
            if n.endswith((".c", ".h", ".cpp")):
                files.append(os.path.relpath(os.path.join(d, n), root))
    files.sort()
    errors, graph = [], {}
    for f in files:
        text = open(os.path.join(root, f), encoding="utf-8").read()
        graph[f] = []
        if rank(f) < 0:
            errors.append(f"{f}: in a folder outside the layout {ORDER}")
        for inc in INCLUDE.findall(text):
            if inc.startswith(("ring/", "simd/")):
                continue
            if not inc.startswith("engine/"):
                errors.append(f"{f}: #include \"{inc}\" is not written from the repository's root")
                continue
            if not os.path.isfile(os.path.join(root, inc)):
                errors.append(f"{f}: #include \"{inc}\": no such file")
                continue
            graph[f].append(inc)
            if rank(inc) > rank(f):
                errors.append(f"{f} includes {inc}: a later folder in a tick's order "
                              f"({' <- '.join(o or 'engine/' for o in ORDER)})")
    # cycles: depth-first search, reporting one cycle per back edge found
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == 1:
                errors.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for f in files:
        if f not in state:
            visit(f)
    n_inc = sum(len(v) for v in graph.values())
    print(f"check_layout: {len(files)} files, {n_inc} engine includes")
    for e in errors:
        print(f"FAIL {e}")
    if not errors:
        print("PASS every include written from the root, folders point one way, no include cycle")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
