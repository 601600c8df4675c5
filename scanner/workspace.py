"""The directory reports are relative to: the repository the scanned paths belong to.

GitHub resolves SARIF artifact URIs against the repository root, so `iacgate scan infra` must
write `infra/main.tf`, not `main.tf`. The repository is found by walking up from the scanned
paths to a `.git` directory or file (a worktree or submodule); git itself is never run, so nothing
the scanned repository configures (hooks, fsmonitor, filters) can execute. Outside a work tree
the CI workspace (`GITHUB_WORKSPACE`, `CI_PROJECT_DIR`) is used when it holds the paths.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from scanner.discover import scan_root

CI_WORKSPACE_VARIABLES = ("GITHUB_WORKSPACE", "CI_PROJECT_DIR")


class RootError(Exception):
    """A --root that does not contain every scanned path; the CLI exits 2 with this message."""


def git_top_level(path: Path) -> Path | None:
    """The nearest directory at or above `path` holding `.git` (a directory, or a worktree's file)."""
    for directory in (path, *path.parents):
        if (directory / ".git").exists():
            return directory
    return None


def default_root(paths: list[Path], environ: Mapping[str, str] | None = None) -> Path:
    """The git work tree around the paths; else a CI workspace holding them; else their common directory."""
    common = scan_root(paths)
    top = git_top_level(common)
    if top is not None:
        return top
    environ = os.environ if environ is None else environ
    for variable in CI_WORKSPACE_VARIABLES:
        workspace = environ.get(variable)
        if workspace and common.is_relative_to(Path(workspace).resolve()):
            return Path(workspace).resolve()
    return common


def report_root(paths: list[Path], given: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """`--root` when given (it must contain every path, or paths would be written absolute), else the default."""
    if given is None:
        return default_root(paths, environ)
    root = given.resolve()
    outside = [str(p) for p in paths if not _real(p).is_relative_to(root)]
    if outside:
        raise RootError(f"--root {given} does not contain {', '.join(outside)}")
    return root


def _real(path: Path) -> Path:
    """A path as discovery reports it: directories resolved, a file's own name kept (it may be a link)."""
    return path.resolve() if path.is_dir() else path.parent.resolve() / path.name
