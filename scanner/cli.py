"""Command line: wires options to the pipeline and the renderers; no logic of its own.

Exit status: 0 nothing at or above the threshold; 1 findings at or above it; 2 usage or
configuration error; +4 when the scan was incomplete (a file could not be read or parsed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from scanner import __version__
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


def _frameworks(value: str | None) -> set[str]:
    chosen = _csv(value) or set(FRAMEWORKS)
    unknown = chosen - set(FRAMEWORKS)
    if unknown:
        raise click.BadParameter(f"unknown framework(s): {', '.join(sorted(unknown))}", param_hint="--framework")
    return chosen


def exit_code(result: ScanResult, threshold: Severity) -> int:
    blocking = any(f.suppression is None and f.severity.rank >= threshold.rank for f in result.findings)
    return (EXIT_FINDINGS if blocking else 0) + (EXIT_INCOMPLETE if result.incomplete else 0)


def _write(text: str, output: str | None) -> None:
    if output and output != "-":
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iacgate")
def main() -> None:
    """Find insecure settings and risky relationships in Terraform, Kubernetes and Dockerfiles."""


@main.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="console", show_default=True)
@click.option("--output", "-o", default=None, help="Write the report to FILE (default stdout).")
@click.option("--framework", default=None, help="Comma-separated: terraform,kubernetes,dockerfile.")
@click.option("--check", "only", default=None, help="Run only these check IDs (comma-separated).")
@click.option("--skip-check", "skip", default=None, help="Skip these check IDs (comma-separated).")
@click.option(
    "--severity-threshold",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Findings below it are reported but do not fail the run.",
)
@click.option("--show-unknown", is_flag=True, help="List checks that could not decide and why.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the parse cache.")
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
    fmt: str,
    output: str | None,
    framework: str | None,
    only: str | None,
    skip: str | None,
    severity_threshold: str,
    show_unknown: bool,
    no_cache: bool,
    workers: int | None,
    var_files: tuple[Path, ...],
    var_values: tuple[str, ...],
) -> None:
    """Scan PATHS for misconfigurations."""
    checks = load_builtin_checks()
    selection = Selection(only=_csv(only), skip=_csv(skip), frameworks=_frameworks(framework))
    unknown_ids = (selection.only | selection.skip) - set(checks)
    if unknown_ids:
        raise click.BadParameter(f"unknown check id(s): {', '.join(sorted(unknown_ids))}", param_hint="--check")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"no such path: {', '.join(missing)}", param_hint="PATHS")
    options = ScanOptions(
        paths=list(paths),
        selection=selection,
        cache_dir=None if no_cache else ParseCache.default_directory(),
        workers=workers,
        var_files=list(var_files),
        variables=_variables(var_values),
    )
    result = _run_with_progress(options)
    threshold = Severity(severity_threshold)
    context = ReportContext(
        threshold=threshold, color=fmt == "console" and not output and sys.stdout.isatty(), show_unknown=show_unknown
    )
    _write(renderer(fmt)(result, context), output)
    sys.exit(exit_code(result, threshold))


def _variables(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        out[name.strip()] = value
    return out


def _run_with_progress(options: ScanOptions) -> ScanResult:
    if not sys.stderr.isatty():
        return scan(options)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("parsing", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        return scan(options, progress)


@main.command("checks")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def checks_command(fmt: str) -> None:
    """List every registered check."""
    checks = sorted(load_builtin_checks().values(), key=lambda c: c.id)
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
