"""merge_module_copies: identical findings of one module line from several roots become one."""

from __future__ import annotations

from scanner.filter.dedupe import merge_module_copies
from scanner.records import Finding, Location, Resource, Severity


def _finding(scope: str, message: str = "no flow logs", severity: Severity = Severity.MEDIUM) -> Finding:
    resource = Resource(
        framework="terraform",
        type="aws_vpc",
        address="module.vpc.aws_vpc.this[0]",
        attributes={},
        location=Location("modules/vpc/main.tf", 28, 40),
        scope=scope,
    )
    call = Location(f"{scope}/main.tf", 5, 5, note=f"module.vpc called from {scope}")
    return Finding("IG-AWS-060", severity, "VPC has no flow logs", message, resource, resource.location, related=[call])


def test_copies_from_different_roots_merge_into_the_first_root_with_every_call_related() -> None:
    merged = merge_module_copies([_finding("examples/simple"), _finding("examples/complete")])
    assert [f.resource.scope for f in merged] == ["examples/complete"]
    assert [r.file for r in merged[0].related] == ["examples/complete/main.tf", "examples/simple/main.tf"]


def test_copies_that_differ_in_message_or_severity_stay_apart() -> None:
    findings = [
        _finding("examples/simple"),
        _finding("examples/complete", message="something else"),
        _finding("examples/ipv6", severity=Severity.LOW),
    ]
    assert len(merge_module_copies(findings)) == 3


def test_two_findings_of_one_root_are_not_merged() -> None:
    assert len(merge_module_copies([_finding("examples/simple"), _finding("examples/simple")])) == 2
