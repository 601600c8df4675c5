"""Compliance mappings: `--compliance NAME` runs the checks that evidence a framework's controls, and
every report summarises pass / fail / unknown per control from the same run."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from scanner.cli import main
from scanner.compliance import COMPLIANCE_FRAMEWORKS, control_key
from scanner.registry import CheckDefinitionError, check, load_builtin_checks
from scanner.report.json import SCHEMA_FILE

TERRAFORM = """\
variable "multi_region" {
  type = bool
}

resource "aws_cloudtrail" "main" {
  name                       = "main"
  s3_bucket_name             = "acme-trail"
  is_multi_region_trail      = var.multi_region
  enable_log_file_validation = true
}

resource "aws_kms_key" "data" {
  description         = "data at rest"
  enable_key_rotation = false
}

resource "aws_kms_key" "exports" {
  description         = "exports"
  enable_key_rotation = false # iacgate:ignore IG-AWS-010 keys of the export archive never change (SEC-88)
}
"""


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    return tmp_path


def report(infra: Path, fmt: str = "json", *args: str) -> str:
    result = iacgate("scan", infra, "--no-cache", "--format", fmt, "--compliance", "cis-aws-3.0", *args)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def controls(document: dict) -> dict[str, dict]:
    return {c["control"]: c for c in document["compliance"]["controls"]}


def test_compliance_runs_only_the_checks_that_evidence_the_framework(infra: Path) -> None:
    document = json.loads(report(infra))
    mapped = [c for c in load_builtin_checks().values() if "cis-aws-3.0" in c.compliance]
    assert document["summary"]["checks"] == len(mapped)
    assert {f["check_id"] for f in document["findings"]} <= {c.id for c in mapped}


def test_each_control_is_fail_unknown_pass_or_not_evaluated_from_its_own_checks(infra: Path) -> None:
    by_control = controls(json.loads(report(infra)))
    assert by_control["3.6"] == {
        "control": "3.6",
        "status": "fail",
        "checks": ["IG-AWS-010"],
        "passed": 0,
        "failed": 1,
        "unknown": 0,
        "suppressed": 1,  # the export key: an accepted exception, listed with its reason
    }
    assert by_control["3.1"]["status"] == "unknown"  # multi-region depends on a variable with no value
    assert by_control["3.1"]["checks"] == ["IG-AWS-011", "IG-AWS-012"]
    assert by_control["3.2"]["status"] == "pass"
    assert by_control["2.3.1"]["status"] == "not_evaluated"  # no database in this code


def test_controls_are_in_natural_order() -> None:
    assert sorted(["5.2.10", "5.2.9", "5.10", "5.2", "1.16"], key=control_key) == [
        "1.16",
        "5.2",
        "5.2.9",
        "5.2.10",
        "5.10",
    ]


def test_json_compliance_section_matches_the_published_schema(infra: Path) -> None:
    document = json.loads(report(infra))
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert document["compliance"]["title"] == COMPLIANCE_FRAMEWORKS["cis-aws-3.0"]
    assert document["compliance"]["totals"]["fail"] >= 1


def test_without_compliance_the_reports_have_no_compliance_section(infra: Path) -> None:
    result = iacgate("scan", infra, "--no-cache", "--format", "json")
    assert "compliance" not in json.loads(result.stdout)


def test_console_markdown_and_sarif_summarise_the_controls(infra: Path) -> None:
    console = report(infra, "console")
    assert "Compliance: CIS Amazon Web Services Foundations Benchmark v3.0.0" in console
    assert any(line.split()[:2] == ["3.6", "FAIL"] for line in console.splitlines())
    markdown = report(infra, "markdown")
    assert "### Compliance: CIS Amazon Web Services Foundations Benchmark v3.0.0" in markdown
    assert "| 3.6 | fail | 0 | 1 | 0 | 1 | IG-AWS-010 |" in markdown
    sarif = json.loads(report(infra, "sarif"))
    run = sarif["runs"][0]
    assert {c["control"]: c["status"] for c in run["properties"]["compliance"]["controls"]}["3.1"] == "unknown"
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "IG-AWS-010")
    assert rule["properties"]["compliance"] == {"cis-aws-3.0": ["3.6"]}


def test_an_unknown_compliance_name_is_a_usage_error(infra: Path) -> None:
    result = iacgate("scan", infra, "--no-cache", "--compliance", "cis-aws-9.9")
    assert result.exit_code == 2 and "cis-aws-9.9" in result.output


def test_checks_lists_each_checks_controls_and_filters_by_framework() -> None:
    rows = json.loads(iacgate("checks", "--format", "json", "--compliance", "cis-docker-1.6").stdout)
    assert rows and all("cis-docker-1.6" in row["compliance"] for row in rows)
    assert {"id": "IG-DKR-001", "controls": ["4.1"]} in [
        {"id": row["id"], "controls": row["compliance"]["cis-docker-1.6"]} for row in rows
    ]


def test_a_check_cannot_name_a_framework_the_registry_does_not_know() -> None:
    with pytest.raises(CheckDefinitionError, match="unknown compliance framework"):
        check(
            id="ACME-900",
            title="t",
            severity="low",
            framework="terraform",
            types=["aws_s3_bucket"],
            cwe="CWE-710",
            description="d",
            remediation="r",
            compliance={"pci-dss": ["1.2"]},
        )


def test_every_mapped_control_names_a_known_framework_and_a_plain_id() -> None:
    for chk in load_builtin_checks().values():
        for name, ids in chk.compliance.items():
            assert name in COMPLIANCE_FRAMEWORKS, chk.id
            assert ids and all(isinstance(i, str) and i and i == i.strip() for i in ids), chk.id


def test_sarif_with_compliance_properties_is_still_valid_sarif(infra: Path, tmp_path: Path) -> None:
    from tests.test_sarif import _validate

    _validate(report(infra, "sarif"), infra, tmp_path)
