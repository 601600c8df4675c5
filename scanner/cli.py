"""Command line: wires options to the pipeline and the renderers; no logic of its own.

Exit status: 0 nothing at or above the threshold; 1 findings at or above it (not suppressed, and
new or overdue when a baseline is used); 2 usage, configuration, baseline or git error; +4 when the
scan was incomplete (a file could not be read or parsed).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

import scanner.config as configuration
import scanner.filter as filtering
import scanner.limits as limits
from scanner import __version__
from scanner.docs import DOCS_URL, render_checks_markdown
from scanner.parsers import ParseCache
from scanner.records import FRAMEWORKS, Severity
from scanner.registry import Selection, load_builtin_checks
from scanner.report import FORMATS, ReportContext, renderer
from scanner.scan import ScanOptions, ScanResult, scan

SEVERITIES = [s.value for s in Severity]
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 4


def _csv(value: str | None) -> set[str]:
    return {v.strip() for v in (value or "").split(",") if v.strip()}


class ConfigProblem(click.ClickException):
    """A configuration, baseline or git problem: reported without the usage text, exit 2."""

    exit_code = EXIT_USAGE


def _frameworks(value: str | None, configured: set[str] | None = None) -> set[str]:
    chosen = _csv(value) or configured or set(FRAMEWORKS)
    unknown = chosen - set(FRAMEWORKS)
    if unknown:
        raise click.BadParameter(f"unknown framework(s): {', '.join(sorted(unknown))}", param_hint="--framework")
    return chosen


def exit_code(result: ScanResult, threshold: Severity) -> int:
    """Suppressed and baselined (not overdue) findings never fail the run; see `filter.blocking`."""
    failing = any(f.is_blocking(threshold) for f in result.findings)
    return (EXIT_FINDINGS if failing else 0) + (EXIT_INCOMPLETE if result.incomplete else 0)


def _filter_options(
    config: configuration.Config,
    baseline: Path | None,
    create_baseline: Path | None,
    update_baseline: Path | None,
    diff_base: str | None,
) -> filtering.FilterOptions:
    """At most one baseline flag; without one, the config's `baseline` is used."""
    given = (("use", baseline), ("create", create_baseline), ("update", update_baseline))
    chosen = [(mode, path) for mode, path in given if path is not None]
    if len(chosen) > 1:
        raise click.UsageError("use only one of --baseline, --create-baseline and --update-baseline")
    mode, path = chosen[0] if chosen else ("use", config.baseline)
    return filtering.FilterOptions(
        severity_overrides=config.severity_overrides,
        per_path=config.per_path,
        baseline=path,
        baseline_mode=mode,
        sla=config.sla,
        diff_base=diff_base,
    )


class ReportNotWritten(click.ClickException):
    """One or more reports could not be written (the others were): exit 2, one line per report."""

    exit_code = EXIT_USAGE


