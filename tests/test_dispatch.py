"""Check dispatch: each resource is offered the checks written for its type (and its framework's
wildcard checks) once, in id order, whatever else is registered."""

from __future__ import annotations

from scanner.engine import Dispatch
from scanner.records import Location, Resource, Severity
from scanner.registry import Check


def _check(id: str, framework: str, *types: str) -> Check:
    return Check(
        id=id,
        title=id,
        severity=Severity.LOW,
        framework=framework,
        resource_types=types,
        cwe="CWE-16",
        description="-",
        remediation="-",
        fn=lambda resource: None,
    )


def test_a_resource_gets_the_checks_of_its_type_and_its_frameworks_wildcard_once_in_id_order() -> None:
    checks = [
        _check("IG-T-003", "terraform", "aws_s3_bucket"),
        _check("IG-T-001", "terraform", "*", "aws_s3_bucket"),  # listed under both: still offered once
        _check("IG-T-002", "terraform", "aws_instance"),
        _check("IG-K-001", "kubernetes", "*"),
        *(_check(f"IG-T-{n:03d}", "terraform", f"aws_other_{n}") for n in range(100, 600)),
    ]
    bucket = Resource("terraform", "aws_s3_bucket", "aws_s3_bucket.logs", {}, Location("main.tf", 1))
    instance = Resource("terraform", "aws_instance", "aws_instance.web", {}, Location("main.tf", 9))
    dispatch = Dispatch(checks)
    assert [c.id for c in dispatch.checks_for(bucket)] == ["IG-T-001", "IG-T-003"]
    assert [c.id for c in dispatch.checks_for(instance)] == ["IG-T-001", "IG-T-002"]
