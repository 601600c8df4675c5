"""Human report: findings grouped by file, coloured by severity, then a summary.

Suppressed findings and baselined ones within their SLA are not listed, only counted; each
finding shows where its value came from (`value from`) and the resources it relates to.
"""

from __future__ import annotations

import io
from datetime import date
from itertools import groupby

from rich.console import Console
from rich.text import Text

from scanner.records import Finding, ScanError, ScanResult, Severity
from scanner.report import UNDECIDED_EXAMPLES, ReportContext
from scanner.report import undecided as report_undecided

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(result: ScanResult, context: ReportContext) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=context.color,
        no_color=not context.color,
        width=120,
        highlight=False,
        soft_wrap=True,
    )
    open_ = [f for f in result.findings if f.suppression is None]
    shown = sorted(
        (f for f in open_ if f.overdue or f.baseline_state != "unchanged"), key=lambda f: f.sort_key
    )  # baselined ones are counted
    for file, items in groupby(shown, key=lambda f: f.location.file):
        console.print(Text(file, style="bold underline"))
        for f in items:
            line = Text("  ")
            line.append(f"{f.severity.value.upper():8}", style=STYLE[f.severity])
            line.append(f" {f.check_id} ", style="bold")
            line.append(f"line {f.location.start_line}: {f.message}")
            if f.overdue:
                line.append(f"  OVERDUE (first seen {f.first_seen})", style="bold red")
            console.print(line)
            console.print(Text(f"           {f.resource.address}", style="dim"))
            for step in f.trace:
                console.print(
                    Text(f"           value from {step.file}:{step.start_line} {step.note}".rstrip(), style="dim")
                )
            for rel in f.related:
                console.print(Text(f"           related {rel.file}:{rel.start_line} {rel.note}".rstrip(), style="dim"))
        console.print()
    problems = [e for e in result.errors if e.level != "info"]
    errors = [e for e in problems if e.level == "error"]
    if problems:
        console.print(
            Text("Scan errors" if len(errors) == len(problems) else "Scan errors and warnings", style="bold red")
        )
        for e in problems:
            console.print(Text(f"  {_where(e)}{e.message}"))
        console.print()
    _print_not_evaluated(console, result, context)
    if context.show_unknown and result.unknowns:
        console.print(Text("Undecided (value unknown)", style="bold"))
        for u in sorted(
            result.unknowns, key=lambda u: (u.resource.location.file, u.resource.location.start_line, u.check_id)
        ):
            console.print(
                Text(
                    f"  {u.resource.location.file}:{u.resource.line_of(u.path)} {u.check_id} "
                    f"{u.resource.address} {u.path}: {u.reason}"
                )
            )
        console.print()
    if context.today is not None:
        _print_ages(console, open_, context.today)
    if context.compliance:
        _print_compliance(console, result, context.compliance)
    counts = {s: sum(1 for f in shown if f.severity is s) for s in Severity}
    blocking = sum(1 for f in result.findings if f.is_blocking(context.threshold))
    summary = Text("Summary: ", style="bold")
    summary.append(f"{len(result.files)} files, {len(result.resources)} resources, {len(result.checks)} checks; ")
    summary.append(f"{result.passed} passed, {len(shown)} failed (")
    summary.append(", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s]) or "none")
    summary.append(f"), {blocking} blocking at {context.threshold.value} or above; ")
    summary.append(f"{len(result.findings) - len(open_)} suppressed, {len(open_) - len(shown)} in baseline, ")
    overdue = sum(1 for f in open_ if f.overdue)
    if overdue:
        summary.append(f"{overdue} overdue, ", style="bold red")
    if result.outside_diff:
        summary.append(f"{result.outside_diff} outside diff, ")
    summary.append(f"{len(result.unknowns)} unknown, {len(errors)} scan errors")
    if len(problems) > len(errors):
        summary.append(f", {len(problems) - len(errors)} warnings")
    if result.not_evaluated:
        summary.append(f", {len(result.not_evaluated)} not evaluated", style="bold")
    console.print(summary)
    return buffer.getvalue()


def one_line(result: ScanResult, context: ReportContext) -> str:
    """The run in one line, for the terminal when every report goes to a file (a CI log is never empty)."""
    open_ = [f for f in result.findings if f.suppression is None]
    blocking = sum(1 for f in result.findings if f.is_blocking(context.threshold))
    errors = sum(1 for e in result.errors if e.level == "error")
    parts = [
        f"{len(result.files)} files",
        f"{len(open_)} findings ({blocking} blocking at {context.threshold.value} or above)",
        f"{len(result.unknowns)} unknown",
        f"{errors} scan errors",
    ]
    if result.not_evaluated:
        parts.append(f"{len(result.not_evaluated)} not evaluated")
    fails = any(result.verdict(context.threshold, fail_on_incomplete=context.fail_on_incomplete))
    return f"iacgate: {', '.join(parts)}: the gate {'fails' if fails else 'passes'}"


NOT_EVALUATED_SHOWN = 10  # notices listed in the console; the JSON and SARIF reports carry all of them


def _print_not_evaluated(console: Console, result: ScanResult, context: ReportContext) -> None:
    """What was left unjudged, always visible: the first notices, counts, and where the rest are."""
    notices = result.not_evaluated
    undecided = len(result.unknowns) if not context.show_unknown else 0
    if not notices and not undecided:
        return
    counts = [f"{len(notices)} not scanned"] if notices else []
    counts += [f"{undecided} undecided"] if undecided else []
    console.print(Text(f"Not evaluated ({', '.join(counts)})", style="bold yellow"))
    for e in notices[:NOT_EVALUATED_SHOWN]:
        console.print(Text(f"  {_where(e)}{e.message}"))
    if len(notices) > NOT_EVALUATED_SHOWN:
        console.print(Text(f"  …and {len(notices) - NOT_EVALUATED_SHOWN} more (--format json or sarif lists them all)"))
    if undecided:
        noun = "check result" if undecided == 1 else "check results"
        console.print(Text(f"  {undecided} {noun} undecided: a value they need is unknown (--show-unknown lists them)"))
        for line in report_undecided(result)[:UNDECIDED_EXAMPLES]:
            console.print(Text(f"    {line}"))
    console.print()


def _where(error: ScanError) -> str:
    """`file:line: ` before a message; nothing for a scan-wide one (no file)."""
    if not error.file:
        return ""
    return f"{error.file}:{error.line}: " if error.line else f"{error.file}: "


AGE_BUCKETS = ((7, "< 7 days"), (30, "7-30 days"), (90, "30-90 days"), (None, "> 90 days"))


def _print_ages(console: Console, findings: list[Finding], today: date) -> None:
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
    console.print(Text("Open findings by age: ", style="bold").append(", ".join(f"{n} {k}" for k, n in counts.items())))


STATUS_STYLE = {"fail": "bold red", "unknown": "yellow", "pass": "green", "not_evaluated": "dim"}


def _print_compliance(console: Console, result: ScanResult, framework: str) -> None:
    """Per-control evidence: status, then pass / fail / unknown counts and the checks behind it."""
    from scanner.compliance import STATUSES, report

    summary = report(result, framework)
    console.print(Text(f"Compliance: {summary['title']}", style="bold"))
    for control in summary["controls"]:
        line = Text(f"  {control['control']:12} ")
        line.append(f"{control['status'].upper().replace('_', ' '):14}", style=STATUS_STYLE[control["status"]])
        line.append(f"{control['passed']} passed, {control['failed']} failed, {control['unknown']} unknown")
        if control["suppressed"]:
            line.append(f", {control['suppressed']} suppressed")
        line.append(f"  ({', '.join(control['checks'])})", style="dim")
        console.print(line)
    totals = summary["totals"]
    console.print(
        Text("  Controls: ").append(", ".join(f"{totals[s]} {s.replace('_', ' ')}" for s in STATUSES))
    )
    console.print()
