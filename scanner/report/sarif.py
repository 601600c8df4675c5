"""SARIF 2.1.0 for GitHub code scanning (see ../shared/sarif/github-sarif.md).

One run; one rule descriptor per check that has results; every result with a tight region,
the resource as a logical location, related locations linked from the message, the value's
provenance as a code flow, and address-based `partialFingerprints` so alerts survive edits.
Paths are relative to the scanned root under `%SRCROOT%`; nothing machine-specific (absolute
paths, times) is written, so the output is byte-identical across runs and machines.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import attr
import sarif_om as om

from scanner import __version__
from scanner.docs import PROJECT_URL, check_url, cwe_link, fenced
from scanner.fingerprint import VERSION as FINGERPRINT_KEY
from scanner.fingerprint import fingerprint
from scanner.parsers import decode
from scanner.records import Finding, FixProposal, Location, ScanError, ScanResult, Severity, Suppression
from scanner.registry import CHECKS, Check
from scanner.report import ReportContext

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Representative values, not
# band edges. Info checks get none: 0.0 would mean "no security severity" anyway.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
NOTIFICATION_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
BASELINE_STATES = {"new", "unchanged", "updated", "absent"}
MAX_DESCRIPTION = 1024  # GitHub's limit for short/full descriptions
MAX_TAGS = 10  # GitHub keeps 10 tags per rule


def render(result: ScanResult, context: ReportContext) -> str:
    log = to_json(build_log(result, context))
    add_columns(log, result.root)
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def add_columns(node: Any, root: Path, lines: dict[str, list[str] | None] | None = None) -> None:
    """Give every region whole-line columns (startColumn 1 unless known, endColumn past the last character).

    Findings point at lines; GitHub's table lists the columns as required and annotates more precisely
    with them. Lines come from the scanned files; a region whose file cannot be read keeps its lines only.
    """
    lines = {} if lines is None else lines
    if isinstance(node, list):
        for item in node:
            add_columns(item, root, lines)
        return
    if not isinstance(node, dict):
        return
    physical = node.get("physicalLocation")
    if isinstance(physical, dict) and isinstance(physical.get("region"), dict):
        region, uri = physical["region"], physical.get("artifactLocation", {}).get("uri")
        if uri and "startLine" in region:
            path = unquote(uri)
            if path not in lines:
                lines[path] = _read_lines(root / path)
            text = lines[path]
            end = region.get("endLine", region["startLine"])
            if text is not None and end <= len(text):
                region.setdefault("startColumn", 1)
                region["endColumn"] = max(len(text[end - 1]) + 1, region["startColumn"] + (end == region["startLine"]))
    for value in node.values():
        if isinstance(value, (dict, list)):
            add_columns(value, root, lines)


def _read_lines(path: Path) -> list[str] | None:
    try:
        return decode(path.read_bytes()).splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def build_log(result: ScanResult, context: ReportContext) -> om.SarifLog:
    findings = sorted(result.findings, key=lambda f: (*f.sort_key, f.attribute or "", f.fingerprint, f.message))
    checks = {**CHECKS, **{c.id: c for c in result.checks}}
    keys = {rule_key(f, checks.get(f.check_id)): (f.check_id, f.severity) for f in findings}
    rule_ids = sorted(keys)
    rules = [
        _rule(checks[keys[i][0]], context, keys[i][1]) if keys[i][0] in checks else _ad_hoc_rule(i, findings)
        for i in rule_ids
    ]
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="iacgate",
                version=__version__,
                semantic_version=__version__,
                information_uri=PROJECT_URL,
                rules=rules,
            )
        ),
        results=[_result(f, rule_key(f, checks.get(f.check_id)), index) for f in findings],
        original_uri_base_ids={
            SRCROOT: om.ArtifactLocation(
                description=om.Message(text="The scanned directory; every artifact URI is relative to it.")
            )
        },
        invocations=[
            om.Invocation(
                execution_successful=not result.incomplete,
                tool_execution_notifications=[_notification(e) for e in result.errors] or None,
            )
        ],
        column_kind="unicodeCodePoints",
        automation_details=om.RunAutomationDetails(id=category_id(context.sarif_category))
        if context.sarif_category
        else None,
    )
    if context.compliance:
        from scanner.compliance import report

        run.properties = {"compliance": report(result, context.compliance)}
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def rule_key(finding: Finding, check: Check | None) -> str:
    """The rule a result points at: the check's id, or `<id>/<severity>` when the finding was gated at
    another severity than the check's (a configured override, a per-path one, or a check that raises
    or lowers its own, like IG-AWS-016). GitHub reads `security-severity` only from the rule, so each
    severity a check was gated at needs its own descriptor for GitHub to show that severity."""
    if check is None or finding.severity is check.severity:
        return finding.check_id
    return f"{finding.check_id}/{finding.severity.value}"


def category_id(category: str) -> str:
    """`runAutomationDetails.id` for a category: GitHub takes everything before the last `/`."""
    return category if category.endswith("/") else f"{category}/"


def rule_name(title: str) -> str:
    """PascalCase name from a title: "S3 bucket ACL grants public access" -> "S3BucketACLGrantsPublicAccess"."""
    return "".join(word[0].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rule(check: Check, context: ReportContext, severity: Severity | None = None) -> om.ReportingDescriptor:
    """The descriptor of `check`, or of its `<id>/<severity>` variant when gated at another severity."""
    severity = severity or check.severity
    level = LEVEL[severity]
    url = check_url(check.id, context.docs_url)
    tags = list(dict.fromkeys([check.framework, "security", *_cwe_tags(check.cwe), *check.tags]))[:MAX_TAGS]
    properties: dict[str, Any] = {
        "tags": tags,
        "precision": check.precision,
        "problem.severity": PROBLEM_SEVERITY[level],
    }
    if severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    rule_id, description = check.id, check.description
    if severity is not check.severity:
        rule_id = f"{check.id}/{severity.value}"
        properties["iacgate/check"] = check.id
        description = (
            f"{check.id} findings gated at {severity.value} severity (a configured override, or the check's own "
            f"judgement of the resource); its default is {check.severity.value}. {description}"
        )
    text = [check.title, "", f"Why it matters: {check.description}", "", f"How to fix: {check.remediation}"]
    markdown = [f"**{check.title}**", "", check.description, "", "## How to fix", "", check.remediation]
    if check.example:
        text += ["", "Example:", check.example]
        markdown += ["", "## Example", "", fenced(check.example, check.framework)]
    text += ["", f"{check.cwe}. Documentation: {url}"]
    markdown += ["", f"{cwe_link(check.cwe)} · [{check.id} documentation]({url})"]
    if check.compliance:
        properties["compliance"] = {name: list(controls) for name, controls in check.compliance.items()}
    return om.ReportingDescriptor(
        id=rule_id,
        name=rule_name(check.title),
        short_description=om.MultiformatMessageString(text=_clip(check.title)),
        full_description=om.MultiformatMessageString(text=_clip(description)),
        help=om.MultiformatMessageString(text="\n".join(text), markdown="\n".join(markdown)),
        help_uri=url,
        default_configuration=om.ReportingConfiguration(level=level),
        properties=properties,
    )


def _cwe_tags(cwe: str) -> list[str]:
    return [f"external/cwe/{cwe.lower()}"] if cwe else []


def _ad_hoc_rule(rule_id: str, findings: list[Finding]) -> om.ReportingDescriptor:
    """A descriptor for a finding that no registered check produced (e.g. a pipeline notice)."""
    first = next(f for f in findings if f.check_id == rule_id)
    level = LEVEL[first.severity]
    return om.ReportingDescriptor(
        id=rule_id,
        name=rule_name(first.title),
        short_description=om.MultiformatMessageString(text=_clip(first.title)),
        full_description=om.MultiformatMessageString(text=_clip(first.title)),
        help=om.MultiformatMessageString(text=first.title, markdown=first.title),
        default_configuration=om.ReportingConfiguration(level=level),
        properties={
            "tags": [first.resource.framework],
            "precision": "high",
            "problem.severity": PROBLEM_SEVERITY[level],
        },
    )


def artifact_uri(path: str) -> str:
    """A relative URI reference for a scan-root-relative POSIX path (spaces and the like escaped)."""
    return quote(path, safe="/")


def _physical(loc: Location) -> om.PhysicalLocation:
    start = max(loc.start_line, 1)  # SARIF lines are 1-based; a file-level finding points at line 1
    region = om.Region(start_line=start, end_line=max(loc.end_line or start, start), start_column=loc.start_column)
    return om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(uri=artifact_uri(loc.file), uri_base_id=SRCROOT), region=region
    )


def _link_text(loc: Location) -> str:
    """`file:line` for an embedded `[text](id)` link; brackets escaped as SARIF requires."""
    return f"{loc.file}:{max(loc.start_line, 1)}".replace("[", "\\[").replace("]", "\\]")


def _in_a_file(loc: Location) -> bool:
    return _is_file(loc.file)


def _is_file(path: str) -> bool:
    """False for pseudo-paths such as `<command line>` (a `--var` value): nothing to link to."""
    return bool(path) and not path.startswith("<")


Numbered = list[tuple[Location, int | None]]


def _numbered(finding: Finding) -> tuple[Numbered, Numbered]:
    """relatedLocations ids (1, 2...) for the related resources, then the trace; None where there is no file."""
    counter = itertools.count(1)

    def number(locations: list[Location]) -> Numbered:
        return [(loc, next(counter) if _in_a_file(loc) else None) for loc in locations]

    return number(finding.related), number(finding.trace)


def _link(loc: Location, n: int | None) -> str:
    return f"[{_link_text(loc)}]({n})" if n is not None else loc.file


def _message(finding: Finding, related: Numbered, trace: Numbered) -> str:
    """The finding's message, then its related resources and value origin as `[file:line](id)` links.

    GitHub only links related locations that the message embeds this way.
    """
    text = finding.message.rstrip()
    if not text.endswith((".", "!", "?")):
        text += "."
    if related:
        text += " Related: " + "; ".join(f"{loc.note or 'see'} ({_link(loc, n)})" for loc, n in related) + "."
    if trace:
        steps = [_link(loc, n) + (f" ({loc.note})" if loc.note else "") for loc, n in trace]
        text += " Value from: " + " <- ".join(steps) + "."
    return text


def _result(finding: Finding, rule_id: str, index: dict[str, int]) -> om.Result:
    primary = om.Location(
        physical_location=_physical(finding.location),
        logical_locations=[om.LogicalLocation(fully_qualified_name=finding.resource.address, kind="resource")],
    )
    related, trace = _numbered(finding)
    related_locations = [
        om.Location(id=n, physical_location=_physical(loc), message=om.Message(text=loc.note or loc.file))
        for loc, n in [*related, *trace]
        if n is not None
    ]
    stable = finding.fingerprint or fingerprint(finding)
    digest, _, occurrence = stable.partition(":")
    properties: dict[str, Any] = {"severity": finding.severity.value}
    if finding.attribute:
        properties["attribute"] = finding.attribute
    if finding.first_seen:
        properties["firstSeen"] = finding.first_seen
    if finding.overdue:
        properties["overdue"] = True
    return om.Result(
        rule_id=rule_id,
        rule_index=index[rule_id],
        level=LEVEL[finding.severity],
        message=om.Message(text=_message(finding, related, trace)),
        locations=[primary],
        related_locations=related_locations or None,
        code_flows=[_code_flow(finding)] if any(_in_a_file(loc) for loc in finding.trace) else None,
        partial_fingerprints={
            "primaryLocationLineHash": f"{digest[:16]}:{occurrence or 1}",
            FINGERPRINT_KEY: stable,
        },
        suppressions=[_suppression(finding.suppression)] if finding.suppression else None,
        fixes=[_fix(finding.fix)] if finding.fix is not None and finding.fix.edits else None,
        baseline_state=finding.baseline_state if finding.baseline_state in BASELINE_STATES else None,
        properties=properties,
    )


def _fix(fix: FixProposal) -> om.Fix:
    """`iacgate fix --format sarif`: the exact replacement that clears this finding alone."""
    why = fix.reason or fix.warning
    text = fix.summary if fix.applied and not why else f"{fix.summary} ({fix.status}: {why})"
    changes: dict[str, list[om.Replacement]] = {}
    for edit in fix.edits:
        region = om.Region(
            start_line=edit.start_line,
            start_column=edit.start_column,
            end_line=edit.end_line,
            end_column=edit.end_column,
        )
        inserted = om.ArtifactContent(text=edit.text)
        changes.setdefault(edit.file, []).append(om.Replacement(deleted_region=region, inserted_content=inserted))
    return om.Fix(
        description=om.Message(text=text),
        artifact_changes=[
            om.ArtifactChange(
                artifact_location=om.ArtifactLocation(uri=artifact_uri(file), uri_base_id=SRCROOT),
                replacements=replacements,
            )
            for file, replacements in changes.items()
        ],
    )


def _code_flow(finding: Finding) -> om.CodeFlow:
    """The value's path from its origin to the offending attribute (`trace` is nearest source first)."""
    steps = [
        om.ThreadFlowLocation(
            location=om.Location(
                physical_location=_physical(loc), message=om.Message(text=loc.note) if loc.note else None
            )
        )
        for loc in reversed(finding.trace)
        if _in_a_file(loc)
    ]
    where = f"{finding.resource.address}.{finding.attribute}" if finding.attribute else finding.resource.address
    steps.append(
        om.ThreadFlowLocation(
            location=om.Location(physical_location=_physical(finding.location), message=om.Message(text=where))
        )
    )
    return om.CodeFlow(
        message=om.Message(text=f"Where the value of {where} comes from"),
        thread_flows=[om.ThreadFlow(locations=steps)],
    )


