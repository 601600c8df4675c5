"""Stage 7: renderers. Each module exposes `render(result, context) -> str`; output is deterministic."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from scanner.docs import DOCS_URL
from scanner.records import ScanResult, Severity

FORMATS = ("console", "json", "sarif", "junit", "markdown")


@dataclass(frozen=True)
class ReportContext:
    threshold: Severity = Severity.LOW
    color: bool = False
    show_unknown: bool = False
    compliance: str | None = None  # --compliance: summarise pass / fail / unknown per control of this framework
    sarif_category: str | None = None  # SARIF runAutomationDetails.id (GitHub's upload category)
    docs_url: str = DOCS_URL  # check documentation; rule help links add `#<check id>`
    source_url: str | None = None  # markdown links to files: `<source_url>/<file>#L<line>`; relative if None
    today: date | None = None  # for ages of baselined findings; None: ages are not shown
    fail_on_incomplete: bool = False  # the gate also fails when a part was not evaluated (`--fail-on-incomplete`)


UNDECIDED_EXAMPLES = 3  # undecided check results named in the console and markdown; --show-unknown lists all


def undecided(result: ScanResult) -> list[str]:
    """Each check result left undecided by an unknown value, as `file:line: check resource: path (reason)`."""
    ordered = sorted(
        result.unknowns, key=lambda u: (u.resource.location.file, u.resource.location.start_line, u.check_id)
    )
    return [
        f"{u.resource.location.file}:{u.resource.line_of(u.path)}: {u.check_id} on {u.resource.address}: "
        f"{u.path} is unknown ({u.reason})"
        for u in ordered
    ]


def renderer(name: str) -> Callable[[ScanResult, ReportContext], str]:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name}")
    return importlib.import_module(f"scanner.report.{name}").render
