"""The example project (the README's first command) reports exactly its deliberate mistakes.

Checks are written in parallel, so for each check in EXPECTED that is registered, its findings on
the example must be exactly the listed (file, line) pairs: no miss and no false positive on the
resources that are written correctly. Checks not registered yet are left out.
"""

from __future__ import annotations

from click.testing import CliRunner

from scanner.cli import main
from scanner.registry import load_builtin_checks
from scanner.report import ReportContext, renderer
from tests.conftest import FIXTURES, run_scan

EXAMPLE = FIXTURES / "example"
SITE_MODULE = "infra/modules/static-site/main.tf"

EXPECTED = {
    ("IG-AWS-001", "infra/main.tf", 8),  # uploads bucket acl = "public-read"
    ("IG-AWS-001", SITE_MODULE, 17),  # acl = var.acl <- module input <- terraform.tfvars:7 "public-read"
    ("IG-AWS-002", "infra/main.tf", 72),  # SSH from 0.0.0.0/0 (the ALB's port 80 rule must pass)
    ("IG-AWS-004", "infra/main.tf", 116),  # publicly_accessible = true
    ("IG-AWS-005", "infra/main.tf", 108),  # storage_encrypted not set: the resource line
    ("IG-AWS-008", "infra/main.tf", 97),  # no metadata_options: the resource line
    ("IG-AWS-014", "infra/main.tf", 137),  # plain-HTTP listener protocol
    ("IG-AWS-016", "infra/main.tf", 6),  # uploads bucket has no public access block (backups has one)
    ("IG-AWS-016", SITE_MODULE, 1),
    ("IG-AWS-019", "infra/main.tf", 6),  # no SSE configuration (backups has one with KMS)
    ("IG-AWS-019", SITE_MODULE, 1),
    ("IG-AWS-020", "infra/main.tf", 6),  # no versioning (backups is versioned)
    ("IG-AWS-020", SITE_MODULE, 1),
    ("IG-K8S-003", "k8s/deployment.yaml", 23),  # no runAsNonRoot / runAsUser
    ("IG-K8S-011", "k8s/deployment.yaml", 24),  # image :latest
    ("IG-K8S-014", "k8s/service.yaml", 7),  # type: LoadBalancer
    ("IG-K8S-021", "k8s/rbac.yaml", 18),  # cluster-admin bound to the ServiceAccount the Deployment uses
    ("IG-X-001", "k8s/deployment.yaml", 24),  # image built by app/Dockerfile, whose final stage is root
    ("IG-DKR-001", "app/Dockerfile", 7),  # final stage has no USER: its FROM line
    ("IG-DKR-003", "app/Dockerfile", 19),  # curl | sh
}
NEEDS_EVALUATOR = {("IG-AWS-001", SITE_MODULE, 17)}  # unknown (never wrong) until variables are evaluated


def test_example_reports_the_expected_findings_of_every_registered_check_at_exact_lines() -> None:
    registered = set(load_builtin_checks())
    result = run_scan(EXAMPLE)
    assert result.errors == []
    found = {(f.check_id, f.location.file, f.location.start_line) for f in result.findings}
    unknown = {(u.check_id, u.resource.location.file) for u in result.unknowns}
    for check_id in sorted({e[0] for e in EXPECTED} & registered):
        expected = {e for e in EXPECTED if e[0] == check_id}
        actual = {f for f in found if f[0] == check_id}
        for item in expected - actual:
            assert item in NEEDS_EVALUATOR and (item[0], item[1]) in unknown, f"missed {item}"
        assert actual <= expected, f"unexpected {check_id} findings: {sorted(actual - expected)}"
    assert {e for e in EXPECTED if e[0] == "IG-AWS-001"} - NEEDS_EVALUATOR <= found


def test_example_covers_all_three_frameworks_and_the_local_module() -> None:
    result = run_scan(EXAMPLE)
    kinds = {f.kind for f in result.files}
    assert {"terraform", "tfvars", "kubernetes", "dockerfile"} <= kinds
    types = {r.type for r in result.resources}
    assert {"Deployment", "Service", "Ingress", "ServiceAccount", "RoleBinding", "aws_s3_bucket"} <= types
    assert any(r.location.file == SITE_MODULE for r in result.resources)


def test_readme_first_command_prints_a_readable_report_and_exits_1() -> None:
    result = CliRunner().invoke(main, ["scan", str(EXAMPLE), "--no-cache"], catch_exceptions=False)
    assert result.exit_code == 1  # findings, and no +4: every file parsed
    assert "infra/main.tf" in result.stdout
    assert "IG-AWS-001" in result.stdout and "line 8" in result.stdout
    assert "0 scan errors" in result.stdout


def test_example_report_is_identical_across_runs() -> None:
    render = renderer("json")
    first, second = (render(run_scan(EXAMPLE), ReportContext()) for _ in range(2))
    assert first == second
