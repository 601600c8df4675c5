"""Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments.

A headline with the gate verdict, counts by severity, then the worst findings first with links
to the file and line and to the check's documentation, capped so a comment stays readable.
File links are relative to the scanned root unless `context.source_url` gives a base (the CLI
sets it to the commit's blob URL inside GitHub Actions).
"""

from __future__ import annotations

from urllib.parse import quote

from scanner.docs import check_url
from scanner.records import Finding, ScanError, ScanResult, Severity
from scanner.report import UNDECIDED_EXAMPLES, ReportContext
from scanner.report import undecided as report_undecided

TOP = 25  # findings listed; the rest are counted


def render(result: ScanResult, context: ReportContext) -> str:
    open_ = [f for f in result.findings if f.suppression is None]
    reported = [f for f in open_ if not _baselined(f)]
    baselined = len(open_) - len(reported)
    blocking = [f for f in reported if f.is_blocking(context.threshold)]
    suppressed = len(result.findings) - len(open_)
    errors = [e for e in result.errors if e.level == "error"]
    fails = any(result.verdict(context.threshold, fail_on_incomplete=context.fail_on_incomplete))
    verdict = "fails" if fails else "passes"
    lines = [
        "## iacgate",
        "",
        f"**{_count(len(reported), 'finding')}** ({len(blocking)} at or above `{context.threshold.value}`): "
        f"the gate {verdict}. Scanned {_count(len(result.files), 'file')}, "
        f"{_count(len(result.resources), 'resource')} with {_count(len(result.checks), 'check')}.",
        "",
        "| Severity | Findings |",
        "|---|---:|",
    ]
    lines += [f"| {s.value} | {sum(1 for f in reported if f.severity is s)} |" for s in Severity]
    extra = [
        ("suppressed", suppressed),
        ("in baseline", baselined),
        ("overdue (past SLA)", sum(1 for f in reported if f.overdue)),
        ("unknown (value not computable)", len(result.unknowns)),
        ("outside the diff (not reported)", result.outside_diff),
        ("files not scanned (errors)", len(errors)),
        ("not evaluated (modules, templates)", len(result.not_evaluated)),
    ]
    lines += [f"| {label} | {count} |" for label, count in extra if count]
    if context.compliance:
        lines += _compliance(result, context.compliance)
    if reported:
        worst = sorted(reported, key=lambda f: (-f.severity.rank, not f.overdue, *f.sort_key, f.attribute or ""))
        lines += ["", "| Severity | Check | Location | Resource | Message |", "|---|---|---|---|---|"]
        lines += [_row(f, context) for f in worst[:TOP]]
        if len(worst) > TOP:
            lines += ["", f"…and {len(worst) - TOP} more."]
    if not result.files:
        lines += ["", f"> **Warning:** {_cell(_nothing_scanned(result))}"]
    if errors:
        lines += ["", "<details><summary>Files that could not be scanned</summary>", ""]
        lines += [_item(e) for e in errors]
        lines += ["", "</details>"]
    lines += _not_evaluated(result)
    return "\n".join(lines) + "\n"


NOT_EVALUATED_SHOWN = 10  # listed here; the JSON and SARIF reports carry all of them


def _not_evaluated(result: ScanResult) -> list[str]:
    """What was left unjudged, open by default so a reader cannot miss it."""
    notices, undecided = result.not_evaluated, len(result.unknowns)
    if not notices and not undecided:
        return []
    lines = ["", "<details open><summary>Not evaluated</summary>", ""]
    lines += [_item(e) for e in notices[:NOT_EVALUATED_SHOWN]]
    if len(notices) > NOT_EVALUATED_SHOWN:
        lines.append(f"- …and {len(notices) - NOT_EVALUATED_SHOWN} more: the JSON and SARIF reports list them all")
    if undecided:
        lines.append(
            f"- {_count(undecided, 'check result')} undecided because a value is unknown "
            "(`--show-unknown` lists them), e.g.:"
        )
        lines += [f"  - {_cell(line)}" for line in report_undecided(result)[:UNDECIDED_EXAMPLES]]
    return [*lines, "", "</details>"]


def _nothing_scanned(result: ScanResult) -> str:
    return next((e.message for e in result.errors if not e.file and e.level == "warning"), "nothing was scanned")


def _item(error: ScanError) -> str:
    where = f"`{error.file}{f':{error.line}' if error.line else ''}`: " if error.file else ""
    return f"- {where}{_cell(error.message)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _baselined(finding: Finding) -> bool:
    """Known from the baseline and still within its SLA: counted, not listed."""
    return finding.baseline_state == "unchanged" and not finding.overdue


def _row(finding: Finding, context: ReportContext) -> str:
    loc = finding.location
    severity = finding.severity.value + (" (overdue)" if finding.overdue else "")
    check = f"[{finding.check_id}]({check_url(finding.check_id, context.docs_url)}) {_cell(finding.title)}"
    link = f"[{_cell(loc.file)}:{loc.start_line}]({_file_url(loc.file, loc.start_line, context)})"
    return f"| {severity} | {check} | {link} | `{_code(finding.resource.address)}` | {_cell(finding.message)} |"


def _file_url(path: str, line: int, context: ReportContext) -> str:
    target = quote(path, safe="/")
    if context.source_url:
        target = f"{context.source_url.rstrip('/')}/{target}"
    return f"{target}#L{line}"


def _cell(text: str) -> str:
    """Table-cell safe: no pipes or newlines, markdown/HTML special characters neutralised."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for char in "[]<>*_`":
        out = out.replace(char, f"\\{char}")
    return out


def _code(text: str) -> str:
    return text.replace("`", "'").replace("|", "\\|")


def _compliance(result: ScanResult, framework: str) -> list[str]:
    from scanner.compliance import STATUSES, report

    summary = report(result, framework)
    totals = ", ".join(f"{summary['totals'][s]} {s.replace('_', ' ')}" for s in STATUSES)
    lines = ["", f"### Compliance: {_cell(summary['title'])}", "", f"Controls: {totals}.", ""]
    lines += [
        "| Control | Status | Passed | Failed | Unknown | Suppressed | Checks |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for c in summary["controls"]:
        counts = " | ".join(str(c[key]) for key in ("passed", "failed", "unknown", "suppressed"))
        status = c["status"].replace("_", " ")
        lines.append(f"| {_cell(c['control'])} | {status} | {counts} | {', '.join(c['checks'])} |")
    return lines
