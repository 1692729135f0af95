#!/usr/bin/env python3
# make lint: fails on a Swift function (func, init, subscript) longer than 80 lines in Sources/, unless allow-listed.
#
# Usage: scripts/long-functions.py [--max N] [--all] [ROOT]
#   A function's length runs from the line of its keyword to the line of its closing brace.
#   scripts/long-functions.allow names the functions that may be longer, one per line with the reason:
#     Sources/HOSX/File.swift Type.name  # why it stays long
#   An entry without a reason, or one that no longer names a long function, fails too, so the list only shrinks.
#   --all lists every function over the limit, allowed or not, longest first.
import os
import re
import sys

MAX = 80
HERE = os.path.dirname(os.path.abspath(__file__))
ALLOW = os.path.join(HERE, "long-functions.allow")


def code_only(text):
    """The text with comments and string literals (interpolations included) blanked, newlines kept."""
    out = list(text)
    n = len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def skip_code(i, close):
        """Scans code from i; returns the index after the `close` character at depth 0 (or n)."""
        depth = 0
        while i < n:
            c = text[i]
            if text.startswith("//", i):
                j = text.find("\n", i)
                j = n if j < 0 else j
                blank(i, j)
                i = j
            elif text.startswith("/*", i):
                j, level = i + 2, 1
                while j < n and level:
                    if text.startswith("/*", j):
                        level, j = level + 1, j + 2
                    elif text.startswith("*/", j):
                        level, j = level - 1, j + 2
                    else:
                        j += 1
                blank(i, j)
                i = j
            elif c == '"' or (c == "#" and re.match(r'#+"', text[i:i + 16])):
                j = skip_string(i)
                blank(i, j)
                i = j
            elif close and c == "(":
                depth += 1
                i += 1
            elif close and c == close:
                if depth == 0:
                    return i + 1
                depth -= 1
                i += 1
            else:
                i += 1
        return n

    def skip_string(i):
        """Returns the index after the string literal that starts at i (raw hashes, multi-line, interpolation)."""
        hashes = 0
        while text[i] == "#":
            hashes, i = hashes + 1, i + 1
        multi = text.startswith('"""', i)
        i += 3 if multi else 1
        end = ('"""' if multi else '"') + "#" * hashes
        escape = "\\" + "#" * hashes
        while i < n:
            if text.startswith(escape, i):
                i += len(escape)
                if i < n and text[i] == "(":
                    i = skip_code(i + 1, ")")
                else:
                    i += 1
            elif text.startswith(end, i):
                return i + len(end)
            elif text[i] == "\n" and not multi:
                return i
            else:
                i += 1
        return n

    skip_code(0, None)
    return "".join(out)


DECL = re.compile(r"\b(func\s+([^\s(<]+)|init[?!]?|subscript|deinit)\s*[(<{]?")
TYPE = re.compile(r"\b(?:struct|class|enum|extension|actor|protocol)\s+([A-Za-z_][\w.]*)")


def functions(path):
    """(qualified name, first line, length) of each function with a body in one file."""
    code = code_only(open(path, encoding="utf-8").read())
    line_at = []
    line = 1
    for c in code:
        line_at.append(line)
        if c == "\n":
            line += 1

    def body(start):
        """The span of the braces of the declaration starting at `start`, or None when it has no body."""
        depth = 0
        i = start
        while i < len(code):
            c = code[i]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "{" and depth == 0:
                break
            elif c == "}" and depth <= 0:
                return None  # a protocol requirement or a declaration without a body
            i += 1
        else:
            return None
        open_at, level = i, 0
        while i < len(code):
            if code[i] == "{":
                level += 1
            elif code[i] == "}":
                level -= 1
                if level == 0:
                    return open_at, i
            i += 1
        return None

    types = []
    for m in TYPE.finditer(code):
        span = body(m.end())
        if span:
            types.append((span[0], span[1], m.group(1)))
    found = []
    for m in DECL.finditer(code):
        if m.start() > 0 and (code[m.start() - 1] in ".$" or code[m.start() - 1].isalnum()):
            continue
        span = body(m.end() - (1 if code[m.end() - 1] in "(<{" else 0))
        if not span:
            continue
        name = m.group(2) or re.match(r"\w+", m.group(1)).group(0)
        owners = [t for t in types if t[0] < m.start() < t[1]]
        owner = max(owners, key=lambda t: t[0])[2] if owners else None
        first, last = line_at[m.start()], line_at[span[1]]
        found.append(((owner + "." if owner else "") + name, first, last - first + 1))
    return found


def main(argv):
    global MAX
    show_all = "--all" in argv
    argv = [a for a in argv if a != "--all"]
    if argv[:1] == ["--max"]:
        MAX, argv = int(argv[1]), argv[2:]
    root = argv[0] if argv else os.path.dirname(HERE)
    allowed = {}
    problems = []
    for number, raw in enumerate(open(ALLOW, encoding="utf-8") if os.path.exists(ALLOW) else [], 1):
        entry, _, why = raw.partition("#")
        if not entry.strip():
            continue
        parts = entry.split()
        if len(parts) != 2 or not why.strip():
            problems.append(f"{ALLOW}:{number}: want 'PATH Type.name  # reason'")
            continue
        allowed[(parts[0], parts[1])] = number
    long = []
    for folder, _, files in os.walk(os.path.join(root, "Sources")):
        for f in sorted(files):
            if f.endswith(".swift"):
                path = os.path.join(folder, f)
                rel = os.path.relpath(path, root)
                for name, first, length in functions(path):
                    if length > MAX:
                        long.append((length, rel, first, name))
    long.sort(key=lambda x: (-x[0], x[1], x[2]))
    seen = set()
    for length, rel, first, name in long:
        key = (rel, name)
        if key in allowed:
            seen.add(key)
            if show_all:
                print(f"{rel}:{first}: {name} is {length} lines (allowed)")
            continue
        problems.append(f"{rel}:{first}: {name} is {length} lines, over {MAX}: split it into named steps")
    for key, number in allowed.items():
        if key not in seen:
            problems.append(f"{ALLOW}:{number}: {key[0]} {key[1]} is no longer over {MAX} lines: remove the entry")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
