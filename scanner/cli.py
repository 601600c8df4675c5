"""Command line: wires options to the pipeline and the renderers; no logic of its own.

Exit status: 0 nothing at or above the threshold; 1 findings at or above it (not suppressed, and
new or overdue when a baseline is used); 2 usage, configuration, baseline or git error (including a
check selection that leaves no check to run); +4 when the scan was incomplete (a file could not be
read or parsed; with --fail-on-incomplete, anything not evaluated, or no IaC file at all).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import click

import scanner.config as configuration
import scanner.filter as filtering
import scanner.limits as limits
import scanner.workspace as workspace
from scanner import __version__
from scanner.compliance import COMPLIANCE_FRAMEWORKS
from scanner.discover import scan_root
from scanner.docs import DOCS_URL, fix_text, render_checks_markdown
from scanner.parsers import ParseCache
from scanner.records import FRAMEWORKS, ScanResult, Severity
from scanner.registry import Check, Selection, load_builtin_checks
from scanner.report import FORMATS, ReportContext, renderer
from scanner.report.console import wants_color
from scanner.scan import ScanOptions, scan
from scanner.suggest import did_you_mean

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
    chosen = {v.lower() for v in _csv(value)} or configured or set(FRAMEWORKS)
    unknown = sorted(chosen - set(FRAMEWORKS))
    if unknown:
        problems = [f"unknown framework {name!r}{did_you_mean(name, FRAMEWORKS)}" for name in unknown]
        raise click.BadParameter(
            f"{'; '.join(problems)}; choose from {', '.join(FRAMEWORKS)}", param_hint="--framework"
        )
    return chosen


def exit_code(result: ScanResult, threshold: Severity, *, fail_on_incomplete: bool = False) -> int:
    """1 for blocking findings, +4 for an incomplete scan (or, strictly, any part not evaluated)."""
    findings_fail, coverage_fails = result.verdict(threshold, fail_on_incomplete=fail_on_incomplete)
    return (EXIT_FINDINGS if findings_fail else 0) + (EXIT_INCOMPLETE if coverage_fails else 0)


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


class ReportFormat(click.ParamType):
    """`FORMAT` or `FORMAT:FILE`: a report and, optionally, the file it goes to (`-` is stdout)."""

    name = "FORMAT[:FILE]"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        fmt, sep, target = value.partition(":")
        if fmt not in FORMATS:
            self.fail(f"{fmt!r} is not one of {', '.join(FORMATS)}{did_you_mean(fmt, FORMATS)}", param, ctx)
        if sep and not target:
            self.fail(f"{value!r}: no file after ':'", param, ctx)
        return value


class ReportCommand(click.Command):
    """Remembers the order of --format and --output on the command line, which click's values lose,
    so `--format sarif -o x.sarif --format markdown` pairs as written (see `pair_reports`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[REPORT_ORDER] = [p.name for p in order if p.name in ("formats", "outputs")]
        return super().parse_args(ctx, args)


REPORT_ORDER = "iacgate.report_order"
REPORT_OPTIONS = [
    click.option(
        "--format",
        "formats",
        type=ReportFormat(),
        multiple=True,
        help=f"Report format ({', '.join(FORMATS)}; default console), optionally with its file: "
        "`--format sarif:iacgate.sarif`. Repeat for several reports in one run.",
    ),
    click.option(
        "--output",
        "-o",
        "outputs",
        multiple=True,
        metavar="FILE",
        help="Write the report of the --format just before it to FILE (`--format sarif -o x.sarif`). "
        "The one format left without a file goes to stdout.",
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
        help="Check documentation that the console, SARIF, JUnit, markdown and other reports link to "
        "(`#<check id>` is appended).",
    ),
    click.option(
        "--compact",
        is_flag=True,
        help="Console: leave out each finding's check title, fix and documentation link.",
    ),
]


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """--format/--output pairs, --sarif-category, --docs-url and --compact: the same for `scan` and `plan`."""
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
        help="Configuration file (default: the nearest .iacgate.yaml or [tool.iacgate] in pyproject.toml, "
        "from the scanned paths up to the root).",
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
        type=click.Choice(SEVERITIES, case_sensitive=False),
        default=None,
        help="Findings below it are reported but do not fail the run (default: the config's, else low).",
    ),
    click.option(
        "--fail-on-incomplete/--no-fail-on-incomplete",
        default=None,
        help="Fail the gate (exit status +4) when any part was not evaluated: a remote module not initialised, "
        "a template, a check undecided on an unknown value, no IaC file (default: the config's, else off).",
    ),
    click.option("--show-unknown", is_flag=True, help="List checks that could not decide and why."),
    click.option("--no-cache", is_flag=True, help="Do not read or write the parse cache."),
    click.option(
        "--checks-dir",
        "checks_dirs",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Load your own YAML and Python checks from DIR too (repeatable; see CONTRIBUTING.md).",
    ),
    click.option(
        "--compliance",
        type=click.Choice(sorted(COMPLIANCE_FRAMEWORKS), case_sensitive=False),
        default=None,
        help="Run only the checks that evidence a control of this framework; reports summarise each control.",
    ),
]


