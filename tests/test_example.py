"""The example project (the README's first command) reports exactly its deliberate mistakes.

Each deliberate mistake carries an `iacgate:expect <ID>` marker on its line (tests/expect.py): every
finding on the example must be marked and every marker reported, so a new check that fires on the
example's correctly written resources fails here until someone judges the finding and marks it.
"""

from __future__ import annotations

from click.testing import CliRunner

from scanner.cli import main
from scanner.report import ReportContext, renderer
from tests.conftest import FIXTURES, run_scan
from tests.expect import read_markers

EXAMPLE = FIXTURES / "example"
SITE_MODULE = "infra/modules/static-site/main.tf"


def test_example_reports_exactly_its_marked_mistakes() -> None:
    result = run_scan(EXAMPLE)
    assert result.errors == []
    expected = {(m.check_id, m.file, m.line) for m in read_markers(EXAMPLE)}
    found = {(f.check_id, f.location.file, f.location.start_line) for f in result.findings}
    assert not expected - found, f"marked but not reported: {sorted(expected - found)}"
    assert not found - expected, f"reported but not marked: {sorted(found - expected)}"
    # the module's bucket ACL comes from terraform.tfvars through a module input
    assert ("IG-AWS-001", SITE_MODULE, 17) in found


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
