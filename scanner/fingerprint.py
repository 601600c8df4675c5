"""Stable finding identity, used by SARIF `partialFingerprints`, baselines and suppression files.

A fingerprint is built from what names a problem — check id, file, resource address, attribute
path, and the root module (or file) that instantiates the resource, so one module called from two
roots gives two findings told apart — and never from line numbers, so it survives unrelated edits (lines inserted
above, blocks reordered, other files added). GitHub matches alerts across runs on it; baselines
match findings on it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from scanner.records import Finding

VERSION = "iacgate/v1"  # the SARIF partialFingerprints key; a new recipe gets a new key


def fingerprint(finding: Finding) -> str:
    """32 hex digits identifying the finding: sha256 of check id, file, resource address, attribute, scope."""
    resource = finding.resource
    parts = (finding.check_id, finding.location.file, resource.address, finding.attribute or "", resource.scope)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def assign_fingerprints(findings: Iterable[Finding]) -> None:
    """Set `finding.fingerprint` on each finding.

    Two findings with the same identity (a check failing twice on one attribute, e.g. with
    different messages) would collide; the first in (message, line) order keeps the plain
    fingerprint and the others get `:2`, `:3`... so each stays distinct and the first one is
    always `fingerprint(finding)`.
    """
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[fingerprint(finding)].append(finding)
    for base, group in groups.items():
        group.sort(key=lambda f: (f.message, f.location.start_line, f.location.start_column or 0))
        for n, finding in enumerate(group, start=1):
            finding.fingerprint = base if n == 1 else f"{base}:{n}"
