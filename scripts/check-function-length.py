#!/usr/bin/env python3
"""Fails when a function in harness/ or generators/ runs over 80 lines (docs/architecture.md).

A function's length is counted from the line of its opening brace to the line of its closing
brace, both included; lambdas and local classes count toward the function that holds them.
Comments, string and character literals are blanked before braces are matched. A brace opens a
function body when the text before it (since the last ';', '{' or '}') ends in a parameter
list, possibly followed by qualifiers, a trailing return type or a constructor's initialisers,
and does not start with a control keyword. Usage: check-function-length.py [SOURCE_DIR]
[--max N]; prints "file:line: name is N lines (at most M)" per offender, exits 1 if any.
"""
import pathlib
import re
import sys

FOLDERS = ("harness", "generators")
CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|do|else|return|try)\b")
TYPE_BODY = re.compile(r"\b(class|struct|union|enum|namespace)\b[^()]*$")
NAME = re.compile(r"([~\w:]+(?:<[^<>()]*>)?|operator\s*[^\s(]+)\s*\(")


def blank(text: str) -> str:
    """Comments and literals replaced by spaces (newlines kept, so line numbers hold)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and (text[i - 1].isalnum()):  # digit separator 1'000
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_function_head(head: str) -> bool:
    head = " ".join(head.split())
    if not head or CONTROL.match(head) or TYPE_BODY.search(head) or head.endswith(("=", ",", "(", "return")):
        return False
    # Strip a constructor's initialiser list: "X(...) : a_(1), b_{2}" -> "X(...)".
    depth, cut = 0, len(head)
    for k, ch in enumerate(head):
        depth += ch in "(<"
        depth -= ch in ")>"
        if ch == ":" and depth == 0 and head[k - 1:k + 1] != "::" and head[k:k + 2] != "::" and ")" in head[:k]:
            cut = k
            break
    head = head[:cut].strip()
    head = re.sub(r"(\s*(const|noexcept(\([^()]*\))?|override|final|mutable|&|&&|->\s*[\w:<>,*& ]+))+$", "", head)
    if not head.endswith(")") or "[" in head.split("(")[0]:
        return False  # not a parameter list, or a lambda
    return bool(NAME.search(head)) and not head.lstrip().startswith("=")


def functions(text: str):
    """(name, first_line, last_line) of every outermost function body."""
    src = blank(text)
    stack = []  # (kind, line, name) per open brace: kind 'fn' or 'other'
    head_start = 0
    line = 1
    for i, c in enumerate(src):
        if c == "\n":
            line += 1
        elif c in ";":
            head_start = i + 1
        elif c == "{":
            in_fn = any(k == "fn" for k, _, _ in stack)
            head = src[head_start:i]
            if not in_fn and is_function_head(head):
                m = list(NAME.finditer(" ".join(head.split())))
                stack.append(("fn", line, m[0].group(1) if m else "?"))
            else:
                stack.append(("other", line, ""))
            head_start = i + 1
        elif c == "}":
            if stack:
                kind, first, name = stack.pop()
                if kind == "fn" and not any(k == "fn" for k, _, _ in stack):
                    yield name, first, line
            head_start = i + 1


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    limit = 80
    if "--max" in sys.argv:
        limit = int(sys.argv[sys.argv.index("--max") + 1])
        args = [a for a in args if a != str(limit)]
    root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parent.parent)
    problems = []
    for folder in FOLDERS:
        for src in sorted((root / folder).rglob("*")):
            if src.suffix not in (".h", ".cpp"):
                continue
            for name, first, last in functions(src.read_text(errors="replace")):
                length = last - first + 1
                if length > limit:
                    problems.append(f"{src.relative_to(root)}:{first}: {name} is {length} lines (at most {limit})")
    for p in problems:
        print(p)
    print(f"check-function-length: {len(problems)} function(s) over {limit} lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
