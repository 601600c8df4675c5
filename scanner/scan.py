"""The pipeline: discover -> parse -> evaluate -> graph -> checks -> filter. Reports are separate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import scanner.filter as filtering
from scanner.discover import discover
from scanner.engine import run_checks
from scanner.graph import ResourceGraph, build_graph
from scanner.parsers import ParseCache, ParsedFile, parse_all
from scanner.records import Finding, Resource, ScanError, SourceFile, UnknownResult, bound_errors
from scanner.registry import Check, Selection, load_builtin_checks


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


@dataclass
class ScanResult:
    root: Path
    files: list[SourceFile]
    resources: list[Resource]
    checks: list[Check]
    findings: list[Finding]
    unknowns: list[UnknownResult]
    errors: list[ScanError]
    passed: int
    graph: ResourceGraph | None = None
    outside_diff: int = 0  # findings dropped by --diff-base

    @property
    def incomplete(self) -> bool:
        return any(e.level == "error" for e in self.errors)


def evaluate_parsed(
    parsed: list[ParsedFile], options: ScanOptions, root: Path
) -> tuple[list[Resource], list[ScanError]]:
    resources: list[Resource] = []
    errors: list[ScanError] = []
    tf_files, tfvars = [], []
    for item in parsed:
        errors.extend(item.errors)
        resources.extend(item.resources)
        if item.kind == "terraform" and item.payload is not None:
            tf_files.append(item.payload)
        elif item.kind == "tfvars" and item.payload is not None:
            tfvars.append(item.payload)
    if tf_files:
        from scanner.evaluate import terraform as tf_eval  # with lark and hcl2: 60 ms not spent on other repos

        evaluation = tf_eval.evaluate(
            tf_files, tfvars, root=root, var_files=options.var_files, variables=options.variables
        )
        resources.extend(evaluation.resources)
        errors.extend(bound_errors(evaluation.errors))
    return resources, errors


def scan(options: ScanOptions, progress: Callable[[str, int, int], None] | None = None) -> ScanResult:
    found = discover(options.paths, root=options.root, excludes=options.excludes)
    sources = [f for f in found.files if _wanted(f.kind, options.selection.frameworks)]
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("parse", done[0], len(sources))

    cache = ParseCache(options.cache_dir, found.root)
    parsed = parse_all(sources, cache, workers=options.workers, progress=tick)
    resources, errors = evaluate_parsed(parsed, options, found.root)
    if cache.refused:
        errors.append(ScanError(".", None, f"parse cache {options.cache_dir} not used: {cache.refused}", "warning"))
    result = judge(found.root, sources, resources, [*found.errors, *errors], options.selection)
    return filtering.apply(result, options.filters)


def judge(
    root: Path, files: list[SourceFile], resources: list[Resource], errors: list[ScanError], selection: Selection
) -> ScanResult:
    """Graph and checks: the stages after evaluation, shared by `scan` and plan gating (filtering follows)."""
    graph = build_graph(resources)
    checks = selection.select(load_builtin_checks())
    evaluated = run_checks(graph, checks)
    return ScanResult(
        root=root,
        files=files,
        resources=resources,
        checks=checks,
        findings=evaluated.findings,
        unknowns=evaluated.unknowns,
        errors=sorted(
            [*errors, *bound_errors([*graph.errors, *evaluated.errors])], key=lambda e: (e.file, e.line or 0, e.message)
        ),
        passed=evaluated.passed,
        graph=graph,
    )


def _wanted(kind: str, frameworks: set[str]) -> bool:
    framework = {"tfvars": "terraform", "tfplan": "terraform"}.get(kind, kind)
    return framework in frameworks
