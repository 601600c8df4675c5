"""Per-control evidence for `--compliance NAME`: pass, fail and unknown counts of the checks that
evidence each control, from the same run that gates the pull request.

A control fails when one of its checks has an open finding (baselined ones included: the resource
still fails the control), is unknown when nothing failed but a check could not decide, passes when
its checks judged at least one resource and all passed, and is "not_evaluated" when no resource of
the scanned code was one its checks look at. Suppressed findings are counted apart, with their
justification in the findings list, so an auditor sees each accepted exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.records import ScanResult

# The frameworks a check may name controls of (`@check(compliance=...)`), with the document they come from.
# The NSA/CISA guide numbers no controls: its ids are the names of its sections.
COMPLIANCE_FRAMEWORKS = {
    "cis-aws-3.0": "CIS Amazon Web Services Foundations Benchmark v3.0.0",
    "cis-kubernetes-1.9": "CIS Kubernetes Benchmark v1.9.0 (section 5, policies)",
    "cis-docker-1.6": "CIS Docker Benchmark v1.6.0 (section 4, container images and build files)",
    "nsa-cisa-kubernetes-1.2": "NSA/CISA Kubernetes Hardening Guide v1.2",
}

STATUSES = ("fail", "unknown", "pass", "not_evaluated")


@dataclass(frozen=True)
class ControlSummary:
    control: str
    checks: tuple[str, ...]
    passed: int  # (check, resource) pairs
    failed: int  # resources with an open finding, per check
    unknown: int
    suppressed: int  # resources whose only findings of a check are suppressed

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        if self.unknown:
            return "unknown"
        return "pass" if self.passed or self.suppressed else "not_evaluated"

    def as_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "status": self.status,
            "checks": list(self.checks),
            "passed": self.passed,
            "failed": self.failed,
            "unknown": self.unknown,
            "suppressed": self.suppressed,
        }


def control_key(control: str) -> tuple[Any, ...]:
    """Natural order: 5.2.9 before 5.2.10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-]", control))


def summarise(result: ScanResult, framework: str) -> list[ControlSummary]:
    """One summary per control of `framework` that a selected check evidences, in control order."""
    failed: dict[str, set[str]] = {}
    suppressed: dict[str, set[str]] = {}
    for finding in result.findings:
        bucket = failed if finding.suppression is None else suppressed
        bucket.setdefault(finding.check_id, set()).add(finding.resource.key)
    unknown: dict[str, int] = {}
    for item in result.unknowns:
        unknown[item.check_id] = unknown.get(item.check_id, 0) + 1
    by_control: dict[str, list[str]] = {}
    for chk in result.checks:
        for control in chk.compliance.get(framework, ()):
            by_control.setdefault(control, []).append(chk.id)
    summaries = []
    for control in sorted(by_control, key=control_key):
        ids = tuple(sorted(by_control[control]))
        summaries.append(
            ControlSummary(
                control=control,
                checks=ids,
                passed=sum(result.passed_by_check.get(i, 0) for i in ids),
                failed=sum(len(failed.get(i, ())) for i in ids),
                unknown=sum(unknown.get(i, 0) for i in ids),
                suppressed=sum(len(suppressed.get(i, set()) - failed.get(i, set())) for i in ids),
            )
        )
    return summaries


def report(result: ScanResult, framework: str) -> dict[str, Any]:
    """The summary as plain data, for the JSON report and SARIF run properties."""
    controls = summarise(result, framework)
    return {
        "framework": framework,
        "title": COMPLIANCE_FRAMEWORKS[framework],
        "totals": {status: sum(1 for c in controls if c.status == status) for status in STATUSES},
        "controls": [c.as_dict() for c in controls],
    }
