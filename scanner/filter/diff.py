"""Change-scoped reporting: which lines changed since a git ref, and which findings touch them.

Runs the user's own `git` and never a program the scanned repository names: its `.git/config`
and `.gitattributes` can point clean/smudge/process filters, textconv, external diff drivers,
fsmonitor, hooks and the pager at any command. Each is switched off on git's command line, which
wins over every configuration file (`safe_environment`). Untracked files count as entirely changed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from scanner.records import Finding, Location

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# Configuration given on git's command line (here through GIT_CONFIG_COUNT, which takes names and
# values apart, so no filter name can be misread) wins over every configuration file.
_OFF: tuple[tuple[str, str], ...] = (
    ("core.quotePath", "false"),
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),  # `git diff` refreshes the index, which runs post-index-change
    ("core.pager", "cat"),
    ("diff.external", ""),
    ("protocol.allow", "never"),  # a partial clone would fetch missing blobs through its transport
)
# no optional index writes, no lazy fetch, no prompt
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
_FILTER_KEY = re.compile(r"^filter\.(.+)\.[^.]+$", re.DOTALL)
_FILTER_OFF = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))

# path -> changed line numbers in the working tree; None: the whole file is new
ChangedLines = dict[str, "set[int] | None"]


class DiffError(Exception):
    """git could not tell what changed (not a repository, unknown ref...); the CLI exits 2."""


def git_environment(settings: tuple[tuple[str, str], ...] = _OFF) -> dict[str, str]:
    """The environment of a git run with `settings` as command-line configuration."""
    ours = ("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(_ENV, GIT_CONFIG_COUNT=str(len(settings)))
    for n, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{n}"], env[f"GIT_CONFIG_VALUE_{n}"] = key, value
    return env


def _git(root: Path, *args: str, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> str:
    try:
        done = subprocess.run(
            ["git", "--no-pager", "-C", str(root), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            stdin=subprocess.DEVNULL,
            env=env or git_environment(),
        )
    except FileNotFoundError as exc:
        raise DiffError("--diff-base needs git on PATH") from exc
    if done.returncode not in ok:
        first = next(iter(done.stderr.strip().splitlines()), "") or f"exit status {done.returncode}"
        raise DiffError(f"git {args[0]} failed: {first}")
    return done.stdout


def safe_environment(root: Path) -> dict[str, str]:
    """A git environment that also switches off every filter driver the repository configures.

    Filters are named per driver (`filter.<name>.clean`), so the configured names are read first
    (reading configuration runs nothing) and each one's commands are set empty: git then passes
    content through unfiltered, and `required=false` keeps the emptied filter from being an error.
    """
    listing = _git(root, "config", "--name-only", "-z", "--get-regexp", r"^filter\.", ok=(0, 1))  # 1: none
    names = sorted({m.group(1) for key in listing.split("\0") if (m := _FILTER_KEY.match(key))})
    return git_environment((*_OFF, *((f"filter.{name}.{key}", value) for name in names for key, value in _FILTER_OFF)))


def changed_lines(root: Path, ref: str) -> ChangedLines:
    """Lines added or modified in the working tree since `ref`, relative to `root`."""
    if ref.startswith("-"):
        raise DiffError(f"invalid git ref {ref!r}")
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except DiffError:
        inside = False
    if not inside:
        raise DiffError(f"--diff-base: {root} is not inside a git working tree")
    env = safe_environment(root)
    patch = _git(
        root, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "--relative", ref, "--", env=env
    )
    changed = parse_unified_diff(patch)
    for name in _git(root, "ls-files", "--others", "--exclude-standard", "-z", env=env).split("\0"):
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