def _suppression(sup: Suppression) -> om.Suppression:
    return om.Suppression(
        kind="inSource" if sup.kind == "inSource" else "external",  # config file or baseline: external
        justification=sup.justification or None,
        location=om.Location(physical_location=_physical(sup.location)) if sup.location else None,
    )


def _notification(error: ScanError) -> om.Notification:
    physical = om.PhysicalLocation(
        artifact_location=om.ArtifactLocation(uri=artifact_uri(error.file), uri_base_id=SRCROOT),
        region=om.Region(start_line=error.line) if error.line and error.line > 0 else None,
    )
    return om.Notification(
        message=om.Message(text=error.message),
        level=NOTIFICATION_LEVEL.get(error.level, "warning"),
        locations=[om.Location(physical_location=physical)] if _is_file(error.file) else None,
    )


def to_json(obj: Any) -> Any:
    """sarif-om objects to JSON data: schema property names, None and default values dropped.

    `level` is always written: its default ("warning") is meaningful to a reader of the file.
    """
    if attr.has(type(obj)):
        out = {}
        for field in attr.fields(type(obj)):
            value = getattr(obj, field.name)
            if value is None:
                continue
            factory = getattr(field.default, "factory", None)  # an attr.Factory default (attrs types it as a function)
            default = factory() if callable(factory) else field.default
            if field.name != "level" and value == default:
                continue
            out[field.metadata["schema_property_name"]] = to_json(value)
        return out
    if isinstance(obj, dict):
        return {key: to_json(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(value) for value in obj]
    return obj
