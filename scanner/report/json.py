"""JSON report for scripts and dashboards.

The schema is `iacgate-report.schema.json` next to this module (shipped in the package; JSON
Schema 2020-12). It is stable: fields are only ever added, and `schema_version` changes if a
field's meaning does. Paths are relative to the scanned root; no timestamps.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.records import Finding, Location, ScanResult, Severity
from scanner.report import ReportContext

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("iacgate-report.schema.json")


def _location(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"file": loc.file, "start_line": loc.start_line, "end_line": loc.end_line or loc.start_line}
    if loc.start_column:
        out["start_column"] = loc.start_column
    if loc.note:
        out["note"] = loc.note
    return out


def _finding(f: Finding, context: ReportContext) -> dict[str, Any]:
    out = {
        "check_id": f.check_id,
        "title": f.title,
        "severity": f.severity.value,
        "message": f.message,
        "framework": f.resource.framework,
        "resource_type": f.resource.type,
        "resource": f.resource.address,
        "attribute": f.attribute,
        "location": _location(f.location),
        "related": [_location(r) for r in f.related],
        "trace": [_location(t) for t in f.trace],
        "fingerprint": f.fingerprint,
        "blocking": f.is_blocking(context.threshold),
        "suppressed": None
        if f.suppression is None
        else {"kind": f.suppression.kind, "justification": f.suppression.justification},
        "baseline_state": f.baseline_state,
        "first_seen": f.first_seen,
        "overdue": f.overdue,
    }
    if f.fix is not None:
        out["fix"] = {
            "summary": f.fix.summary,
            "status": f.fix.status,
            "reason": f.fix.reason or f.fix.warning,
            "edits": [dataclasses.asdict(edit) for edit in f.fix.edits],
        }
    return out


def render(result: ScanResult, context: ReportContext) -> str:
    findings = sorted(result.findings, key=lambda f: (*f.sort_key, f.attribute or "", f.fingerprint))
    active = [f for f in findings if f.suppression is None]
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "iacgate", "version": __version__},
        "summary": {
            "files": len(result.files),
            "resources": len(result.resources),
            "checks": len(result.checks),
            "passed": result.passed,
            "failed": len(active),
            "blocking": sum(1 for f in findings if f.is_blocking(context.threshold)),
            "suppressed": len(findings) - len(active),
            "baseline": sum(1 for f in active if f.baseline_state == "unchanged"),
            "overdue": sum(1 for f in active if f.overdue),
            "unknown": len(result.unknowns),
            "outside_diff": result.outside_diff,
            "errors": sum(1 for e in result.errors if e.level == "error"),
            "not_evaluated": len(result.not_evaluated),
            "fully_evaluated": result.fully_evaluated,
            "threshold": context.threshold.value,
            "by_severity": {s.value: sum(1 for f in active if f.severity is s) for s in Severity},
        },
        "findings": [_finding(f, context) for f in findings],
        "errors": [{"file": e.file, "line": e.line, "message": e.message, "level": e.level} for e in result.errors],
        "unknown": [
            {
                "check_id": u.check_id,
                "resource": u.resource.address,
                "file": u.resource.file_of(u.path),
                "line": u.resource.line_of(u.path),
                "attribute": u.path,
                "reason": u.reason,
            }
            for u in sorted(
                result.unknowns,
                key=lambda u: (
                    u.resource.location.file,
                    u.resource.location.start_line,
                    u.check_id,
                    u.resource.address,
                ),
            )
        ]
        if context.show_unknown
        else [],
    }
    if context.compliance:
        from scanner.compliance import report

        document["compliance"] = report(result, context.compliance)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
