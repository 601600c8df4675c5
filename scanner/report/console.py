"""Human report: findings grouped by file, coloured by severity, then a summary.

Suppressed findings and baselined ones within their SLA are not listed, only counted; each
finding shows where its value came from (`value from`) and the resources it relates to.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date
from itertools import groupby

from rich.console import Console
from rich.text import Text

from scanner.docs import check_url
from scanner.records import Finding, ScanError, ScanResult, Severity
from scanner.registry import Check
from scanner.report import UNDECIDED_EXAMPLES, ReportContext, checks_by_id, open_findings
from scanner.report import undecided as report_undecided

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def wants_color(is_terminal: bool, environ: Mapping[str, str]) -> bool:
    """Colour on a terminal unless NO_COLOR is set (https://no-color.org); FORCE_COLOR forces it when piped
    (https://force-color.org, e.g. CI logs). Each counts when set to anything but the empty string;
    NO_COLOR wins over FORCE_COLOR."""
    if environ.get("NO_COLOR"):
        return False
    return bool(environ.get("FORCE_COLOR")) or is_terminal


def render(result: ScanResult, context: ReportContext) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=context.color,
        no_color=not context.color,
        width=context.width or 10_000,
        highlight=False,
        soft_wrap=True,
    )
    out = Printer(console, context.width)
    open_ = [f for f in result.findings if f.suppression is None]
    shown = sorted(open_findings(result), key=lambda f: f.sort_key)  # baselined ones within their SLA are counted
    shown = list({_identity(f): f for f in shown}.values())  # each finding once, even if reported twice
    checks = checks_by_id(result)
    for file, items in groupby(shown, key=lambda f: f.location.file):
        out.line(Text(file, style="bold underline"))
        for f in items:
            _print_finding(out, f, checks.get(f.check_id), context)
        out.line(Text())
    problems = [e for e in result.errors if e.level != "info"]
    errors = [e for e in problems if e.level == "error"]
    if problems:
        out.line(Text("Scan errors" if len(errors) == len(problems) else "Scan errors and warnings", style="bold red"))
        for e in problems:
            out.line(Text(f"{_where(e)}{e.message}"), indent=2, hang=2)
        out.line(Text())
    _print_not_evaluated(out, result, context)
    if context.show_unknown and result.unknowns:
        out.line(Text("Undecided (value unknown)", style="bold"))
        for u in sorted(
            result.unknowns, key=lambda u: (u.resource.location.file, u.resource.location.start_line, u.check_id)
        ):
            out.line(
                Text(
                    f"{u.resource.file_of(u.path)}:{u.resource.line_of(u.path)} {u.check_id} "
                    f"{u.resource.address} {u.path}: {u.reason}"
                ),
                indent=2,
            )
        out.line(Text())
    if context.today is not None:
        _print_ages(out, open_, context.today)
    if context.compliance:
        _print_compliance(out, result, context.compliance)
    _print_summary(out, result, context, shown, open_, problems)
    return buffer.getvalue()


class Printer:
    """Lines on the console, wrapped at word boundaries to `width` (None: never wrapped, for pipes and
    files) with continuation lines indented like the line's first one, or by `hang` more."""

    def __init__(self, console: Console, width: int | None) -> None:
        self.console = console
        self.width = width

    def line(self, text: Text, indent: int = 0, hang: int = 0, wrap: bool = True) -> None:
        """`text` at `indent`; `wrap=False` keeps it whole (a link cut in two cannot be followed)."""
        if self.width is None or not wrap or indent + len(text.plain) <= self.width:
            self.console.print(Text(" " * indent) + text)
            return
        for n, part in enumerate(text.wrap(self.console, max(20, self.width - indent - hang))):
            part.rstrip()
            self.console.print(Text(" " * (indent if n == 0 else indent + hang)) + part)


FINDING_INDENT = 2 + 9  # "  HIGH     ": where a finding's details start


def _print_finding(out: Printer, f: Finding, check: Check | None, context: ReportContext) -> None:
    head = Text()
    head.append(f"{f.severity.value.upper():8}", style=STYLE[f.severity])
    head.append(f" {f.check_id} ", style="bold")
    head.append(f"line {f.location.start_line}: {f.message}")
    if f.overdue:
        head.append(f"  OVERDUE (first seen {f.first_seen})", style="bold red")
    out.line(head, indent=2, hang=9)
    if f.resource.address not in f.message:
        out.line(Text(f.resource.address, style="dim"), indent=FINDING_INDENT)
    for step in f.trace:
        out.line(
            Text(f"value from {step.file}:{step.start_line} {step.note}".rstrip(), style="dim"), indent=FINDING_INDENT
        )
    for rel in f.related:
        out.line(Text(f"related {rel.file}:{rel.start_line} {rel.note}".rstrip(), style="dim"), indent=FINDING_INDENT)
    if check is not None and not context.compact:
        url = check_url(check.id, context.docs_url)
        titled = Text(f"{check.title}: {url}", style="dim")
        if out.width is None or FINDING_INDENT + len(titled.plain) <= out.width:
            out.line(titled, indent=FINDING_INDENT)
        else:
            out.line(Text(f"{check.title}:", style="dim"), indent=FINDING_INDENT)
            # whole, so it can be followed: indented less when that is what keeps it on one line
            out.line(Text(url, style="dim"), indent=min(FINDING_INDENT, max(0, out.width - len(url))), wrap=False)
        out.line(Text("fix: ", style="green").append(first_sentence(check.remediation)), indent=FINDING_INDENT, hang=5)


def first_sentence(text: str) -> str:
    """The remediation's first sentence: the fix in one line; the documentation has the rest."""
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z`])", " ".join(text.split()), maxsplit=1)[0]
    return sentence


def _identity(f: Finding) -> tuple[str, ...]:
    return (f.check_id, f.location.file, str(f.location.start_line), f.resource.address, f.attribute or "", f.message)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def _print_summary(
    out: Printer,
    result: ScanResult,
    context: ReportContext,
    shown: list[Finding],
    open_: list[Finding],
    problems: list[ScanError],
) -> None:
    """Like with like: what was scanned, the findings and what became of them, check results, the scan."""
    counts = {s: sum(1 for f in shown if f.severity is s) for s in Severity}
    blocking = sum(1 for f in result.findings if f.is_blocking(context.threshold))
    out.line(
        Text("Summary: ", style="bold").append(
            f"scanned {_count(len(result.files), 'file')}, {_count(len(result.resources), 'resource')} "
            f"with {_count(len(result.checks), 'check')}."
        )
    )
    findings = Text(f"{_count(len(shown), 'finding')}")
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s])
    findings.append(f" ({by_severity})" if by_severity else "")
    findings.append(f": {blocking} blocking at {context.threshold.value} or above")
    extra = [
        (len(result.findings) - len(open_), "suppressed"),
        (len(open_) - len(shown), "in baseline"),
        (result.outside_diff, "outside the diff"),
    ]
    findings.append("".join(f", {n} {label}" for n, label in extra if n))
    overdue = sum(1 for f in open_ if f.overdue)
    if overdue:
        findings.append(f", {overdue} overdue", style="bold red")
    out.line(findings.append("."), indent=2, hang=2)
    results = f"{_count(result.passed, 'check result')} passed, {len(result.unknowns)} unknown."
    out.line(Text(results), indent=2, hang=2)
    errors = sum(1 for e in problems if e.level == "error")
    scan = Text(f"{_count(errors, 'scan error')}, {_count(len(problems) - errors, 'warning')}")
    if result.not_evaluated:
        scan.append(f", {len(result.not_evaluated)} not evaluated", style="bold")
    out.line(scan.append("."), indent=2, hang=2)


def one_line(result: ScanResult, context: ReportContext) -> str:
    """The run in one line, for the terminal when every report goes to a file (a CI log is never empty)."""
    open_ = [f for f in result.findings if f.suppression is None]
    blocking = sum(1 for f in result.findings if f.is_blocking(context.threshold))
    errors = sum(1 for e in result.errors if e.level == "error")
    parts = [
        _count(len(result.files), "file"),
        f"{_count(len(open_), 'finding')} ({blocking} blocking at {context.threshold.value} or above)",
        f"{len(result.unknowns)} unknown",
        _count(errors, "scan error"),
    ]
    if result.not_evaluated:
        parts.append(f"{len(result.not_evaluated)} not evaluated")
    fails = any(result.verdict(context.threshold, fail_on_incomplete=context.fail_on_incomplete))
    return f"iacgate: {', '.join(parts)}: the gate {'fails' if fails else 'passes'}"


NOT_EVALUATED_SHOWN = 10  # notices listed in the console; the JSON and SARIF reports carry all of them


def _print_not_evaluated(out: Printer, result: ScanResult, context: ReportContext) -> None:
    """What was left unjudged, always visible: the first notices, counts, and where the rest are."""
    notices = result.not_evaluated
    undecided = len(result.unknowns) if not context.show_unknown else 0
    if not notices and not undecided:
        return
    counts = [f"{len(notices)} not scanned"] if notices else []
    counts += [f"{undecided} undecided"] if undecided else []
    out.line(Text(f"Not evaluated ({', '.join(counts)})", style="bold yellow"))
    for e in notices[:NOT_EVALUATED_SHOWN]:
        out.line(Text(f"{_where(e)}{e.message}"), indent=2, hang=2)
    if len(notices) > NOT_EVALUATED_SHOWN:
        out.line(
            Text(f"…and {len(notices) - NOT_EVALUATED_SHOWN} more (--format json or sarif lists them all)"), indent=2
        )
    if undecided:
        out.line(
            Text(
                f"{_count(undecided, 'check result')} undecided: "
                "a value they need is unknown (--show-unknown lists them)"
            ),
            indent=2,
        )
        for line in report_undecided(result)[:UNDECIDED_EXAMPLES]:
            out.line(Text(line), indent=4)
    out.line(Text())


def _where(error: ScanError) -> str:
    """`file:line: ` before a message; nothing for a scan-wide one (no file)."""
    if not error.file:
        return ""
    return f"{error.file}:{error.line}: " if error.line else f"{error.file}: "


AGE_BUCKETS = ((7, "< 7 days"), (30, "7-30 days"), (90, "30-90 days"), (None, "> 90 days"))


def _print_ages(out: Printer, findings: list[Finding], today: date) -> None:
    """Open findings by time since first seen (from the baseline), so old debt stays visible."""
    ages = []
    for f in findings:
        try:
            ages.append((today - date.fromisoformat(f.first_seen or "")).days)
        except ValueError:
            continue
    if not ages:
        return
    counts = dict.fromkeys((label for _, label in AGE_BUCKETS), 0)
    for age in ages:
        label = next(label for limit, label in AGE_BUCKETS if limit is None or age < limit)
        counts[label] += 1
    out.line(Text("Open findings by age: ", style="bold").append(", ".join(f"{n} {k}" for k, n in counts.items())))


STATUS_STYLE = {"fail": "bold red", "unknown": "yellow", "pass": "green", "not_evaluated": "dim"}


def _print_compliance(out: Printer, result: ScanResult, framework: str) -> None:
    """Per-control evidence: status, then pass / fail / unknown counts and the checks behind it."""
    from scanner.compliance import STATUSES, report

    summary = report(result, framework)
    out.line(Text(f"Compliance: {summary['title']}", style="bold"))
    for control in summary["controls"]:
        line = Text(f"{control['control']:12} ")
        line.append(f"{control['status'].upper().replace('_', ' '):14}", style=STATUS_STYLE[control["status"]])
        line.append(f"{control['passed']} passed, {control['failed']} failed, {control['unknown']} unknown")
        if control["suppressed"]:
            line.append(f", {control['suppressed']} suppressed")
        line.append(f"  ({', '.join(control['checks'])})", style="dim")
        out.line(line, indent=2, hang=13)
    totals = summary["totals"]
    out.line(Text("Controls: ").append(", ".join(f"{totals[s]} {s.replace('_', ' ')}" for s in STATUSES)), indent=2)
    out.line(Text())
