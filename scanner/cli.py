"""Command line: wires options to the pipeline and the renderers; no logic of its own.

Exit status: 0 nothing at or above the threshold; 1 findings at or above it; 2 usage or
configuration error; +4 when the scan was incomplete (a file could not be read or parsed).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import click

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
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="Report format (default console). Repeat for several reports in one run.",
)
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    help="Write the report to FILE. The n-th --output pairs with the n-th --format; "
    "the one format left without an output goes to stdout.",
)
@click.option(
    "--sarif-category",
    default=None,
    help="SARIF runAutomationDetails.id, e.g. iacgate/terraform/: lets several scans of one repository "
    "upload to GitHub code scanning side by side.",
)
@click.option(
    "--docs-url",
    default=DOCS_URL,
    show_default=True,
    help="Check documentation that SARIF, JUnit and markdown reports link to (`#<check id>` is appended).",
)
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
def scan_command(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    sarif_category: str | None,
    docs_url: str,
    framework: str | None,
    only: str | None,
    skip: str | None,
    severity_threshold: str,
    show_unknown: bool,
    no_cache: bool,
    workers: int | None,
) -> None:
    """Scan PATHS for misconfigurations."""
    reports = pair_reports(formats, outputs)
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
    )
    result = _run_with_progress(options)
    threshold = Severity(severity_threshold)
    for fmt, output in reports:
        context = ReportContext(
            threshold=threshold,
            color=fmt == "console" and output is None and sys.stdout.isatty(),
            show_unknown=show_unknown,
            sarif_category=sarif_category,
            docs_url=docs_url,
            source_url=_github_source_url(result.root),
            today=date.today(),
        )
        _write(renderer(fmt)(result, context), output)
    sys.exit(exit_code(result, threshold))


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
