"""Inline suppressions: reviewed exceptions written next to the code they excuse.

Forms (the reason is free text; `exp:YYYY-MM-DD` anywhere after the IDs ends the exception):
- Terraform: `# iacgate:ignore IG-AWS-001[,ID...] reason`, `// iacgate:ignore ...` or a one-line
  `/* iacgate:ignore ... */`, trailing on
  the line or alone on the line(s) above the resource block, nested block or attribute;
- Kubernetes YAML: the same `#` comment, or the annotation `iacgate.io/ignore: "ID[,ID] reason"`
  on the object (covers the whole object);
- Dockerfile: a `#` comment on the line(s) above the FROM (whole stage) or the instruction.

On or above a resource's first line covers the whole resource; on or above an attribute or block
covers that attribute or block only. The files are read again here (cheap next to parsing) so the
parsers stay free of suppression concerns. Problems with a suppression (no reason, expired, bad
date, unknown check ID) are `ScanError(level="warning")`: visible in every output, never fatal.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scanner.parsers import decode
from scanner.records import Finding, Location, Resource, ScanError, SourceFile, Suppression

MARKER = "iacgate:ignore"
ANNOTATION = "iacgate.io/ignore"
# comment openers per file kind; Dockerfiles only know whole-line comments
_HCL_COMMENT = re.compile(r"(?:#|//|/\*)\s*iacgate:ignore\b(?P<body>.*?)(?:\*/\s*)?$")
_COMMENT = {
    "terraform": _HCL_COMMENT,
    "tfvars": _HCL_COMMENT,
    "kubernetes": re.compile(r"#\s*iacgate:ignore\b(?P<body>.*)$"),
    "dockerfile": re.compile(r"^\s*#\s*iacgate:ignore\b(?P<body>.*)$"),
}
_NOT_CODE = re.compile(r"^\s*(?:#|//)|^\s*/\*.*\*/\s*$|^---\s*$")  # comments and YAML document separators
_IDS = re.compile(r"^\s*(?P<ids>[A-Za-z][\w.-]*(?:\s*,\s*[A-Za-z][\w.-]*)*)")
_EXPIRY = re.compile(r"(?:^|\s)exp:(?P<date>\S*)")


@dataclass(frozen=True)
class Directive:
    """One suppression as written: which checks, why, until when, where, and which lines it covers."""

    ids: frozenset[str]
    reason: str
    expires: date | None
    location: Location
    lines: frozenset[int]  # covered lines of location.file; empty with `whole`
    whole: bool = False  # a Kubernetes annotation: the whole object


def parse_body(body: str) -> tuple[list[str], str, str | None]:
    """`IG-A-1, IG-B-2 reason exp:2025-01-31` -> (ids, reason, raw expiry). IDs are case-insensitive."""
    body = body.lstrip(":=")  # tolerate `iacgate:ignore:ID` and `iacgate:ignore=ID`
    match = _IDS.match(body)
    if not match:
        return [], body.strip(), None
    ids = [i.strip().upper() for i in match.group("ids").split(",")]
    rest = body[match.end() :]
    expiry = _EXPIRY.search(rest)
    raw = expiry.group("date") if expiry else None
    if expiry:
        rest = rest[: expiry.start()] + " " + rest[expiry.end() :]
    reason = " ".join(rest.split()).lstrip("-:–— ").strip()
    return ids, reason, raw


def _directive(
    body: str, location: Location, lines: Iterable[int], whole: bool, today: date, known: set[str]
) -> tuple[Directive | None, list[ScanError]]:
    ids, reason, raw_expiry = parse_body(body)
    where = (location.file, location.start_line)
    if not ids:
        return None, [ScanError(*where, f"{MARKER} names no check ID: ignored", "warning")]
    warnings = [
        ScanError(*where, f"suppression names unknown check ID {check_id}", "warning")
        for check_id in ids
        if known and check_id not in known
    ]
    label = ", ".join(ids)
    expires = None
    if raw_expiry is not None:
        try:
            expires = date.fromisoformat(raw_expiry)
        except ValueError:
            warnings.append(
                ScanError(*where, f"suppression of {label} has an invalid date exp:{raw_expiry}: ignored", "warning")
            )
            return None, warnings
        if expires < today:
            warnings.append(
                ScanError(*where, f"suppression of {label} expired on {expires.isoformat()}: not applied", "warning")
            )
            return None, warnings
    if not reason:
        warnings.append(
            ScanError(*where, f"suppression of {label} has no reason: write why after the check IDs", "warning")
        )
    directive = Directive(frozenset(ids), reason, expires, location, frozenset(lines), whole)
    return directive, warnings


def comment_directives(
    text: str, rel: str, kind: str, today: date, known: set[str]
) -> tuple[list[Directive], list[ScanError]]:
    """Suppression comments of one file. A comment alone on its line covers the next code line."""
    pattern = _COMMENT.get(kind)
    if pattern is None or rel.endswith(".json") or MARKER not in text:  # JSON has no comments
        return [], []
    lines = text.splitlines()
    directives: list[Directive] = []
    warnings: list[ScanError] = []
    for index, line in enumerate(lines):
        match = pattern.search(line) if MARKER in line else None
        if not match:
            continue
        number = index + 1
        covered = {number}
        if not line[: match.start()].strip():  # a comment line: covers the next line of code
            following = next(
                (i + 1 for i in range(index + 1, len(lines)) if lines[i].strip() and not _NOT_CODE.match(lines[i])),
                None,
            )
            if following:
                covered.add(following)
        directive, problems = _directive(
            match.group("body"), Location(rel, number, number), covered, False, today, known
        )
        warnings += problems
        if directive:
            directives.append(directive)
    return directives, warnings


def annotation_directive(resource: Resource, today: date, known: set[str]) -> tuple[Directive | None, list[ScanError]]:
    """The `iacgate.io/ignore` annotation of a Kubernetes object, if any."""
    if resource.framework != "kubernetes":
        return None, []
    metadata = resource.attributes.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    value = annotations.get(ANNOTATION) if isinstance(annotations, dict) else None
    if value is None:
        return None, []
    line = resource.attribute_lines.get(f"metadata.annotations.{ANNOTATION}", resource.location.start_line)
    return _directive(str(value), Location(resource.location.file, line, line), (), True, today, known)


def apply(
    findings: list[Finding],
    files: list[SourceFile],
    resources: list[Resource],
    today: date,
    known: set[str],
) -> list[ScanError]:
    """Mark suppressed findings in place; return the warnings about suppressions themselves."""
    by_file: dict[str, list[Directive]] = defaultdict(list)
    by_resource: dict[str, Directive] = {}
    warnings: list[ScanError] = []
    for source in files:
        if source.kind not in _COMMENT:
            continue
        try:
            text = decode(source.path.read_bytes())
        except (OSError, UnicodeDecodeError):
            continue  # the parse stage has already reported it
        found, problems = comment_directives(text, source.rel, source.kind, today, known)
        by_file[source.rel] += found
        warnings += problems
    for resource in resources:
        directive, problems = annotation_directive(resource, today, known)
        warnings += problems
        if directive:
            by_resource[resource.key] = directive
    for finding in findings:
        if finding.suppression is not None:
            continue
        directive = _matching(finding, by_file, by_resource)
        if directive:
            finding.suppression = Suppression("inSource", directive.reason, directive.location)
    return warnings


def _matching(
    finding: Finding, by_file: dict[str, list[Directive]], by_resource: dict[str, Directive]
) -> Directive | None:
    resource = finding.resource
    annotation = by_resource.get(resource.key)
    if annotation and finding.check_id in annotation.ids:
        return annotation
    spots = {(resource.location.file, resource.location.start_line)}
    if finding.attribute:
        spots.add((finding.location.file, finding.location.start_line))
        parts = finding.attribute.split(".")
        for end in range(1, len(parts) + 1):
            line = resource.attribute_lines.get(".".join(parts[:end]))
            if line:
                spots.add((resource.location.file, line))
    for directive in sorted(
        (d for file in {f for f, _ in spots} for d in by_file.get(file, ())),
        key=lambda d: d.location.start_line,
    ):
        if finding.check_id in directive.ids and any(
            file == directive.location.file and line in directive.lines for file, line in spots
        ):
            return directive
    return None
