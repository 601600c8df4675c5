"""Stage 1: find the IaC files under the scanned paths and say what kind each one is.

Honours .gitignore files (pathspec, git's wildmatch rules), never follows a symlink out of the
scanned root, and reports symlink loops, unreadable files and oversized files as scan errors.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from scanner.records import ScanError, SourceFile

SKIPPED_DIRS = {".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox"}
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are reported, not read
_K8S_YAML = re.compile(rb"^\s*-?\s*apiVersion\s*:", re.MULTILINE)
_K8S_KIND = re.compile(rb"^\s*-?\s*kind\s*:", re.MULTILINE)
_K8S_JSON = re.compile(rb'"apiVersion"\s*:')
_PLAN_JSON = re.compile(rb'"(planned_values|resource_changes)"\s*:')
_DOCKERFILE_PREFIXES = tuple(f"{name}{sep}" for name in ("dockerfile", "containerfile") for sep in "._-")
_NOT_DOCKERFILE = (".dockerignore", ".md", ".txt", ".sh", ".json", ".yaml", ".yml", ".bak", ".orig", ".rej", ".swp")
_NOT_RENDERED = "{} template: not scanned (scan the {} rendered from it)"
DOCKERFILE_TEMPLATE = "dockerfile template"  # docker-library's Dockerfile.template: rendered before use
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")  # often without apiVersion/kind


@dataclass
class Discovery:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


def scan_root(paths: list[Path]) -> Path:
    """The directory all reported paths are relative to."""
    resolved = [p.resolve() for p in paths]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def classify_name(name: str) -> str | None:
    """Kind by file name alone; None when the content must decide (YAML/JSON) or it is not IaC."""
    lower = name.lower()
    if lower.endswith(".tf") or lower.endswith(".tf.json"):
        return "terraform"
    if lower.endswith(".tfvars") or lower.endswith(".tfvars.json"):
        return "tfvars"
    if lower in ("dockerfile", "containerfile") or lower.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if lower.startswith(_DOCKERFILE_PREFIXES) and not lower.endswith(_NOT_DOCKERFILE):
        return DOCKERFILE_TEMPLATE if lower.endswith(".template") else "dockerfile"
    if name == "Kustomization":  # no extension: classified here, not by content
        return "kubernetes"
    if lower.endswith((".yaml", ".yml", ".json")):
        return "structured"
    return None


def _utf8_head(head: bytes) -> bytes:
    """The first bytes of a file as UTF-8 without a BOM, so the patterns below see UTF-16 files too."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="ignore").encode()
    return head.removeprefix(b"\xef\xbb\xbf")


def classify_content(name: str, head: bytes) -> str | None:
    """YAML/JSON: Kubernetes manifest, Terraform plan, or not ours.

    `{{` proves nothing (a Vault agent annotation, a `sed` in container args): a chart's templates
    are recognised by their place beside `Chart.yaml`, and other YAML is parsed.
    """
    head = _utf8_head(head)
    if name.lower().endswith(".json"):
        if _PLAN_JSON.search(head):
            return "tfplan"
        if _K8S_JSON.search(head) and b'"kind"' in head:
            return "kubernetes"
        return None
    if (_K8S_YAML.search(head) and _K8S_KIND.search(head)) or name in KUSTOMIZATION_NAMES:
        return "kubernetes"
    return None


def _gitignore_spec(directory: Path) -> pathspec.PathSpec | None:
    ignore = directory / ".gitignore"
    try:
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


Ignores = list[tuple[str, pathspec.PathSpec]]  # (prefix of the .gitignore's directory, its rules)


