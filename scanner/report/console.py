"""Human report: findings grouped by file, coloured by severity, then a summary."""

from __future__ import annotations

import io
from itertools import groupby

from rich.console import Console
from rich.text import Text

from scanner.records import Severity
from scanner.report import ReportContext
from scanner.scan import ScanResult

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
    shown = [f for f in result.findings if f.suppression is None]
    for file, items in groupby(shown, key=lambda f: f.location.file):
        console.print(Text(file, style="bold underline"))
        for f in items:
            line = Text("  ")
            line.append(f"{f.severity.value.upper():8}", style=STYLE[f.severity])
            line.append(f" {f.check_id} ", style="bold")
            line.append(f"line {f.location.start_line}: {f.message}")
            console.print(line)
            console.print(Text(f"           {f.resource.address}", style="dim"))
            for step in f.trace:
                console.print(
                    Text(f"           value from {step.file}:{step.start_line} {step.note}".rstrip(), style="dim")
                )
            for rel in f.related:
                console.print(Text(f"           related {rel.file}:{rel.start_line} {rel.note}".rstrip(), style="dim"))
        console.print()
    errors = [e for e in result.errors if e.level != "info"]
    if errors:
        console.print(Text("Scan errors", style="bold red"))
        for e in errors:
            where = f"{e.file}:{e.line}" if e.line else e.file
            console.print(Text(f"  {where}: {e.message}"))
        console.print()
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
    counts = {s: sum(1 for f in shown if f.severity is s) for s in Severity}
    summary = Text("Summary: ", style="bold")
    summary.append(f"{len(result.files)} files, {len(result.resources)} resources, {len(result.checks)} checks; ")
    summary.append(f"{result.passed} passed, {len(shown)} failed (")
    summary.append(", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s]) or "none")
    summary.append(f"), {len(result.findings) - len(shown)} suppressed, {len(result.unknowns)} unknown, ")
    summary.append(f"{len(errors)} scan errors")
    console.print(summary)
    return buffer.getvalue()
