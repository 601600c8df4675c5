"""GitLab SAST report (security report schema 15.0.7): the merge-request security widget and the
vulnerability report.

Publish it from a job with `artifacts: reports: sast: gl-sast-report.json` (see docs/reports.md).
One vulnerability per open finding (suppressed ones are left out; baselined ones stay, since GitLab
tracks what already exists on the target branch itself). Its `id` is the SARIF `iacgate/v1`
fingerprint written as a UUID (the fingerprint is 32 hex digits), so GitLab and code scanning name a
finding alike across runs; the primary identifier is the check id, then its CWE. Scan errors and
parts not evaluated are `scan.messages`. The scan's start and end times are the only values that
change between runs of the same input.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from scanner import __version__
from scanner.docs import PROJECT_URL, check_url
from scanner.fingerprint import VERSION as FINGERPRINT_KEY
from scanner.fingerprint import fingerprint
from scanner.records import Finding, ScanResult, Severity
from scanner.registry import Check
from scanner.report import ReportContext, checks_by_id

SCHEMA_VERSION = "15.0.7"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
MESSAGE_LEVEL = {"error": "warn", "warning": "warn", "info": "info"}  # a scan that ran is never `fatal`
MAX_NAME, MAX_SOLUTION = 255, 7000  # the schema's limits
TOOL = {"id": "iacgate", "name": "iacgate", "url": PROJECT_URL, "version": __version__, "vendor": {"name": "iacgate"}}


def render(result: ScanResult, context: ReportContext) -> str:
    checks = checks_by_id(result)
    findings = sorted(
        (f for f in result.findings if f.suppression is None),
        key=lambda f: (*f.sort_key, f.attribute or "", f.fingerprint),
    )
    finished = context.finished or datetime.now(timezone.utc)
    started = context.started or finished
    scan: dict[str, Any] = {
        "analyzer": TOOL,
        "scanner": TOOL,
        "type": "sast",
        "status": "success",
        "start_time": _time(started),
        "end_time": _time(finished),
        "primary_identifiers": [_check_identifier(c, context) for c in sorted(result.checks, key=lambda c: c.id)],
    }
    messages = [
        {"level": MESSAGE_LEVEL.get(e.level, "warn"), "value": _where(e.file, e.line) + e.message}
        for e in result.errors
        if e.message
    ]
    if messages:
        scan["messages"] = messages
    document = {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": scan,
        "vulnerabilities": [_vulnerability(f, checks.get(f.check_id), context) for f in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def vulnerability_id(finding: Finding) -> str:
    """The SARIF `iacgate/v1` fingerprint as a UUID; a repeated identity (`<fingerprint>:2`) hashes whole."""
    stable = finding.fingerprint or fingerprint(finding)
    digest = stable if ":" not in stable else hashlib.sha256(stable.encode("utf-8")).hexdigest()[:32]
    return str(uuid.UUID(hex=digest))


def _vulnerability(finding: Finding, check: Check | None, context: ReportContext) -> dict[str, Any]:
    loc = finding.location
    start = max(loc.start_line, 1)
    identifiers = [_check_identifier(check, context) if check else _ad_hoc_identifier(finding)]
    if check and check.cwe.removeprefix("CWE-").isdigit():
        number = check.cwe.removeprefix("CWE-")
        identifiers.append(
            {
                "type": "cwe",
                "name": check.cwe,
                "value": number,
                "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
            }
        )
    description = [f"{finding.message} (`{finding.resource.address}`)."]
    description += [f"Value from `{t.file}:{t.start_line}` {t.note}".rstrip() + "." for t in finding.trace]
    description += [f"Related: `{r.file}:{r.start_line}` {r.note}".rstrip() + "." for r in finding.related]
    if check:
        description += ["", check.description]
    vulnerability: dict[str, Any] = {
        "id": vulnerability_id(finding),
        "name": _clip(finding.title, MAX_NAME),
        "description": "\n".join(description),
        "severity": SEVERITY[finding.severity],
        "location": {"file": loc.file, "start_line": start, "end_line": max(loc.end_line or start, start)},
        "identifiers": identifiers,
        "details": {
            "fingerprint": {
                "name": FINGERPRINT_KEY,
                "type": "text",
                "value": finding.fingerprint or fingerprint(finding),
            },
            "resource": {"name": "Resource", "type": "text", "value": finding.resource.address},
        },
    }
    if check:
        vulnerability["solution"] = _clip(check.remediation, MAX_SOLUTION)
        vulnerability["links"] = [{"name": f"{check.id} documentation", "url": check_url(check.id, context.docs_url)}]
    return vulnerability


def _check_identifier(check: Check, context: ReportContext) -> dict[str, str]:
    return {
        "type": "iacgate_check_id",
        "name": f"{check.id} {check.title}",
        "value": check.id,
        "url": check_url(check.id, context.docs_url),
    }


def _ad_hoc_identifier(finding: Finding) -> dict[str, str]:
    """A finding no registered check produced (e.g. a pipeline notice) is identified by its id alone."""
    return {"type": "iacgate_check_id", "name": finding.check_id, "value": finding.check_id}


def _time(moment: datetime) -> str:
    """`yyyy-mm-ddThh:mm:ss` in UTC, the schema's only format."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _where(file: str, line: int | None) -> str:
    if not file:
        return ""
    return f"{file}:{line}: " if line else f"{file}: "


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