def _write(text: str, output: str | None) -> None:
    """Write a report. A file is written beside its target and renamed into place, so a failed write
    (a full disk) leaves neither a truncated report nor a temporary file; a device or a FIFO
    (/dev/stdout, a pipe) is written directly. Raises OSError."""
    if not output or output == "-":
        if sys.stdout is None:  # started with file descriptor 1 closed
            raise OSError(9, "stdout is closed")
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except (OSError, ValueError) as exc:  # a closed stdout or a reader that went away
            _silence_stdout()
            raise OSError(getattr(exc, "errno", None), getattr(exc, "strerror", None) or "stdout is closed") from exc
        return
    target = Path(output)
    if target.exists() and not target.is_file() and not target.is_dir():
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit adds no traceback."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class _Main(click.Group):
    """Every command runs under the memory ceiling (`scanner.limits`); ^C is one line on stderr and
    exit 130, not click's "Aborted!" with status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            limits.apply_memory_limit(limits.memory_limit_mb())
        except limits.LimitError as exc:
            raise ConfigProblem(str(exc)) from exc
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("iacgate: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except MemoryError:
            limit = limits.memory_limit_mb()
            click.echo(f"iacgate: out of memory (limit {limit} MiB, set by {limits.MEMORY_LIMIT_ENV})", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iacgate")
def main() -> None:
    """Find insecure settings and risky relationships in Terraform, Kubernetes and Dockerfiles."""


REPORT_OPTIONS = [
    click.option(
        "--format",
        "formats",
        type=click.Choice(FORMATS),
        multiple=True,
        help="Report format (default console). Repeat for several reports in one run.",
    ),
    click.option(
        "--output",
        "-o",
        "outputs",
        multiple=True,
        help="Write the report to FILE. The n-th --output pairs with the n-th --format; "
        "the one format left without an output goes to stdout.",
    ),
    click.option(
        "--sarif-category",
        default=None,
        help="SARIF runAutomationDetails.id, e.g. iacgate/terraform/: lets several scans of one repository "
        "upload to GitHub code scanning side by side.",
    ),
    click.option(
        "--docs-url",
        default=DOCS_URL,
        show_default=True,
        help="Check documentation that SARIF, JUnit and markdown reports link to (`#<check id>` is appended).",
    ),
]


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """--format/--output pairs, --sarif-category and --docs-url: the same for `scan` and `plan`."""
    for option in reversed(REPORT_OPTIONS):
        command = option(command)
    return command


GATE_OPTIONS = [
    click.option("--check", "only", default=None, help="Run only these check IDs (comma-separated)."),
    click.option("--skip-check", "skip", default=None, help="Skip these check IDs (comma-separated)."),
    click.option(
        "--config",
        "config_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Configuration file (default: .iacgate.yaml or [tool.iacgate] in pyproject.toml at the root).",
    ),
    click.option(
        "--baseline",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        default=None,
        help="Gate only on findings not in this baseline (baselined ones fail again once past their SLA).",
    ),
    click.option(
        "--severity-threshold",
        type=click.Choice(SEVERITIES),
        default=None,
        help="Findings below it are reported but do not fail the run (default: the config's, else low).",
    ),
    click.option("--show-unknown", is_flag=True, help="List checks that could not decide and why."),
    click.option("--no-cache", is_flag=True, help="Do not read or write the parse cache."),
]


def gate_options(command: Callable[..., None]) -> Callable[..., None]:
    """Check selection, configuration, baseline and threshold: the same for `scan` and `plan`."""
    for option in reversed(GATE_OPTIONS):
        command = option(command)
    return command


def check_selection(only: str | None, skip: str | None, config: configuration.Config) -> None:
    """Unknown check ids on the command line are usage errors, in the config file configuration errors."""
    checks = load_builtin_checks()
    unknown_ids = (_csv(only) | _csv(skip)) - set(checks)
    if unknown_ids:
        raise click.BadParameter(f"unknown check id(s): {', '.join(sorted(unknown_ids))}", param_hint="--check")
    unknown_in_config = config.check_ids() - set(checks)
    if unknown_in_config:
        raise ConfigProblem(f"unknown check id(s) {', '.join(sorted(unknown_in_config))} in {config.source}")


def write_reports(
    result: ScanResult,
    reports: list[tuple[str, str | None]],
    threshold: Severity,
    *,
    show_unknown: bool,
    sarif_category: str | None,
    docs_url: str,
) -> None:
    """Write every report; those that cannot be written are listed together at the end (exit 2)."""
    failures: list[str] = []
    for fmt, output in reports:
        context = ReportContext(
            threshold=threshold,
            color=fmt == "console" and output is None and sys.stdout is not None and sys.stdout.isatty(),
            show_unknown=show_unknown,
            sarif_category=sarif_category,
            docs_url=docs_url,
            source_url=_github_source_url(result.root),
            today=date.today(),
        )
        try:
            _write(renderer(fmt)(result, context), output)
        except OSError as exc:  # the other reports are still written
            failures.append(f"cannot write the {fmt} report to {output or 'stdout'}: {exc.strerror or exc}")
    if failures:
        raise ReportNotWritten("\n".join(failures))


@main.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@report_options
@click.option("--framework", default=None, help="Comma-separated: terraform,kubernetes,dockerfile.")
@gate_options
@click.option(
    "--create-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    default=None,
    help="Write the current findings to FILE as the accepted baseline.",
)
@click.option(
    "--update-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    default=None,
    help="Rewrite baseline FILE: drop fixed findings, keep first-seen dates, add new ones.",
)
@click.option(
    "--diff-base", default=None, metavar="GIT_REF", help="Report only findings on lines changed since GIT_REF."
)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Directory reported paths are relative to and the config is read from (default: the PATHS' common one).",
)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Parser processes (default: CPUs).")
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Terraform variable values for every root module scanned (repeatable; like terraform -var-file).",
)
@click.option(
    "--var",
    "var_values",
    multiple=True,
    help="Terraform variable NAME=VALUE for every root module (repeatable; like -var).",
)
def scan_command(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    sarif_category: str | None,
    docs_url: str,
    framework: str | None,
    only: str | None,
    skip: str | None,
    config_file: Path | None,
    baseline: Path | None,
    create_baseline: Path | None,
    update_baseline: Path | None,
    diff_base: str | None,
    root: Path | None,
    severity_threshold: str,
    show_unknown: bool,
    no_cache: bool,
    workers: int | None,
    var_files: tuple[Path, ...],
    var_values: tuple[str, ...],
) -> None:
    """Scan PATHS for misconfigurations."""
    reports = pair_reports(formats, outputs)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"no such path: {', '.join(missing)}", param_hint="PATHS")
    try:
        root, config = configuration.for_scan(list(paths), root, config_file)
    except configuration.ConfigError as exc:
        raise ConfigProblem(str(exc)) from exc
    check_selection(only, skip, config)
    severity_threshold = severity_threshold or (config.severity_threshold or Severity.LOW).value
    selection = Selection(
        only=_csv(only) or config.checks,
        skip=_csv(skip) or config.skip_checks,
        frameworks=_frameworks(framework, config.frameworks),
    )
    options = ScanOptions(
        paths=list(paths),
        selection=selection,
        cache_dir=None if no_cache else ParseCache.default_directory(),
        workers=workers,
        excludes=config.exclude_paths,
        var_files=[*config.var_files, *var_files],  # the command line's come last, so they win
        variables=_variables(var_values),
        filters=_filter_options(config, baseline, create_baseline, update_baseline, diff_base),
        root=root,
    )
    result = _run_with_progress(options)
    threshold = Severity(severity_threshold)
    write_reports(
        result, reports, threshold, show_unknown=show_unknown, sarif_category=sarif_category, docs_url=docs_url
    )
    sys.exit(exit_code(result, threshold))


def _variables(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        out[name.strip()] = value
    return out


def pair_reports(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Pair the n-th --format with the n-th --output; a format without one writes to stdout (at most one)."""
    formats = formats or ("console",)
    if len(outputs) > len(formats):
        raise click.BadParameter(f"{len(outputs)} outputs for {len(formats)} formats", param_hint="--output")
    paired = [(fmt, outputs[n] if n < len(outputs) and outputs[n] != "-" else None) for n, fmt in enumerate(formats)]
    if sum(1 for _, output in paired if output is None) > 1:
        raise click.BadParameter("only one report can go to stdout; give the others an --output", param_hint="--format")
    return paired


