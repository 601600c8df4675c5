"""GitHub Actions workflow commands: inline pull-request annotations without code scanning.

`::error file=main.tf,line=12,endLine=14,title=IG-AWS-001 ...::message` lines that the runner turns
into annotations on the changed files, so repositories without GitHub code scanning (private ones
without Advanced Security) still get findings next to the code. Print the report to the step's log
(the GitHub Action does so when SARIF upload is off).

A finding that fails the gate is an `error`; one below the threshold a `warning` (medium and above)
or a `notice`. Suppressed findings and baselined ones within their SLA are not annotated; files that
could not be scanned are errors, scan warnings (no IaC file found) warnings. GitHub shows at most 10
annotations of each level per step (and 50 per job), in the order printed, so the worst come first
and at most `PER_LEVEL` of each are printed; when findings are left out, the last notice says how
many and where they all are.

Messages and property values are escaped as GitHub's toolkit does (`%`, CR and LF in both; `:` and
`,` in properties too). The text comes from the scanned repository, which is untrusted: unescaped,
a newline in a file name or value could start a workflow command of its own.
"""

from __future__ import annotations

from scanner.docs import check_url
from scanner.records import Finding, ScanError, ScanResult, Severity
from scanner.report import ReportContext, checks_by_id, open_findings

PER_LEVEL = 10  # GitHub's limit of annotations per level and step
LEVELS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub requires."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (`file=`, `title=`), escaped as GitHub requires."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int) -> str:
    props = ",".join(f"{name}={escape_property(str(value))}" for name, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def render(result: ScanResult, context: ReportContext) -> str:
    # scan problems first: few, and they say the scan is incomplete
    annotations: dict[str, list[str]] = {
        "error": [_scan_problem(e) for e in result.errors if e.level == "error"],
        "warning": [_scan_problem(e) for e in result.errors if e.level == "warning"],
        "notice": [],
    }
    findings = sorted(
        open_findings(result),
        key=lambda f: (not f.is_blocking(context.threshold), -f.severity.rank, *f.sort_key, f.attribute or ""),
    )
    for finding in findings:
        annotations[_level(finding, context)].append(_finding(finding, result, context))
    lines: list[str] = []
    left_out = 0
    for level in LEVELS:
        room = PER_LEVEL - 1 if level == "notice" and _overflows(annotations) else PER_LEVEL
        lines += annotations[level][:room]
        left_out += max(0, len(annotations[level]) - room)
    if left_out:
        lines.append(
            command(
                "notice",
                f"{left_out} more iacgate annotation{'s' if left_out != 1 else ''} not shown: GitHub shows "
                f"{PER_LEVEL} of each level per step. The job summary, or a --format sarif, json or csv "
                "report, lists every finding.",
                title="iacgate: more findings",
            )
        )
    return "".join(f"{line}\n" for line in lines)


def _overflows(annotations: dict[str, list[str]]) -> bool:
    """More annotations than GitHub shows: then the last notice is the one that says so."""
    return any(len(items) > PER_LEVEL for items in annotations.values()) or len(annotations["notice"]) >= PER_LEVEL


def _level(finding: Finding, context: ReportContext) -> str:
    if finding.is_blocking(context.threshold):
        return "error"
    return "warning" if finding.severity.rank >= Severity.MEDIUM.rank else "notice"


def _finding(finding: Finding, result: ScanResult, context: ReportContext) -> str:
    loc = finding.location
    check = checks_by_id(result).get(finding.check_id)
    lines = [f"{finding.resource.address}: {finding.message}"]
    lines += [f"value from {t.file}:{t.start_line} {t.note}".rstrip() for t in finding.trace]
    lines += [f"related {r.file}:{r.start_line} {r.note}".rstrip() for r in finding.related]
    if finding.overdue:
        lines.append(f"overdue: in the baseline since {finding.first_seen}, past its SLA")
    if check is not None:
        lines += [f"Fix: {check.remediation}", f"Docs: {check_url(check.id, context.docs_url)}"]
    start = max(loc.start_line, 1)
    return command(
        _level(finding, context),
        "\n".join(lines),
        file=loc.file,
        line=start,
        endLine=max(loc.end_line or start, start),
        title=f"{finding.check_id} ({finding.severity.value}) {finding.title}",
    )


def _scan_problem(error: ScanError) -> str:
    """A file that could not be scanned (error), or a warning such as "no IaC files found"."""
    properties: dict[str, str | int] = {"file": error.file} if error.file else {}
    if error.file and error.line:
        properties["line"] = error.line
    title = "iacgate could not scan this file" if error.level == "error" else "iacgate warning"
    return command(error.level, error.message, **properties, title=title)
