"""The pipeline: discover -> parse -> evaluate -> graph -> checks -> filter. Reports are separate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import scanner.filter as filtering
from scanner.discover import discover
from scanner.engine import run_checks
from scanner.evaluate import evaluate_parsed
from scanner.graph import build_graph
from scanner.parsers import ParseCache, parse_all
from scanner.records import FRAMEWORKS, Resource, ScanError, ScanResult, SourceFile
from scanner.registry import Selection, load_builtin_checks


@dataclass
class ScanOptions:
    paths: list[Path]
    selection: Selection = field(default_factory=Selection)
    cache_dir: Path | None = None  # None: no cache
    workers: int | None = None
    excludes: list[str] = field(default_factory=list)
    var_files: list[Path] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    filters: filtering.FilterOptions = field(default_factory=filtering.FilterOptions)
    root: Path | None = None  # report paths relative to it (default: the paths' common directory)


def scan(options: ScanOptions, progress: Callable[[str, int, int], None] | None = None) -> ScanResult:
    found = discover(options.paths, root=options.root, excludes=options.excludes)
    sources = [f for f in found.files if _wanted(f.kind, options.selection.frameworks)]
    if not sources:
        found.errors.append(ScanError("", None, _nothing_found(options.selection.frameworks), "warning"))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("parse", done[0], len(sources))

    cache = ParseCache(options.cache_dir)
    parsed = parse_all(sources, cache, workers=options.workers, progress=tick)
    resources, errors = evaluate_parsed(parsed, found.root, options.var_files, options.variables)
    result = judge(found.root, sources, resources, [*found.errors, *errors], options.selection)
    return filtering.apply(result, options.filters)


def judge(
    root: Path, files: list[SourceFile], resources: list[Resource], errors: list[ScanError], selection: Selection
) -> ScanResult:
    """Graph and checks: the stages after evaluation, shared by `scan` and plan gating (filtering follows)."""
    graph = build_graph(resources)
    checks = selection.select({**load_builtin_checks(), **selection.custom})
    evaluated = run_checks(graph, checks)
    return ScanResult(
        root=root,
        files=files,
        resources=resources,
        checks=checks,
        findings=evaluated.findings,
        unknowns=evaluated.unknowns,
        errors=sorted([*errors, *evaluated.errors], key=lambda e: (e.file, e.line or 0, e.message)),
        passed=evaluated.passed,
        graph=graph,
        passed_by_check=dict(evaluated.passed_by_check),
    )


NO_FILES = "no IaC files found"


def _nothing_found(frameworks: set[str]) -> str:
    """The warning of a scan that found nothing to judge: a wrong path, or everything excluded."""
    names = {"terraform": "Terraform", "kubernetes": "Kubernetes", "dockerfile": "Dockerfile"}
    kinds = ", ".join(names[f] for f in FRAMEWORKS if f in frameworks)
    return f"{NO_FILES} ({kinds}) under the scanned paths: nothing was scanned"


def _wanted(kind: str, frameworks: set[str]) -> bool:
    framework = {"tfvars": "terraform", "tfplan": "terraform"}.get(kind, kind)
    return framework in frameworks
