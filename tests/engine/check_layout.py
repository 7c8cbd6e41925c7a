#!/usr/bin/env python3
"""engine/'s layout holds: its folders point one way and its includes have no cycle.

    check_layout.py [ROOT]

Reads every #include "..." in engine/ (and nothing else: no build, no compiler) and fails, naming
the files, when:
  - an include is not written from the repository's root ("engine/feed/parse.h", "ring/spsc.h")
    or names a file that does not exist;
  - a file includes a header of a later folder in a tick's order: base <- feed <- book <- features <- model
    <- rows <- run <- agents <- obs <- engine/ itself (the wiring) <- cli;
  - the files' includes form a cycle;
  - a function in a .c file is longer than MAX_LINES lines (its braces included) and the comment
    right above it does not say why it must be ("long because ...").
Prints one line per check and exits 0 when all hold."""
import os
import re
import sys

ORDER = ["base", "feed", "book", "features", "model", "rows", "run", "agents", "obs", "", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
MAX_LINES = 80
WHY_LONG = "long because"


def blank_out(text: str) -> str:
    """text with comments, strings and character literals replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        two = text[i:i + 2]
        if two == "/*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif two == "//":
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            j += 1
        else:
            out.append(text[i])
            i += 1
            continue
        out.append("".join(c if c == "\n" else " " for c in text[i:j]))
        i = j
    return "".join(out)


def long_functions(text: str):
    """(first line, lines, name) of every function body over MAX_LINES lines."""
    code = blank_out(text)
    depth, start, found = 0, None, []
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0 and code[:i].rstrip().endswith(")"):
                start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and start is not None:
                first = code.count("\n", 0, start) + 1
                lines = code.count("\n", start, i) + 1
                if lines > MAX_LINES:
                    head = code[:start].rstrip()
                    name = re.findall(r"(\w+)\s*\(", head[head.rfind(";") + 1:] if ";" in head else head)
                    found.append((first, lines, name[0] if name else "?"))
                start = None
    return found


def says_why(text: str, first: int) -> bool:
    """Whether the comment block above the signature that ends on line `first` says why."""
    lines = text.split("\n")[:first - 1]
    k = len(lines) - 1
    while k >= 0 and lines[k].strip() and not lines[k].strip().endswith("*/"):
        k -= 1  # the signature's own lines
    block = []
    while k >= 0 and lines[k].strip():
        block.append(lines[k])
        if lines[k].lstrip().startswith("/*"):
            break
        k -= 1
    return WHY_LONG in " ".join(" ".join(block).split())


def rank(path: str) -> int:
    parts = path.split("/")  # engine/<folder>/<file> or engine/<file>
    folder = parts[1] if len(parts) > 2 else ""
    return ORDER.index(folder) if folder in ORDER else -1


def self_test() -> list:
    """The length check on made-up code: it must catch a long function, accept its reason, and not
    be fooled by braces in strings, comments or initializers. Returns what failed."""
    body = "\n".join(f"    x += {i};" for i in range(MAX_LINES))
    bad = f"static int f(int x)\n{{\n    const char *s = \"}}\"; /* }} */\n{body}\n    return x;\n}}\n"
    why = "/* Reads the table. It is long because it is a table. */\n" + bad
    init = "static const int t[] = {\n" + ",\n".join("1" for _ in range(100)) + "};\n"
    fails = []
    if [n for _, _, n in long_functions(bad)] != ["f"]:
        fails.append("a long function was not found")
    if says_why(bad, long_functions(bad)[0][0]) or not says_why(why, long_functions(why)[0][0]):
        fails.append("the reason above a long function was misread")
    if long_functions(init) or long_functions("int g(void) { return 1; }\n"):
        fails.append("an initializer or a short function was taken for a long function")
    return fails


def main(root: str) -> int:
    files = []
    for d, _, names in os.walk(os.path.join(root, "engine")):
        for n in names:
            if n.endswith((".c", ".h", ".cpp")):
                files.append(os.path.relpath(os.path.join(d, n), root))
    files.sort()
    errors, graph = [f"self-test: {e}" for e in self_test()], {}
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
    n_long = 0
    for f in files:
        if not f.endswith(".c"):
            continue
        text = open(os.path.join(root, f), encoding="utf-8").read()
        for first, lines, name in long_functions(text):
            n_long += 1
            if not says_why(text, first):
                errors.append(f"{f}:{first}: {name}() is {lines} lines (over {MAX_LINES}) and the "
                              f"comment above it does not say why ('{WHY_LONG} ...')")
    n_inc = sum(len(v) for v in graph.values())
    print(f"check_layout: {len(files)} files, {n_inc} engine includes, {n_long} function(s) over "
          f"{MAX_LINES} lines")
    for e in errors:
        print(f"FAIL {e}")
    if not errors:
        print("PASS every include written from the root, folders point one way, no include cycle, "
              f"no function over {MAX_LINES} lines without its reason")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
