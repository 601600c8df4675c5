"""Expect markers: a fixture says where a check must report, next to the line itself.

`iacgate:expect ID[, ID...]` in a comment marks a line. Written after code on the same line
(`encrypted = false  # iacgate:expect IG-AWS-006`) it marks that line; on a comment line of its
own it marks the next line that is neither blank nor a comment, which is how Dockerfiles,
heredocs and YAML block scalars (where a trailing comment would change the value) are marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"iacgate:expect\b(?P<ids>[^\n]*)")
CHECK_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+")
COMMENT_LINE = re.compile(r"^\s*(#|//)")


@dataclass(frozen=True, order=True)
class Expectation:
    file: str  # posix path relative to the fixture folder
    line: int
    check_id: str
    marker_line: int  # where the marker itself is written, for error messages


def read_markers(folder: Path) -> list[Expectation]:
    """Every expectation written in the files below `folder`, sorted."""
    found: list[Expectation] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found += _file_markers(text.splitlines(), path.relative_to(folder).as_posix())
    return sorted(found)


def _file_markers(lines: list[str], rel: str) -> list[Expectation]:
    found: list[Expectation] = []
    pending: list[tuple[str, int]] = []  # ids waiting for the next code line, with the marker's line
    for number, line in enumerate(lines, start=1):
        match = MARKER.search(line)
        ids = CHECK_ID.findall(match.group("ids")) if match else []
        if match and not ids:
            raise ValueError(f"{rel}:{number}: iacgate:expect names no check id")
        if COMMENT_LINE.match(line) or not line.strip():
            pending += [(check_id, number) for check_id in ids]
            continue
        found += [Expectation(rel, number, check_id, marker) for check_id, marker in pending]
        found += [Expectation(rel, number, check_id, number) for check_id in ids]
        pending = []
    if pending:
        raise ValueError(f"{rel}:{pending[0][1]}: iacgate:expect is followed by no line to mark")
    return found
