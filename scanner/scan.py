"""The pipeline: discover -> parse -> evaluate -> graph -> checks -> filter. Reports are separate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import scanner.filter as filtering
from scanner.discover import discover
from scanner.engine import run_checks
from scanner.evaluate.kustomize import listed_resource_files
from scanner.graph import ResourceGraph, build_graph
from scanner.parsers import ParseCache, ParsedFile, parse_all
from scanner.records import FRAMEWORKS, Finding, Resource, ScanError, Severity, SourceFile, UnknownResult
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
        """A file or part of one could not be read or parsed (exit status +4)."""
        return any(e.level == "error" for e in self.errors)

    @property
    def not_evaluated(self) -> list[ScanError]:
        """Parts deliberately left unjudged: remote modules not initialised, templates (level `info`)."""
        return [e for e in self.errors if e.level == "info"]

    @property
    def fully_evaluated(self) -> bool:
        """Something was scanned, and every file, module and check result was judged.

        `--fail-on-incomplete` fails the gate when this is false; without it only `incomplete` does.
        """
        return bool(self.files) and not self.incomplete and not self.not_evaluated and not self.unknowns

    def verdict(self, threshold: Severity, *, fail_on_incomplete: bool = False) -> tuple[bool, bool]:
        """(a finding fails the gate, the scan's coverage fails it): exit status 1 and +4 in the CLI.

        Suppressed and baselined (not overdue) findings never fail it; see `Finding.is_blocking`.
        """
        findings_fail = any(f.is_blocking(threshold) for f in self.findings)
        coverage_fails = self.incomplete or (fail_on_incomplete and not self.fully_evaluated)
        return findings_fail, coverage_fails


def evaluate_parsed(
    parsed: list[ParsedFile], options: ScanOptions, root: Path
) -> tuple[list[Resource], list[ScanError]]:
    resources: list[Resource] = []
    errors: list[ScanError] = []
    tf_files, tfvars, kustomizations = [], [], []
    for item in parsed:
        errors.extend(item.errors)
        resources.extend(item.resources)
        if item.kind == "terraform" and item.payload is not None:
            tf_files.append(item.payload)
        elif item.kind == "tfvars" and item.payload is not None:
            tfvars.append(item.payload)
        elif item.kind == "kubernetes" and item.payload is not None:
            kustomizations.append((item.rel, item.payload))
    if kustomizations:
        listed = listed_resource_files(kustomizations)
        for resource in resources:
            if resource.framework == "kubernetes" and resource.location.file in listed:
                resource.extra["kustomize_resource"] = True
    if tf_files:
        from scanner.evaluate import terraform as tf_eval  # with lark and hcl2: 60 ms not spent on other repos

        evaluation = tf_eval.evaluate(
            tf_files, tfvars, root=root, var_files=options.var_files, variables=options.variables
        )
        resources.extend(evaluation.resources)
        errors.extend(evaluation.errors)
    return resources, errors


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
    resources, errors = evaluate_parsed(parsed, options, found.root)
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
        errors=sorted([*errors, *evaluated.errors], key=lambda e: (e.file, e.line or 0, e.message)),
        passed=evaluated.passed,
        graph=graph,
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
