"""Inline suppressions: HCL `#` and `//`, Kubernetes comments and annotations, Dockerfile comments."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import exit_code, main
from scanner.filter import FilterOptions, suppress
from scanner.parsers import dockerfile, kubernetes
from scanner.records import Finding, Resource, ScanError, Severity, SourceFile, Suppression
from tests.conftest import FIXTURES, run_scan

SUPPRESSIONS = FIXTURES / "suppressions"


def _scan_terraform(today: date):
    return run_scan(SUPPRESSIONS / "terraform", checks={"IG-AWS-001"}, filters=FilterOptions(today=lambda: today))


def _by_resource(findings: list[Finding]) -> dict[str, Finding]:
    return {f.resource.address: f for f in findings}


def _warnings(errors: list[ScanError]) -> list[tuple[int | None, str]]:
    return [(e.line, e.message) for e in errors if e.level == "warning" and "IG-AWS-002" not in e.message]


def test_hcl_hash_comment_above_resource_suppresses_it_with_its_reason() -> None:
    finding = _by_resource(_scan_terraform(date(2025, 7, 1)).findings)["aws_s3_bucket.website"]
    assert finding.suppression is not None
    assert finding.suppression.kind == "inSource"
    assert finding.suppression.justification == "public website assets, reviewed by secops (SEC-1423)"
    assert finding.suppression.location is not None and finding.suppression.location.start_line == 2


def test_hcl_trailing_comment_on_resource_line_covers_the_whole_resource() -> None:
    finding = _by_resource(_scan_terraform(date(2025, 7, 1)).findings)["aws_s3_bucket.press_kit"]
    assert finding.suppression is not None
    assert finding.suppression.justification == "press kit is public by design"


def test_hcl_slash_comment_without_reason_suppresses_and_is_reported() -> None:
    result = _scan_terraform(date(2025, 7, 1))
    finding = _by_resource(result.findings)["aws_s3_bucket_acl.partner_uploads"]
    assert finding.suppression is not None and finding.suppression.justification == ""
    assert (10, "suppression of IG-AWS-001 has no reason: write why after the check IDs") in _warnings(result.errors)


def test_expired_suppression_stops_applying_and_says_so() -> None:
    result = _scan_terraform(date(2025, 7, 1))
    assert _by_resource(result.findings)["aws_s3_bucket_acl.campaign"].suppression is None
    assert (15, "suppression of IG-AWS-001 expired on 2025-06-30: not applied") in _warnings(result.errors)


def test_suppression_applies_up_to_and_including_its_expiry_date() -> None:
    result = _scan_terraform(date(2025, 6, 30))
    finding = _by_resource(result.findings)["aws_s3_bucket_acl.campaign"]
    assert finding.suppression is not None
    assert finding.suppression.justification == "launch campaign, bucket goes private after"
    assert not any("expired" in message for _, message in _warnings(result.errors))


def test_suppression_above_another_attribute_does_not_cover_the_failing_one() -> None:
    finding = _by_resource(_scan_terraform(date(2025, 7, 1)).findings)["aws_s3_bucket.downloads"]
    assert finding.suppression is None
    assert finding.location.start_line == 22


def test_suppressed_findings_do_not_fail_the_gate_but_others_still_do() -> None:
    result = _scan_terraform(date(2025, 7, 1))
    unsuppressed = sorted(f.resource.address for f in result.findings if f.suppression is None)
    assert unsuppressed == ["aws_s3_bucket.downloads", "aws_s3_bucket_acl.campaign"]
    assert exit_code(result, Severity.LOW) == 1
    for finding in result.findings:
        if finding.suppression is None:
            finding.suppression = Suppression("inSource", "accepted")
    assert exit_code(result, Severity.LOW) == 0


def test_console_summary_counts_suppressed_and_shows_suppression_warnings() -> None:
    out = CliRunner().invoke(main, ["scan", str(SUPPRESSIONS / "terraform"), "--no-cache", "--check", "IG-AWS-001"])
    assert out.exit_code == 1, out.output
    assert "2 findings (2 high)" in out.output and "3 suppressed" in out.output
    assert "main.tf:10: suppression of IG-AWS-001 has no reason" in out.output
    assert "main.tf:15: suppression of IG-AWS-001 expired on 2025-06-30" in out.output


def test_only_suppressed_findings_exit_zero(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "www" { # iacgate:ignore IG-AWS-001 static site behind CloudFront\n'
        '  bucket = "acme-www"\n'
        '  acl    = "public-read"\n'
        "}\n"
    )
    out = CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "--check", "IG-AWS-001"])
    assert out.exit_code == 0, out.output
    assert "1 suppressed" in out.output


# Kubernetes and Dockerfile: findings built over the real parsers' resources, so these tests do
# not depend on which checks exist yet.


def _finding(resource: Resource, check_id: str, attribute: str | None) -> Finding:
    return Finding(
        check_id=check_id,
        severity=Severity.HIGH,
        title=check_id,
        message=check_id,
        resource=resource,
        location=resource.location_of(attribute),
        attribute=attribute,
    )


def _suppress(folder: str, name: str, kind: str, findings: list[Finding], today: date) -> list[ScanError]:
    source = SourceFile(path=SUPPRESSIONS / folder / name, rel=name, kind=kind)
    resources = list({f.resource.key: f.resource for f in findings}.values())
    return suppress.apply(findings, [source], resources, today, known=set())


def _kubernetes() -> dict[str, Resource]:
    text = (SUPPRESSIONS / "kubernetes" / "workloads.yaml").read_text()
    return {r.type: r for r in kubernetes.parse(text, "workloads.yaml").resources}


def test_kubernetes_annotation_suppresses_the_listed_checks_on_the_whole_object() -> None:
    daemonset = _kubernetes()["DaemonSet"]
    host_network = _finding(daemonset, "IG-K8S-001", "spec.template.spec.hostNetwork")
    host_pid = _finding(daemonset, "IG-K8S-002", "spec.template.spec.hostPID")
    other = _finding(daemonset, "IG-K8S-009", "spec.template.spec.containers.0.image")
    warnings = _suppress(
        "kubernetes", "workloads.yaml", "kubernetes", [host_network, host_pid, other], date(2025, 1, 1)
    )
    assert host_network.suppression is not None and host_pid.suppression is not None
    assert host_network.suppression.justification == "node exporter needs the host network and PID namespace"
    assert host_network.suppression.location.start_line == 7
    assert other.suppression is None
    assert warnings == []


def test_kubernetes_annotation_without_reason_is_reported() -> None:
    deployment = _kubernetes()["Deployment"]
    finding = _finding(deployment, "IG-K8S-003", "spec.template.spec.containers.0")
    warnings = _suppress("kubernetes", "workloads.yaml", "kubernetes", [finding], date(2025, 1, 1))
    assert finding.suppression is not None and finding.suppression.justification == ""
    assert (
        ScanError(
            "workloads.yaml", 29, "suppression of IG-K8S-003 has no reason: write why after the check IDs", "warning"
        )
        in warnings
    )


def test_yaml_comment_covers_the_attribute_below_until_it_expires() -> None:
    deployment = _kubernetes()["Deployment"]
    path = "spec.template.spec.containers.0.securityContext.privileged"
    before = _finding(deployment, "IG-K8S-004", path)
    _suppress("kubernetes", "workloads.yaml", "kubernetes", [before], date(2025, 6, 30))
    assert before.suppression is not None
    assert before.suppression.justification == "needs NET_ADMIN for the sidecar-less mesh"
    after = _finding(deployment, "IG-K8S-004", path)
    warnings = _suppress("kubernetes", "workloads.yaml", "kubernetes", [after], date(2025, 7, 1))
    assert after.suppression is None
    assert any(w.line == 44 and "expired on 2025-06-30" in w.message for w in warnings)


def test_yaml_trailing_comment_covers_only_its_own_attribute() -> None:
    deployment = _kubernetes()["Deployment"]
    context = "spec.template.spec.containers.0.securityContext"
    escalation = _finding(deployment, "IG-K8S-005", f"{context}.allowPrivilegeEscalation")
    privileged = _finding(deployment, "IG-K8S-005", f"{context}.privileged")
    _suppress("kubernetes", "workloads.yaml", "kubernetes", [escalation, privileged], date(2025, 1, 1))
    assert escalation.suppression is not None
    assert escalation.suppression.justification == "legacy JVM agent, see OPS-88"
    assert privileged.suppression is None


def _stages() -> list[Resource]:
    text = (SUPPRESSIONS / "dockerfile" / "Dockerfile").read_text()
    return dockerfile.parse(text, "Dockerfile").resources


def test_dockerfile_comment_above_from_covers_the_whole_stage() -> None:
    build, final = _stages()
    in_build = _finding(build, "IG-DKR-001", "base_image")
    in_final = _finding(final, "IG-DKR-001", "base_image")
    _suppress("dockerfile", "Dockerfile", "dockerfile", [in_build, in_final], date(2025, 1, 1))
    assert in_build.suppression is not None
    assert in_build.suppression.justification == "builder stage is never shipped"
    assert in_final.suppression is None


def test_dockerfile_comments_above_an_instruction_cover_only_that_instruction() -> None:
    _, final = _stages()
    run, add, user = (
        _finding(final, check_id, f"instructions.{index}")
        for check_id, index in (("IG-DKR-002", 1), ("IG-DKR-003", 2), ("IG-DKR-002", 4))
    )
    assert (run.location.start_line, add.location.start_line, user.location.start_line) == (11, 13, 15)
    warnings = _suppress("dockerfile", "Dockerfile", "dockerfile", [run, add, user], date(2025, 1, 1))
    assert run.suppression is not None
    assert run.suppression.justification == "apt lists are cleaned in the same layer"
    assert add.suppression is not None and add.suppression.justification == ""
    assert user.suppression is None
    assert [(w.line, w.message) for w in warnings] == [
        (12, "suppression of IG-DKR-003 has no reason: write why after the check IDs")
    ]


def test_unknown_check_id_and_bad_date_in_a_suppression_are_reported() -> None:
    text = "# iacgate:ignore IG-AWS-001,IG-AWS-00l typo exp:2025-13-01\nresource {}\n"
    directives, warnings = suppress.comment_directives(text, "main.tf", "terraform", date(2025, 1, 1), {"IG-AWS-001"})
    assert directives == []
    assert [w.message for w in warnings] == [
        "suppression names unknown check ID IG-AWS-00L",
        "suppression of IG-AWS-001, IG-AWS-00L has an invalid date exp:2025-13-01: ignored",
    ]


def test_suppression_body_parsing_accepts_spaces_after_commas_and_dash_before_reason() -> None:
    assert suppress.parse_body(" IG-AWS-001, IG-AWS-002 - vendor module exp:2030-01-01 ") == (
        ["IG-AWS-001", "IG-AWS-002"],
        "vendor module",
        "2030-01-01",
    )
    assert suppress.parse_body("=ig-aws-001 lower case") == (["IG-AWS-001"], "lower case", None)
    assert suppress.parse_body("") == ([], "", None)


def test_yaml_comment_before_the_document_separator_covers_the_next_object() -> None:
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
        "# iacgate:ignore IG-K8S-007 the shop namespace is labelled by the platform team\n"
        "---\n"
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: checkout\n  namespace: shop\n"
    )
    directives, _ = suppress.comment_directives(text, "shop.yaml", "kubernetes", date(2025, 1, 1), set())
    account = kubernetes.parse(text, "shop.yaml").resources[1]
    assert account.location.start_line == 7
    assert [sorted(d.lines) for d in directives] == [[5, 7]]


def test_hcl_one_line_block_comment_suppresses_without_the_closing_marker_in_the_reason(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "/* iacgate:ignore IG-AWS-001 mirror of the public docs site */\n"
        'resource "aws_s3_bucket_acl" "docs_mirror" {\n'
        '  bucket = "acme-docs-mirror"\n'
        '  acl    = "public-read"\n'
        "}\n"
    )
    [finding] = run_scan(tmp_path, checks={"IG-AWS-001"}).findings
    assert finding.suppression is not None
    assert finding.suppression.justification == "mirror of the public docs site"