def discover(paths: list[Path], *, root: Path | None = None, excludes: list[str] | None = None) -> Discovery:
    """Walk `paths` and classify what is found; paths in the result are relative to `root`.

    The walk always lists real (resolved) directories and builds relative paths as strings, so a
    file costs one scandir entry and one stat, not a realpath() of every component.
    """
    root = root or scan_root(paths)
    found = Discovery(root=root)
    exclude_spec = pathspec.GitIgnoreSpec.from_lines(excludes or [])
    seen: set[str] = set()

    def rel(p: Path) -> str:
        try:
            return p.relative_to(root).as_posix()
        except ValueError:
            return p.as_posix()

    def add_file(real: str | None, link: Path, relpath: str, ignores: Ignores) -> None:
        """`real` is the file's real path when known (not a symlink), else `link` is resolved."""
        if exclude_spec.match_file(relpath) or _ignored(relpath, ignores):
            return
        kind = classify_name(link.name)
        if kind is None:
            return
        if kind == DOCKERFILE_TEMPLATE:
            found.errors.append(ScanError(relpath, None, _NOT_RENDERED.format("Dockerfile", "Dockerfile"), "info"))
            return
        if kind == "structured" and chart_of_template(link.parent) is not None:
            notice = _NOT_RENDERED.format("Helm chart", "manifests `helm template`")
            found.errors.append(ScanError(relpath, None, notice, "info"))
            return
        if real is None:
            try:
                real = str(link.resolve(strict=True))
            except (OSError, RuntimeError) as exc:
                found.errors.append(ScanError(relpath, None, f"cannot resolve symlink: {_reason(exc)}"))
                return
        if real in seen:
            return
        seen.add(real)
        try:
            size = os.stat(real).st_size
        except OSError as exc:
            found.errors.append(ScanError(relpath, None, f"cannot read file: {_reason(exc)}"))
            return
        if size > MAX_FILE_BYTES:
            found.errors.append(
                ScanError(relpath, None, f"file too large to scan ({size:,} bytes; limit {MAX_FILE_BYTES:,})")
            )
            return
        if kind == "structured":
            try:
                with open(real, "rb") as handle:
                    head = handle.read(256 * 1024)
            except OSError as exc:
                found.errors.append(ScanError(relpath, None, f"cannot read file: {_reason(exc)}"))
                return
            kind = classify_content(link.name, head)
            if kind is None:
                return
        found.files.append(SourceFile(path=Path(real), rel=relpath, kind=kind))

    charts: dict[Path, Path | None] = {}

    def chart_of_template(directory: Path) -> Path | None:
        """The chart whose `templates/` holds `directory` (a `Chart.yaml` beside it, inside the root)."""
        if directory not in charts:
            chart = None
            if directory != root and _inside(directory, root):
                if directory.name == "templates" and (directory.parent / "Chart.yaml").is_file():
                    chart = directory.parent
                else:
                    chart = chart_of_template(directory.parent)
            charts[directory] = chart
        return charts[directory]

    def walk(directory: str, prefix: str, ignores: Ignores, ancestors: frozenset[str]) -> None:
        """List the real directory `directory`, whose files are reported as `prefix` + name."""
        spec = _gitignore_spec(Path(directory))
        if spec is not None:
            ignores = [*ignores, (prefix, spec)]
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            found.errors.append(ScanError(prefix.rstrip("/") or ".", None, f"cannot list directory: {_reason(exc)}"))
            return
        for entry in entries:
            relpath = prefix + entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            real: str | None = entry.path
            if entry.is_symlink():
                try:
                    target = Path(entry.path).resolve(strict=True)
                except (OSError, RuntimeError) as exc:
                    # a loop is always worth saying; a dangling link only when it looks like IaC
                    if _reason(exc) == "symlink loop" or classify_name(entry.name) is not None:
                        found.errors.append(ScanError(relpath, None, f"symlink cannot be followed: {_reason(exc)}"))
                    continue
                real = str(target)
                if is_dir:
                    if real in ancestors:
                        found.errors.append(
                            ScanError(relpath, None, f"symlink loop: points back to {rel(target) or '.'}")
                        )
                        continue
                    if not _inside(target, root) or real in seen:
                        continue  # outside the scanned root, or already scanned through its real path
            if is_dir:
                if entry.name in SKIPPED_DIRS or exclude_spec.match_file(relpath + "/"):
                    continue
                if _ignored(relpath, ignores, is_dir=True):
                    continue
                seen.add(real)
                walk(real, relpath + "/", ignores, ancestors | {real})
            elif classify_name(entry.name) is not None:
                add_file(real, Path(entry.path), relpath, ignores)

    for given in paths:
        given = given.absolute()
        if not given.exists() and not given.is_symlink():
            found.errors.append(ScanError(rel(given), None, "path does not exist"))
        elif given.is_dir():
            real_dir = given.resolve()  # walking the real path keeps every reported path relative
            seen.add(str(real_dir))
            prefix = rel(real_dir)
            walk(str(real_dir), "" if prefix == "." else prefix + "/", [], frozenset({str(real_dir)}))
        else:
            file = given.parent.resolve() / given.name
            add_file(None if file.is_symlink() else str(file), file, rel(file), [])
    found.files.sort(key=lambda f: f.rel)
    return found


def _ignored(relpath: str, ignores: Ignores, is_dir: bool = False) -> bool:
    for prefix, spec in ignores:
        if relpath.startswith(prefix) and spec.match_file(relpath[len(prefix) :] + ("/" if is_dir else "")):
            return True
    return False


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40:  # ELOOP
        return "symlink loop"
    return getattr(exc, "strerror", None) or str(exc)
