#!/usr/bin/env python3
"""Fails when an #include runs against the folder order of docs/architecture.md.

Every source folder has a layer; a file may include headers of its own folder and of folders in
lower layers only. Folders in one layer are peers and may not include each other (the
controller and the agent share the protocol, not each other's code). tests/ and bench/ may
include anything. Usage: check-layers.py [SOURCE_DIR]; prints one line per violation
("file:line: <folder> includes <folder> (layer N >= M)") and exits 1 when there is any.
"""
import pathlib
import re
import sys

# Lowest first: the order data flows through the harness (docs/architecture.md, "Layers").
LAYERS = [
    ["generators/core"],
    ["generators/measure", "generators/pacing"],
    ["generators/patterns"],
    ["generators/transport"],
    ["generators/engine"],
    ["harness/model"],
    ["harness/process"],
    ["harness/counters"],
    ["harness/fabric"],
    ["harness/launch"],
    ["harness/suite"],
    ["harness/plan"],
    ["harness/protocol"],
    ["harness/controller", "harness/agent"],
    ["harness/results"],
    ["harness/patterns"],
    ["harness/pair"],
    ["harness/slo"],
    ["reports"],
    ["harness/runner"],
    ["harness/cli", "bindings"],
]
RANK = {folder: i for i, layer in enumerate(LAYERS) for folder in layer}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
CHECKED = ("generators/", "harness/", "reports/", "bindings/")


def folder_of(path: str):
    """The layered folder a repository path belongs to, or None (tests, bench, generated)."""
    for folder in sorted(RANK, key=len, reverse=True):
        if path == folder or path.startswith(folder + "/"):
            return folder
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    problems = []
    unknown = set()
    for src in sorted(root.rglob("*")):
        if src.suffix not in (".h", ".cpp") or not src.is_file():
            continue
        rel = src.relative_to(root).as_posix()
        if not rel.startswith(CHECKED) or "/build" in "/" + rel:
            continue
        mine = folder_of(rel)
        if mine is None:
            unknown.add(rel.rsplit("/", 1)[0])
            continue
        for n, line in enumerate(src.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            theirs = folder_of(m.group(1))
            if theirs is None or theirs == mine:
                continue  # a system-ish or generated header (version.h), or the same folder
            if RANK[theirs] >= RANK[mine]:
                rel_word = "a peer" if RANK[theirs] == RANK[mine] else "a later layer"
                problems.append(f"{rel}:{n}: {mine} includes {m.group(1)} from {theirs}, {rel_word} "
                                f"(layer {RANK[theirs]} >= {RANK[mine]}; the order is in docs/architecture.md)")
    for folder in sorted(unknown):
        problems.append(f"{folder}: a source folder with no layer; add it to LAYERS in scripts/check-layers.py "
                        "and to docs/architecture.md")
    for p in problems:
        print(p)
    print(f"check-layers: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
