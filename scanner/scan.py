"""The pipeline: discover -> parse -> evaluate -> graph -> checks -> filter. Reports are separate."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import scanner.filter as filtering
from scanner.discover import classify_name, discover, scan_root
from scanner.engine import run_checks
from scanner.evaluate import evaluate_parsed
from scanner.evaluate.kustomize import once_per_line
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
    helm_values: dict[str, list[Path]] = field(default_factory=dict)  # chart directory or name -> values files


def scan(options: ScanOptions, progress: Callable[[str, int, int], None] | None = None) -> ScanResult:
    single = _single_terraform_files(options.paths)
    paths = [p.parent if p in single else p for p in options.paths]
    found = discover(paths, root=options.root or scan_root(options.paths), excludes=options.excludes)
    sources = [f for f in found.files if _wanted(f.kind, options.selection.frameworks)]
    if not sources and not found.charts:
        found.errors.append(ScanError("", None, _nothing_found(options.selection.frameworks), "warning"))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("parse", done[0], len(sources))

    cache = ParseCache(options.cache_dir)
    parsed = parse_all(sources, cache, workers=options.workers, progress=tick)
    stage = progress or _quiet
    stage("evaluate", 0, 0)
    resources, errors = evaluate_parsed(parsed, found.root, options.var_files, options.variables)
    notices = found.errors
    if found.charts and "kubernetes" in options.selection.frameworks:
        from scanner.evaluate.helm import render_charts, template_notice_of

        charts = render_charts(found.root, sorted(found.charts), options.helm_values)
        resources, errors = [*resources, *charts.resources], [*errors, *charts.errors]
        notices = [e for e in notices if not template_notice_of(e, charts.covered)]
    judged = None
    if single:
        named = {_relative(p, found.root) for p in single}
        others = [_relative(p, found.root) for p in options.paths if p not in single]
        context = {f.rel for f in found.files if f.rel not in named and not any(_within(f.rel, o) for o in others)}
        judged = _judged(named, context)
    result = judge(found.root, sources, resources, [*notices, *errors], options.selection, stage, judged)
    if judged is not None:
        result = _only_judged(result, judged, context, {_directory(n) for n in named})
    stage("filter", 0, 0)
    return filtering.apply(result, options.filters)


def scan_stream(text: str, name: str, options: ScanOptions) -> ScanResult:
    """Kubernetes YAML read from standard input (`helm template … | iacgate scan -`), reported under
    `name` or the `# Source:` paths it names (`scanner.parsers.stream`); nothing is read from disk."""
    from scanner.parsers.stream import parse_stream

    root = options.root or Path.cwd()
    parsed = parse_stream(text, name)
    # kind "stream": the text is gone after the run, so no suppression comment is read back from a file
    files = [SourceFile(root / item.rel, item.rel, "stream") for item in parsed]
    resources, errors = evaluate_parsed(parsed, root)
    result = judge(root, files, resources, errors, options.selection)
    return filtering.apply(result, options.filters)


def _single_terraform_files(paths: list[Path]) -> set[Path]:
    """The `.tf` files named on their own (not inside another path given). Each is evaluated in its module,
    as Terraform would with its directory as the working directory: the directory's other `.tf` files, its
    `terraform.tfvars` and `*.auto.tfvars`, and the local modules it calls (below the directory) are read;
    only the file's resources and those its module calls instantiate are judged, the rest is context."""
    directories = [p.resolve() for p in paths if p.is_dir()]
    return {
        p
        for p in paths
        if p.is_file()
        and classify_name(p.name) == "terraform"
        and not any(p.resolve().is_relative_to(d) for d in directories)
    }


def _relative(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else resolved.as_posix()


def _within(rel: str, path: str) -> bool:
    return path == "." or rel == path or rel.startswith(f"{path}/")


def _judged(named: set[str], context: set[str]) -> Callable[[Resource], bool]:
    """Judge a resource outside the context files (a path given on its own), in a named file, or
    instantiated by a module call written in a named file."""

    def judged(resource: Resource) -> bool:
        if resource.location.file not in context:
            return True
        calls = resource.terraform.called_by if resource.framework == "terraform" else ()
        return bool(calls) and calls[0].file in named

    return judged


def _only_judged(
    result: ScanResult, judged: Callable[[Resource], bool], context: set[str], directories: set[str]
) -> ScanResult:
    """The result of a scan of single files: the judged resources, and of the context read only the files
    and problems of the named files' directories and of the modules they call (a broken `variables.tf`
    beside the file matters; another root module below the directory does not)."""
    resources = [r for r in result.resources if judged(r)]
    kept = directories | {_directory(r.location.file) for r in resources}

    def shown(file: str) -> bool:
        return not file or file not in context or _directory(file) in kept

    return dataclasses.replace(
        result,
        files=[f for f in result.files if shown(f.rel)],
        resources=resources,
        errors=[e for e in result.errors if shown(e.file)],
    )


def _directory(file: str) -> str:
    return file.rsplit("/", 1)[0] if "/" in file else "."


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress display."""


def judge(
    root: Path,
    files: list[SourceFile],
    resources: list[Resource],
    errors: list[ScanError],
    selection: Selection,
    progress: Callable[[str, int, int], None] = _quiet,
    judged: Callable[[Resource], bool] | None = None,
) -> ScanResult:
    """Graph and checks: the stages after evaluation, shared by `scan` and plan gating (filtering follows).
    `progress(stage, 0, 0)` announces each stage, whose length is not known in advance."""
    progress("graph", 0, 0)
    graph = build_graph(resources)
    checks = selection.select({**load_builtin_checks(), **selection.custom})
    progress("checks", 0, 0)
    evaluated = run_checks(graph, checks, judged)
    return ScanResult(
        root=root,
        files=files,
        resources=resources,
        checks=checks,
        findings=once_per_line(evaluated.findings),
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
