"""Change-scoped reporting: which lines changed since a git ref, and which findings touch them.

Runs the user's own `git` (never anything from the scanned repository): external diff drivers,
textconv filters and fsmonitor hooks, which a repository's config could point at, are disabled.
Untracked files count as entirely changed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from scanner.records import Finding, Location

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_SAFE = ["-c", "core.quotePath=false", "-c", "core.fsmonitor=false"]

# path -> changed line numbers in the working tree; None: the whole file is new
ChangedLines = dict[str, "set[int] | None"]


class DiffError(Exception):
    """git could not tell what changed (not a repository, unknown ref...); the CLI exits 2."""


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *_SAFE, "-C", str(root), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError as exc:
        raise DiffError("--diff-base needs git on PATH") from exc
    if done.returncode != 0:
        raise DiffError(f"git {args[0]} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def changed_lines(root: Path, ref: str) -> ChangedLines:
    """Lines added or modified in the working tree since `ref`, relative to `root`."""
    if ref.startswith("-"):
        raise DiffError(f"invalid git ref {ref!r}")
    patch = _git(root, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "--relative", ref, "--")
    changed = parse_unified_diff(patch)
    for name in _git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0"):
        if name:
            changed[name] = None
    return changed


def parse_unified_diff(patch: str) -> ChangedLines:
    """New-side line numbers of every hunk; a pure deletion marks the line it happened after."""
    changed: ChangedLines = {}
    current: set[int] | None = None
    for line in patch.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None  # a deleted file has no lines left to report on
                continue
            name = _unquote(target)
            name = name[2:] if name.startswith("b/") else name
            current = changed.setdefault(name, set())
            continue
        hunk = _HUNK.match(line)
        if hunk and current is not None:
            start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
            if count == 0:
                current.add(max(start, 1))
            else:
                current.update(range(start, start + count))
    return changed


def touches(finding: Finding, changed: ChangedLines) -> bool:
    """Whether the finding's location, value trace or related resources overlap a changed line."""
    return any(_overlaps(loc, changed) for loc in (finding.location, *finding.trace, *finding.related))


def _overlaps(location: Location, changed: ChangedLines) -> bool:
    if location.file not in changed:
        return False
    lines = changed[location.file]
    if lines is None:
        return True
    end = max(location.end_line or location.start_line, location.start_line)
    return any(line in lines for line in range(location.start_line, end + 1))


def _unquote(name: str) -> str:
    """git C-quotes names with control characters, quotes or backslashes even with quotePath off."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", "replace")
