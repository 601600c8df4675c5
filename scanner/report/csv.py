"""CSV for spreadsheets and audits: one row per finding, suppressed and baselined ones included.

The `status` column says why a finding does or does not fail the gate (`blocking`, `below threshold`,
`baseline`, `suppressed`), with the justification of a suppression. Then a row per scan problem
(`scan error`, `warning`, `not evaluated`) with its file, line and message and no check. Cells that a spreadsheet would
run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading `'`:
the text comes from the scanned repository, which is untrusted. Sorted like the other reports.
"""

from __future__ import annotations

import csv
import io

from scanner.docs import check_url
from scanner.records import Finding, ScanResult
from scanner.report import ReportContext, checks_by_id

COLUMNS = (
    "severity",
    "check_id",
    "title",
    "file",
    "line",
    "end_line",
    "framework",
    "resource_type",
    "resource",
    "attribute",
    "message",
    "status",
    "justification",
    "first_seen",
    "overdue",
    "remediation",
    "docs",
    "fingerprint",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROBLEM_STATUS = {"error": "scan error", "warning": "warning", "info": "not evaluated"}


def render(result: ScanResult, context: ReportContext) -> str:
    checks = checks_by_id(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in sorted(result.findings, key=lambda f: (*f.sort_key, f.attribute or "", f.fingerprint)):
        check = checks.get(f.check_id)
        row = (
            f.severity.value,
            f.check_id,
            f.title,
            f.location.file,
            f.location.start_line,
            f.location.end_line or f.location.start_line,
            f.resource.framework,
            f.resource.type,
            f.resource.address,
            f.attribute or "",
            f.message,
            _status(f, context),
            f.suppression.justification if f.suppression else "",
            f.first_seen or "",
            "yes" if f.overdue else "",
            check.remediation if check else "",
            check_url(f.check_id, context.docs_url) if check else "",
            f.fingerprint,
        )
        writer.writerow([_cell(value) for value in row])
    for e in result.errors:  # what was not judged belongs in an audit too
        status = PROBLEM_STATUS.get(e.level, e.level)
        row = ("", "", "", e.file, e.line or "", e.line or "", "", "", "", "", e.message, status)
        writer.writerow([_cell(value) for value in row] + [""] * (len(COLUMNS) - len(row)))
    return buffer.getvalue()


def _status(finding: Finding, context: ReportContext) -> str:
    if finding.suppression is not None:
        return f"suppressed ({finding.suppression.kind})"
    if finding.is_blocking(context.threshold):
        return "blocking"
    if finding.baseline_state == "unchanged":
        return "baseline"
    return "below threshold"


def _cell(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value