def gate_options(command: Callable[..., None]) -> Callable[..., None]:
    """Check selection, configuration, baseline and threshold: the same for `scan` and `plan`."""
    for option in reversed(GATE_OPTIONS):
        command = option(command)
    return command


def custom_checks(
    checks_dirs: tuple[Path, ...], config: configuration.Config, config_file: Path | None
) -> dict[str, Check]:
    """The user's checks: --checks-dir directories, then the config's `custom-checks`. Python files run
    only from directories the person running iacgate named: on the command line, or in a --config
    file (not in one found in the scanned tree). A broken check file is exit 2."""
    from scanner.custom import ChecksDirectory, CustomChecksError, load_custom_checks

    directories = [ChecksDirectory(path, run_python=True) for path in checks_dirs]
    directories += [ChecksDirectory(path, run_python=config_file is not None) for path in config.custom_checks]
    try:
        return load_custom_checks(directories)
    except CustomChecksError as exc:
        raise ConfigProblem(f"custom checks cannot be loaded:\n{exc}") from exc


def check_selection(
    only: str | None,
    skip: str | None,
    config: configuration.Config,
    frameworks: set[str],
    custom: dict[str, Check] | None = None,
    compliance: str | None = None,
) -> Selection:
    """The checks to run, the user's among them. Unknown check ids on the command line are usage errors, in
    the config file configuration errors; a selection that leaves no check to run is a usage error naming why."""
    checks = {**load_builtin_checks(), **(custom or {})}
    canonical = {check_id.casefold(): check_id for check_id in checks}
    problems = [
        f"Invalid value for '{option}': unknown check id {check_id!r}{did_you_mean(check_id, checks)}"
        for option, value in (("--check", only), ("--skip-check", skip))
        for check_id in sorted(_csv(value))
        if check_id.casefold() not in canonical
    ]
    if problems:
        raise click.UsageError("\n".join(problems))
    only_ids = {canonical[v.casefold()] for v in _csv(only)}
    skip_ids = {canonical[v.casefold()] for v in _csv(skip)}
    config = known_check_ids(config, checks)
    selection = Selection(
        only=only_ids or config.checks,
        skip=skip_ids or config.skip_checks,
        frameworks=frameworks,
        custom=custom or {},
        compliance=compliance,
    )
    if not selection.select(checks):
        only_from = "--check" if only_ids else f"checks in {config.source}"
        skip_from = "--skip-check" if skip_ids else f"skip-checks in {config.source}"
        raise click.UsageError(f"no check left to run: {_why_none(selection, checks, only_from, skip_from)}")
    return selection


