"""JUnit XML for CI test-report views (GitLab, Jenkins, Azure DevOps).

One testsuite per check that looked at something, named "<ID> <title>"; one testcase per
finding, named by resource and file:line (CI UIs list testcase names), plus one passing
testcase when the check found nothing. A finding that blocks the gate is a <failure>; one that
does not (suppressed, in the baseline, below the threshold) is <skipped> with the reason, so
the red count matches the exit status. Files that could not be scanned are <error>s in a
"scan errors and warnings" suite; parts left unjudged (remote modules, templates) are <skipped>
testcases of a "not evaluated" suite. No timestamps or durations: the output is byte-identical across runs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from scanner.docs import check_url
from scanner.records import Finding, ScanResult
from scanner.registry import Check
from scanner.report import ReportContext


def render(result: ScanResult, context: ReportContext) -> str:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted(result.findings, key=lambda f: (*f.sort_key, f.attribute or "", f.fingerprint)):
        by_check[finding.check_id].append(finding)
    applied = _applied(result)
    root = ET.Element("testsuites", name="iacgate")
    checks = {c.id: c for c in result.checks}
    for check_id in sorted(set(by_check) | {c.id for c in result.checks if c.id in applied}):
        findings = by_check.get(check_id, [])
        check = checks.get(check_id)
        title = check.title if check else findings[0].title
        suite = ET.SubElement(root, "testsuite", name=f"{check_id} {title}")
        for finding in findings:
            _testcase(suite, finding, check, context)
        if not findings:
            ET.SubElement(suite, "testcase", classname=check_id, name="no findings")
        _count(suite)
    errors = [e for e in result.errors if e.level in ("error", "warning")]
    if errors:
        suite = ET.SubElement(root, "testsuite", name="scan errors and warnings")
        for error in errors:
            where = f"{error.file}:{error.line}" if error.line else error.file
            case = ET.SubElement(suite, "testcase", classname="iacgate.scan", name=where or "scan")
            if error.level == "error":
                ET.SubElement(case, "error", message=error.message, type="scan-error").text = where
            else:
                ET.SubElement(case, "system-out").text = f"warning: {error.message}"
        _count(suite)
    if result.not_evaluated:
        suite = ET.SubElement(root, "testsuite", name="not evaluated")
        for notice in result.not_evaluated:
            where = f"{notice.file}:{notice.line}" if notice.line else notice.file
            case = ET.SubElement(suite, "testcase", classname="iacgate.coverage", name=where or "scan")
            ET.SubElement(case, "skipped", message=notice.message)
        _count(suite)
    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _applied(result: ScanResult) -> set[str]:
    """IDs of the checks that had at least one resource of their types to look at."""
    present = {(r.framework, r.type) for r in result.resources} | {(r.framework, "*") for r in result.resources}
    return {c.id for c in result.checks if any((c.framework, t) in present for t in c.resource_types)}


def _testcase(suite: ET.Element, finding: Finding, check: Check | None, context: ReportContext) -> None:
    loc = finding.location
    where = f"{loc.file}:{loc.start_line}"
    case = ET.SubElement(suite, "testcase", classname=finding.check_id, name=f"{finding.resource.address} ({where})")
    details = [f"{finding.check_id} [{finding.severity.value}] {finding.title}", f"{where}: {finding.message}"]
    details.append(f"resource: {finding.resource.address}")
    if finding.attribute:
        details.append(f"attribute: {finding.attribute}")
    details += [f"value from {t.file}:{t.start_line} {t.note}".rstrip() for t in finding.trace]
    details += [f"related {r.file}:{r.start_line} {r.note}".rstrip() for r in finding.related]
    if finding.first_seen:
        details.append(f"first seen: {finding.first_seen}{' (past its SLA)' if finding.overdue else ''}")
    if check:
        details += [f"fix: {check.remediation}", f"docs: {check_url(check.id, context.docs_url)}"]
    if finding.is_blocking(context.threshold):
        failure = ET.SubElement(case, "failure", message=f"{where}: {finding.message}", type=finding.severity.value)
        failure.text = "\n".join(details)
        return
    ET.SubElement(case, "skipped", message=_why_not_blocking(finding, context))
    ET.SubElement(case, "system-out").text = "\n".join(details)


def _why_not_blocking(finding: Finding, context: ReportContext) -> str:
    if finding.suppression is not None:
        reason = finding.suppression.justification or "no reason given"
        return f"suppressed ({finding.suppression.kind}): {reason}"
    if finding.baseline_state == "unchanged":
        return f"in the baseline since {finding.first_seen}" if finding.first_seen else "in the baseline"
    return f"{finding.severity.value} is below the severity threshold ({context.threshold.value})"


def _count(element: ET.Element) -> None:
    """tests/failures/errors/skipped attributes from the testcases below `element`."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
