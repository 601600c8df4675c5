"""One finding per module line: a module called from several roots (every example of a module repository)
fails the same way in each; those copies are merged into one finding that lists every call as related.

Only identical copies merge: same check, severity, file and line, attribute, message and value trace. A
module whose finding depends on its caller (a different value, traced to a different module input) keeps
one finding per caller. The finding kept is the copy whose root sorts first, so its fingerprint is the one
that root gave it before merging, and stays the same from run to run.
"""

from __future__ import annotations

import dataclasses

from scanner.records import Finding, Location


def _identity(finding: Finding) -> tuple:
    loc = finding.location
    trace = tuple((t.file, t.start_line, t.note) for t in finding.trace)
    return (finding.check_id, finding.severity, loc.file, loc.start_line, finding.attribute, finding.message, trace)


def merge_module_copies(findings: list[Finding]) -> list[Finding]:
    """`findings` with the copies of a module finding merged into the copy of the first root (by scope)."""
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(_identity(finding), []).append(finding)
    merged: list[Finding] = []
    for group in groups.values():
        if len(group) == 1 or len({f.resource.scope for f in group}) == 1:
            merged.extend(group)
            continue
        group.sort(key=lambda f: (f.resource.scope, f.resource.address))
        related: dict[tuple, Location] = {}
        for finding in group:
            for location in finding.related:
                related.setdefault((location.file, location.start_line, location.note), location)
        merged.append(dataclasses.replace(group[0], related=list(related.values())))
    return merged
