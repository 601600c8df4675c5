"""Stable finding identity for baselines and SARIF `partialFingerprints`.

Built from what a person would call "the same problem" (check, file, resource, attribute), never
from line numbers, so inserting lines above a finding or reordering files keeps it.
"""

from __future__ import annotations

import hashlib

from scanner.records import Finding


def fingerprint(finding: Finding) -> str:
    parts = (finding.check_id, finding.location.file, finding.resource.address, finding.attribute or "")
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]