def known_check_ids(config: configuration.Config, checks: dict[str, Check]) -> configuration.Config:
    """The configuration with its check ids spelled as registered (any case is accepted); an id that
    names no check is a configuration error, each listed with the closest id."""
    canonical = {check_id.casefold(): check_id for check_id in checks}
    unknown = sorted(i for i in config.check_ids() if i.casefold() not in canonical)
    if unknown:
        raise ConfigProblem(
            "\n".join(f"unknown check id {i!r} in {config.source}{did_you_mean(i, checks)}" for i in unknown)
        )
    return config.with_check_ids(canonical)


def _why_none(selection: Selection, checks: dict[str, Check], only_from: str, skip_from: str) -> str:
    if not selection.only:
        return f"{skip_from} skips every check of {', '.join(sorted(selection.frameworks))}"
    reasons = []
    for check_id in sorted(selection.only):
        framework = checks[check_id].framework
        if check_id in selection.skip:
            reasons.append(f"{check_id} is selected by {only_from} and skipped by {skip_from}")
        elif framework not in selection.frameworks:
            reasons.append(
                f"{check_id} is a {framework} check, but only {', '.join(sorted(selection.frameworks))} is scanned"
            )
    return "; ".join(reasons)


def write_reports(
    result: ScanResult,
    reports: list[tuple[str, str | None]],
    threshold: Severity,
    *,
    show_unknown: bool,
    sarif_category: str | None,
    docs_url: str,
    fail_on_incomplete: bool = False,
    compliance: str | None = None,
    started: datetime | None = None,
    compact: bool = False,
) -> None:
    """Every report (those that cannot be written are listed together at the end, exit 2, and do not stop
    the others), then, when none went to stdout, a one-line summary on stderr so a CI log is never empty."""
    context = ReportContext(
        threshold=threshold,
        show_unknown=show_unknown,
        sarif_category=sarif_category,
        docs_url=docs_url,
        source_url=_github_source_url(result.root),
        today=date.today(),
        fail_on_incomplete=fail_on_incomplete,
        compliance=compliance,
        started=started,
        finished=datetime.now(timezone.utc),
        compact=compact,
        full_list=_full_list(reports),
    )
    terminal = sys.stdout is not None and sys.stdout.isatty()
    failures: list[str] = []
    for fmt, output in reports:
        on_screen = fmt == "console" and output is None
        shown = replace(
            context,
            color=on_screen and wants_color(terminal, os.environ),
            width=shutil.get_terminal_size().columns if on_screen and terminal else None,
        )
        try:
            _write(renderer(fmt)(result, shown), output)
        except OSError as exc:  # the other reports are still written
            failures.append(f"cannot write the {fmt} report to {output or 'stdout'}: {exc.strerror or exc}")
    if failures:
        raise ReportNotWritten("\n".join(failures))
    if all(output is not None for _, output in reports):
        from scanner.report.console import one_line

        click.echo(one_line(result, context), err=True)