def _github_source_url(root: Path) -> str | None:
    """Base of file links in markdown reports inside GitHub Actions (`$GITHUB_STEP_SUMMARY`, PR comments)."""
    env = os.environ
    server, repo, sha, workspace = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKSPACE")
    )
    if not (server and repo and sha):
        return None
    base = f"{server}/{repo}/blob/{sha}"
    if workspace and root.is_relative_to(Path(workspace).resolve()):
        inner = root.relative_to(Path(workspace).resolve()).as_posix()
        return base if inner == "." else f"{base}/{inner}"
    return base


def _run_with_progress(options: ScanOptions) -> ScanResult:
    """The scan; an unusable baseline or a failing `git diff` is a usage error (exit 2)."""
    try:
        return _scan_with_progress(options)
    except (filtering.baseline.BaselineError, filtering.diff.DiffError) as exc:
        raise ConfigProblem(str(exc)) from exc


def _scan_with_progress(options: ScanOptions) -> ScanResult:
    if not sys.stderr.isatty():
        return scan(options)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("parsing", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        return scan(options, progress)


@main.command("plan")
@click.argument("plan_file", metavar="PLAN.json", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--source",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="The Terraform root the plan was made from: findings point at its .tf lines.",
)
@report_options
@gate_options
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Directory reported paths are relative to and the config is read from "
    "(default: the plan's and --source's common one).",
)
@click.option("--all-resources", is_flag=True, help="Also judge resources the plan leaves unchanged (no-op).")
def plan_command(
    plan_file: Path,
    source: Path | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    sarif_category: str | None,
    docs_url: str,
    only: str | None,
    skip: str | None,
    config_file: Path | None,
    baseline: Path | None,
    root: Path | None,
    severity_threshold: str | None,
    all_resources: bool,
    show_unknown: bool,
    no_cache: bool,
) -> None:
    """Gate a Terraform plan (`terraform show -json plan.out > PLAN.json`): judge what it creates or changes."""
    from scanner.plan import PlanError, PlanOptions, report_root, run_plan

    reports = pair_reports(formats, outputs)
    if not plan_file.is_file():
        raise click.BadParameter(f"no such file: {plan_file}", param_hint="PLAN.json")
    root = root or report_root(plan_file, source)
    try:
        config = configuration.load_config(root.resolve(), config_file)
    except configuration.ConfigError as exc:
        raise ConfigProblem(str(exc)) from exc
    check_selection(only, skip, config)
    severity_threshold = severity_threshold or (config.severity_threshold or Severity.LOW).value
    options = PlanOptions(
        plan=plan_file,
        source=source,
        selection=Selection(
            only=_csv(only) or config.checks, skip=_csv(skip) or config.skip_checks, frameworks={"terraform"}
        ),
        all_resources=all_resources,
        cache_dir=None if no_cache else ParseCache.default_directory(),
        filters=_filter_options(config, baseline, None, None, None),
        root=root,
    )
    try:
        run = run_plan(options)
    except PlanError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except filtering.baseline.BaselineError as exc:
        raise ConfigProblem(str(exc)) from exc
    if run.info.changes == 0:
        click.echo(f"{plan_file}: the plan changes no resources; nothing to gate.", err=True)
    threshold = Severity(severity_threshold)
    write_reports(
        run.result, reports, threshold, show_unknown=show_unknown, sarif_category=sarif_category, docs_url=docs_url
    )
    sys.exit(exit_code(run.result, threshold))


@main.command("checks")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
def checks_command(fmt: str) -> None:
    """List every registered check (`--format markdown` is docs/checks.md)."""
    checks = sorted(load_builtin_checks().values(), key=lambda c: c.id)
    if fmt == "markdown":
        click.echo(render_checks_markdown(checks), nl=False)
        return
    if fmt == "json":
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "severity": c.severity.value,
                "framework": c.framework,
                "resource_types": list(c.resource_types),
                "cwe": c.cwe,
                "tags": list(c.all_tags),
                "graph": c.graph,
            }
            for c in checks
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("ID", "Severity", "Framework", "Title", "Resource types", "CWE")
    for c in checks:
        table.add_row(c.id, c.severity.value, c.framework, c.title, ", ".join(c.resource_types), c.cwe)
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