@main.command("scan", cls=ReportCommand, short_help="Scan PATHS (or - for standard input) for misconfigurations.")
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
    "--skip-path",
    "skip_paths",
    multiple=True,
    metavar="PATTERN",
    help="Do not scan files matching PATTERN (gitignore-style, relative to --root; repeatable), "
    "like `exclude-paths` in the config file.",
)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Directory reported paths are relative to; it must contain PATHS (default: the git work tree around "
    "them, else $GITHUB_WORKSPACE or $CI_PROJECT_DIR when it holds them, else their common directory).",
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
@click.option(
    "--helm-values",
    "helm_values",
    multiple=True,
    metavar="CHART=FILE",
    help="Render Helm chart CHART (its directory or name) with values FILE over its defaults (repeatable, later "
    "wins; needs iacgate[helm]).",
)
@click.option(
    "--stdin-name",
    default="stdin.yaml",
    show_default=True,
    metavar="NAME",
    help="With PATHS `-` (Kubernetes YAML on standard input): the path findings are reported in, for the "
    "documents that no `# Source:` comment (helm template) places in a file.",
)
def scan_command(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    sarif_category: str | None,
    docs_url: str,
    compact: bool,
    framework: str | None,
    only: str | None,
    skip: str | None,
    config_file: Path | None,
    baseline: Path | None,
    create_baseline: Path | None,
    update_baseline: Path | None,
    diff_base: str | None,
    skip_paths: tuple[str, ...],
    root: Path | None,
    severity_threshold: str,
    fail_on_incomplete: bool | None,
    show_unknown: bool,
    no_cache: bool,
    workers: int | None,
    var_files: tuple[Path, ...],
    var_values: tuple[str, ...],
    checks_dirs: tuple[Path, ...],
    compliance: str | None,
    helm_values: tuple[str, ...],
    stdin_name: str,
) -> None:
    """Scan PATHS for misconfigurations (`-`: Kubernetes YAML on standard input, e.g. from `helm template`
    or `kustomize build`)."""
    reports = pair_reports(formats, outputs, click.get_current_context().meta.get(REPORT_ORDER))
    stdin = paths == (Path("-"),)
    if Path("-") in paths and not stdin:
        raise click.BadParameter("`-` (standard input) cannot be combined with other paths", param_hint="PATHS")
    missing = [] if stdin else [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(f"no such path: {', '.join(missing)}", param_hint="PATHS")
    config, options = _scan_options(
        [Path.cwd()] if stdin else list(paths),
        root,
        config_file,
        checks_dirs,
        _Selected(only, skip, framework, compliance),
        no_cache=no_cache,
        workers=workers,
        skip_paths=skip_paths,
        var_files=var_files,
        var_values=var_values,
        helm_values=helm_values,
    )
    options.filters = _filter_options(config, baseline, create_baseline, update_baseline, diff_base)
    root = options.root
    severity_threshold = severity_threshold or (config.severity_threshold or Severity.LOW).value
    started = datetime.now(timezone.utc)
    if stdin:
        from scanner.scan import scan_stream

        result = scan_stream(sys.stdin.read(), stdin_name, replace(options, root=root))
    else:
        result = _run_with_progress(options)
    threshold = Severity(severity_threshold)
    strict = config.fail_on_incomplete if fail_on_incomplete is None else fail_on_incomplete
    write_reports(
        result,
        reports,
        threshold,
        show_unknown=show_unknown,
        sarif_category=sarif_category,
        docs_url=docs_url,
        fail_on_incomplete=strict,
        compliance=compliance,
        started=started,
        compact=compact,
    )
    sys.exit(exit_code(result, threshold, fail_on_incomplete=strict))


@dataclass(frozen=True)
class _Selected:
    """--check, --skip-check, --framework and --compliance as given."""

    only: str | None
    skip: str | None
    framework: str | None
    compliance: str | None


def _scan_options(
    paths: list[Path],
    root: Path | None,
    config_file: Path | None,
    checks_dirs: tuple[Path, ...],
    selected: _Selected,
    *,
    no_cache: bool,
    workers: int | None,
    skip_paths: tuple[str, ...],
    var_files: tuple[Path, ...],
    var_values: tuple[str, ...],
    helm_values: tuple[str, ...],
) -> tuple[configuration.Config, ScanOptions]:
    """The configuration found for PATHS and the scan options from it and the command line (whose
    values come last, so they win); `filters` is left to the command."""
    try:
        root, config = configuration.for_scan(paths, root, config_file)
    except configuration.ConfigError as exc:
        raise ConfigProblem(str(exc)) from exc
    custom = custom_checks(checks_dirs, config, config_file)
    config = known_check_ids(config, {**load_builtin_checks(), **custom})
    frameworks = _frameworks(selected.framework, config.frameworks)
    selection = check_selection(selected.only, selected.skip, config, frameworks, custom, selected.compliance)
    return config, ScanOptions(
        paths=paths,
        selection=selection,
        cache_dir=None if no_cache else ParseCache.default_directory(),
        workers=workers,
        excludes=[*config.exclude_paths, *skip_paths],
        var_files=[*config.var_files, *var_files],
        variables=_variables(var_values),
        helm_values=_merged(config.helm_values, _helm_values(helm_values)),
        root=root,
    )


@main.command("fix", short_help="Fix what checks can fix, where the value was set: a diff, or --write.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@gate_options
@click.option("--framework", default=None, help="Comma-separated: terraform,kubernetes,dockerfile.")
@click.option("--write", is_flag=True, help="Apply the fixes to the files (default: print the diff only).")
@click.option(
    "--unsafe",
    is_flag=True,
    help="Also make fixes that can break a working system, and those whose value other resources share; "
    "the diff says why each needs review.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["diff", "sarif", "json"]),
    default="diff",
    show_default=True,
    help="diff: the unified diff with a header per fix; sarif/json: the findings with each fix's exact edits.",
)
@click.option("--output", "-o", "output", default=None, metavar="FILE", help="Write the report to FILE.")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Directory reported paths are relative to, as for scan; no file outside it is read or written.",
)
@click.option("--skip-path", "skip_paths", multiple=True, metavar="PATTERN", help="Do not scan files matching PATTERN.")
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Terraform variable values for every root module (repeatable).",
)
@click.option("--var", "var_values", multiple=True, help="Terraform variable NAME=VALUE (repeatable).")
@click.option("--docs-url", default=DOCS_URL, show_default=True, help="Check documentation the SARIF links to.")
def fix_command(
    paths: tuple[Path, ...],
    only: str | None,
    skip: str | None,
    config_file: Path | None,
    baseline: Path | None,
    severity_threshold: str | None,
    fail_on_incomplete: bool | None,
    show_unknown: bool,
    no_cache: bool,
    checks_dirs: tuple[Path, ...],
    compliance: str | None,
    framework: str | None,
    write: bool,
    unsafe: bool,
    fmt: str,
    output: str | None,
    root: Path | None,
    skip_paths: tuple[str, ...],
    var_files: tuple[Path, ...],
    var_values: tuple[str, ...],
    docs_url: str,
) -> None:
    """Fix the findings of PATHS whose check declares a safe value, at the place the value was set (the
    literal, variable default, .tfvars line, local or module input). Prints a diff; --write applies it.
    Exit status as for scan, on the findings that remain after the fixes."""
    from scanner.fix.diff import render as render_diff
    from scanner.fix.stage import propose
    from scanner.fix.stage import write as write_fixes

    config, options = _scan_options(
        list(paths),
        root,
        config_file,
        checks_dirs,
        _Selected(only, skip, framework, compliance),
        no_cache=no_cache,
        workers=None,
        skip_paths=skip_paths,
        var_files=var_files,
        var_values=var_values,
        helm_values=(),
    )
    options.filters = _filter_options(config, baseline, None, None, None)
    threshold = Severity(severity_threshold or (config.severity_threshold or Severity.LOW).value)
    result = _run_with_progress(options)
    run = propose(result, unsafe=unsafe, threshold=threshold)
    errors = write_fixes(run) if write else []
    if fmt == "diff":
        text = render_diff(run)
    else:
        context = ReportContext(threshold=threshold, show_unknown=show_unknown, docs_url=docs_url, today=date.today())
        text = renderer(fmt)(run.result, context)
    _write(text, output)
    for error in errors:
        click.echo(f"iacgate: {error.file}: {error.message}", err=True)
    if write:
        click.echo(f"iacgate fix: wrote {len(run.changes) - len(errors)} of {len(run.changes)} file(s)", err=True)
    strict = config.fail_on_incomplete if fail_on_incomplete is None else fail_on_incomplete
    code = exit_code(run.remaining, threshold, fail_on_incomplete=strict)
    sys.exit(EXIT_USAGE if errors else code)


def _merged(first: dict[str, list[Path]], then: dict[str, list[Path]]) -> dict[str, list[Path]]:
    """Values files per chart, `then`'s after `first`'s (a later values file wins)."""
    return {chart: [*first.get(chart, []), *then.get(chart, [])] for chart in {**first, **then}}


def _helm_values(items: tuple[str, ...]) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for item in items:
        chart, sep, file = item.partition("=")
        if not sep or not chart.strip() or not Path(file).is_file():
            raise click.BadParameter(
                f"expected CHART=FILE with an existing FILE, got {item!r}", param_hint="--helm-values"
            )
        out.setdefault(chart.strip().rstrip("/"), []).append(Path(file))
    return out


def _variables(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        out[name.strip()] = value
    return out


def pair_reports(
    formats: tuple[str, ...], outputs: tuple[str, ...], order: list[str] | None = None
) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) per report.

    `--format FORMAT:FILE` names its file. Plain `--output` values go, in order, to the formats
    without one; when there are fewer of them than such formats, each must follow its own --format
    on the command line (`order`: "formats"/"outputs" as written), else which report lands in which
    file is a guess: `--format console --format sarif -o x.sarif` would write the console text to
    x.sarif, so it is refused (exit 2). At most one report goes to stdout.
    """
    reports = [_split_format(value) for value in formats] or [("console", None)]
    open_slots = [n for n, (_, target) in enumerate(reports) if target is None]
    if len(outputs) > len(open_slots):
        raise click.BadParameter(
            f"{len(outputs)} outputs for {len(open_slots)} formats without a file", param_hint="--output"
        )
    if outputs and len(outputs) < len(open_slots) and not _written_after_their_format(order, reports, len(outputs)):
        fmt = reports[open_slots[0]][0]
        raise click.BadParameter(
            f"which report goes to {outputs[0]!r} is ambiguous: in order it would get the {fmt} report. "
            f"Put each --output right after its --format, or write --format FORMAT:{outputs[0]}",
            param_hint="--output",
        )
    paired = list(reports)
    for slot, output in zip(open_slots, outputs, strict=False):
        paired[slot] = (reports[slot][0], output)
    paired = [(fmt, None if target == "-" else target) for fmt, target in paired]
    if sum(1 for _, output in paired if output is None) > 1:
        raise click.BadParameter("only one report can go to stdout; give the others a file", param_hint="--format")
    return paired


def _split_format(value: str) -> tuple[str, str | None]:
    fmt, sep, target = value.partition(":")
    return fmt, target if sep else None


def _written_after_their_format(order: list[str] | None, reports: list[tuple[str, str | None]], count: int) -> bool:
    """Each of the first `count` plain outputs comes after the format it pairs with and before the next format."""
    if order is None:
        return False
    open_slots = [n for n, (_, target) in enumerate(reports) if target is None]
    current, outputs_seen = -1, 0
    for name in order:
        if name == "formats":
            current += 1
        elif outputs_seen >= count or open_slots[outputs_seen] != current:
            return False
        else:
            outputs_seen += 1
    return True


FULL_LISTS = ("sarif", "json", "csv", "gitlab-sast", "junit")  # formats that list every finding


def _full_list(reports: list[tuple[str, str | None]]) -> str | None:
    """Where every finding is, for a report that lists only the worst: `$IACGATE_FULL_REPORT` (set by a CI
    job that publishes a report, e.g. the GitHub Action's artifact), else this run's report files."""
    published = os.environ.get("IACGATE_FULL_REPORT")
    if published:
        return published
    files = sorted(
        ((FULL_LISTS.index(fmt), fmt, output) for fmt, output in reports if fmt in FULL_LISTS and output),
    )
    return " and ".join(f"`{output}` ({fmt})" for _, fmt, output in files) or None


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
            # a stage of unknown length (total 0) pulses instead of sitting at the last stage's 100%
            bar.update(task, description=stage, completed=done, total=total or None)

        return scan(options, progress)


@main.command("plan", cls=ReportCommand, short_help="Gate a Terraform plan (JSON): judge what it creates or changes.")
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
    help="Directory reported paths are relative to; it must contain --source (default: the git work tree "
    "around --source, or the plan, else $GITHUB_WORKSPACE or $CI_PROJECT_DIR, else their directory).",
)
@click.option("--all-resources", is_flag=True, help="Also judge resources the plan leaves unchanged (no-op).")
def plan_command(
    plan_file: Path,
    source: Path | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    sarif_category: str | None,
    docs_url: str,
    compact: bool,
    only: str | None,
    skip: str | None,
    config_file: Path | None,
    baseline: Path | None,
    root: Path | None,
    severity_threshold: str | None,
    all_resources: bool,
    fail_on_incomplete: bool | None,
    show_unknown: bool,
    no_cache: bool,
    checks_dirs: tuple[Path, ...],
    compliance: str | None,
) -> None:
    """Gate a Terraform plan (`terraform show -json plan.out > PLAN.json`): judge what it creates or changes."""
    from scanner.plan import PlanError, PlanOptions, run_plan

    reports = pair_reports(formats, outputs, click.get_current_context().meta.get(REPORT_ORDER))
    if not plan_file.is_file():
        raise click.BadParameter(f"no such file: {plan_file}", param_hint="PLAN.json")
    scanned = [source if source is not None else plan_file]
    try:
        root = workspace.report_root(scanned, root)
        config = configuration.load_config(root, config_file, start=scan_root(scanned))
    except (workspace.RootError, configuration.ConfigError) as exc:
        raise ConfigProblem(str(exc)) from exc
    custom = custom_checks(checks_dirs, config, config_file)
    config = known_check_ids(config, {**load_builtin_checks(), **custom})
    selection = check_selection(only, skip, config, {"terraform"}, custom, compliance)
    severity_threshold = severity_threshold or (config.severity_threshold or Severity.LOW).value
    options = PlanOptions(
        plan=plan_file,
        source=source,
        selection=selection,
        all_resources=all_resources,
        cache_dir=None if no_cache else ParseCache.default_directory(),
        filters=_filter_options(config, baseline, None, None, None),
        root=root,
    )
    started = datetime.now(timezone.utc)
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
    strict = config.fail_on_incomplete if fail_on_incomplete is None else fail_on_incomplete
    write_reports(
        run.result,
        reports,
        threshold,
        show_unknown=show_unknown,
        sarif_category=sarif_category,
        docs_url=docs_url,
        fail_on_incomplete=strict,
        compliance=compliance,
        started=started,
        compact=compact,
    )
    sys.exit(exit_code(run.result, threshold, fail_on_incomplete=strict))


@main.command("checks", short_help="List the registered checks and your own.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option(
    "--checks-dir",
    "checks_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Also list your own checks from DIR (repeatable).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Configuration file whose `custom-checks` to list (default: the one in the current directory).",
)
@click.option(
    "--compliance",
    type=click.Choice(sorted(COMPLIANCE_FRAMEWORKS)),
    default=None,
    help="List only the checks that evidence a control of this framework.",
)
def checks_command(fmt: str, checks_dirs: tuple[Path, ...], config_file: Path | None, compliance: str | None) -> None:
    """List every registered check and the user's own (`--format markdown` is docs/checks.md)."""
    try:
        config = configuration.load_config(Path.cwd(), config_file)
    except configuration.ConfigError as exc:
        raise ConfigProblem(str(exc)) from exc
    catalogue = {**load_builtin_checks(), **custom_checks(checks_dirs, config, config_file)}
    checks = sorted(
        (c for c in catalogue.values() if compliance is None or compliance in c.compliance), key=lambda c: c.id
    )
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
                "compliance": {name: list(controls) for name, controls in c.compliance.items()},
                "source": c.source,
                "fix": None if c.fix is None else {"made_by_default": not c.fix.unsafe, "does": fix_text(c.fix)},
            }
            for c in checks
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("ID", "Severity", "Framework", "Title", "Resource types", "CWE", "Compliance", "Source")
    for c in checks:
        controls = "; ".join(f"{name} {', '.join(ids)}" for name, ids in c.compliance.items())
        table.add_row(
            c.id, c.severity.value, c.framework, c.title, ", ".join(c.resource_types), c.cwe, controls, c.source
        )
    Console().print(table)  # the terminal's width (COLUMNS when piped), columns wrapped to fit


if __name__ == "__main__":
    main()
