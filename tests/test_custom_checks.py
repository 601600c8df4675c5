"""The user's own checks, end to end through the command line: a YAML check and a Python check in a
temporary directory are found, pass, answer unknown, and a broken one stops the run with file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scanner.cli import main

YAML_CHECK = """\
# Our buckets must name an owning team, for the on-call rota.
id: ACME-001
title: S3 bucket has no owner tag
severity: low
framework: terraform
resource_types: [aws_s3_bucket]
cwe: CWE-710
description: The on-call rota routes bucket alerts by the owner tag.
remediation: Add tags = { owner = "<team>" }.
example: |-
  resource "aws_s3_bucket" "logs" {
    bucket = "acme-logs"
    tags   = { owner = "platform" }
  }
message: bucket has no owner tag
condition:
  attribute: tags.owner
  exists: true
"""

PYTHON_CHECK = '''\
"""ACME naming rule: every bucket name carries the acme- prefix."""

from checks._helpers import written
from scanner.registry import Fail, check


@check(
    id="ACME-100",
    title="S3 bucket name lacks the acme- prefix",
    severity="medium",
    framework="terraform",
    types=["aws_s3_bucket"],
    cwe="CWE-710",
    description="Bucket policies of the data platform match acme-* names.",
    remediation="Rename the bucket to acme-<name>.",
)
def bucket_prefix(resource):
    name = resource.get("bucket")
    if not (isinstance(name, str) and name.startswith("acme-")):
        return Fail(written(resource, "bucket"), f"bucket name {name!r} lacks the acme- prefix")
    return None
'''

TERRAFORM = """\
variable "bucket_name" {
  type = string
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs-eu-west-1"
  tags = {
    team = "platform"
  }
}

resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
  tags = {
    owner = "data"
  }
}

resource "aws_s3_bucket" "scratch" {
  bucket = var.bucket_name
  tags   = var.scratch_tags
}
"""


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "owner.yaml").write_text(YAML_CHECK, encoding="utf-8")
    (tmp_path / "policies" / "naming.py").write_text(PYTHON_CHECK, encoding="utf-8")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    return tmp_path


def scan(project: Path, *args: str | Path) -> tuple[int, dict]:
    result = iacgate("scan", project / "infra", "--format", "json", "--no-cache", "--show-unknown", *args)
    return result.exit_code, json.loads(result.stdout)


def outcome(report: dict, check_id: str) -> dict[str, object]:
    """Per resource: the finding's line, or "unknown"; resources the check passed are absent."""
    out: dict[str, object] = {
        f["resource"]: f["location"]["start_line"] for f in report["findings"] if f["check_id"] == check_id
    }
    out |= {u["resource"]: "unknown" for u in report["unknown"] if u["check_id"] == check_id}
    return out


def test_a_yaml_check_from_checks_dir_fails_passes_and_answers_unknown(project: Path) -> None:
    code, report = scan(project, "--checks-dir", project / "policies", "--check", "ACME-001")
    assert code == 1
    assert outcome(report, "ACME-001") == {"aws_s3_bucket.logs": 7, "aws_s3_bucket.scratch": "unknown"}
    assert report["summary"]["passed"] == 1  # aws_s3_bucket.exports
    (finding,) = report["findings"]
    assert finding["message"] == "bucket has no owner tag" and finding["attribute"] == "tags"


def test_a_python_check_from_checks_dir_fails_passes_and_answers_unknown(project: Path) -> None:
    code, report = scan(project, "--checks-dir", project / "policies", "--check", "ACME-100")
    assert code == 1
    assert outcome(report, "ACME-100") == {"aws_s3_bucket.logs": 6, "aws_s3_bucket.scratch": "unknown"}
    assert report["summary"]["passed"] == 1


def test_custom_checks_run_next_to_the_built_in_ones(project: Path) -> None:
    _, report = scan(project, "--checks-dir", project / "policies")
    ids = {f["check_id"] for f in report["findings"]}
    assert {"ACME-001", "ACME-100"} <= ids
    assert any(i.startswith("IG-") for i in ids)  # the buckets have no versioning, logging...


def test_without_checks_dir_the_custom_checks_do_not_exist(project: Path) -> None:
    result = iacgate("scan", project / "infra", "--no-cache", "--check", "ACME-001")
    assert result.exit_code == 2 and "unknown check id 'ACME-001'" in result.output


def test_a_custom_finding_is_suppressed_like_a_built_in_one(project: Path) -> None:
    main_tf = project / "infra" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace(
            'resource "aws_s3_bucket" "logs" {',
            '# iacgate:ignore ACME-001 shared bucket owned by every team (OPS-12)\nresource "aws_s3_bucket" "logs" {',
        )
    )
    code, report = scan(project, "--checks-dir", project / "policies", "--check", "ACME-001")
    (finding,) = report["findings"]
    assert finding["suppressed"]["justification"].startswith("shared bucket")
    assert not [e for e in report["errors"] if "unknown check" in e["message"]]


def test_the_config_file_loads_yaml_checks_relative_to_itself(project: Path) -> None:
    (project / "policies" / "naming.py").unlink()
    (project / ".iacgate.yaml").write_text("custom-checks: [policies]\n", encoding="utf-8")
    result = iacgate("scan", project, "--format", "json", "--no-cache", "--check", "ACME-001")
    assert result.exit_code == 1
    assert {f["check_id"] for f in json.loads(result.stdout)["findings"]} == {"ACME-001"}


def test_python_checks_named_only_by_the_scanned_repository_are_not_run(project: Path) -> None:
    (project / ".iacgate.yaml").write_text("custom-checks: [policies]\n", encoding="utf-8")
    result = iacgate("scan", project, "--no-cache")
    assert result.exit_code == 2
    assert "naming.py" in result.output and "not run from a directory named by the scanned repository" in result.output


def test_python_checks_run_from_a_config_file_named_on_the_command_line(project: Path) -> None:
    (project / "ci.yaml").write_text("custom-checks: [policies]\n", encoding="utf-8")
    result = iacgate("scan", project / "infra", "--config", project / "ci.yaml", "--format", "json", "--no-cache")
    assert {"ACME-001", "ACME-100"} <= {f["check_id"] for f in json.loads(result.stdout)["findings"]}


def test_checks_lists_custom_checks_with_their_source_file(project: Path) -> None:
    result = iacgate("checks", "--format", "json", "--checks-dir", project / "policies")
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["ACME-001"]["source"] == (project / "policies" / "owner.yaml").as_posix()
    assert rows["ACME-100"]["source"] == (project / "policies" / "naming.py").as_posix()
    assert rows["IG-AWS-010"]["source"] == "checks/terraform_aws.yaml"


BROKEN = [
    ("owner.yaml", YAML_CHECK.replace("exists: true", "exist: true"), 18, "unknown operator 'exist'"),
    ("owner.yaml", YAML_CHECK.replace("cwe: CWE-710", "cwe: CWE-710\nowner: platform"), 8, "unknown field 'owner'"),
    ("owner.yaml", YAML_CHECK.replace("ACME-001", "IG-AWS-001"), 2, "built-in IG- namespace"),
    ("owner.yaml", YAML_CHECK.replace("title: S3", "title: [S3"), 4, "invalid YAML"),
    ("naming.py", PYTHON_CHECK.replace("ACME-100", "IG-ZZZ-900"), 7, "built-in IG- namespace"),
    # files load in name order: naming.py first, so the YAML check is the duplicate
    ("naming.py", PYTHON_CHECK.replace("ACME-100", "ACME-001"), "owner.yaml:2", "duplicate check id ACME-001 (also in"),
    (
        "naming.py",
        PYTHON_CHECK.replace("from scanner.registry", "import acme_internal\nfrom scanner.registry"),
        4,
        "raises ModuleNotFoundError on import",
    ),
    ("naming.py", PYTHON_CHECK.replace('framework="terraform"', 'framework="cloudformation"'), 7, "unknown framework"),
    (
        "naming.py",
        PYTHON_CHECK.replace("def bucket_prefix(resource):", "def bucket_prefix(resource)"),
        17,
        "syntax error",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "problem"), BROKEN, ids=[b[3] for b in BROKEN])
def test_a_broken_custom_check_is_exit_2_with_file_line_and_problem(
    project: Path, name: str, text: str, line: int | str, problem: str
) -> None:
    (project / "policies" / name).write_text(text, encoding="utf-8")
    result = iacgate("scan", project / "infra", "--no-cache", "--checks-dir", project / "policies")
    assert result.exit_code == 2, result.output
    where = f"{name}:{line}" if isinstance(line, int) else line
    assert f"{(project / 'policies').as_posix()}/{where}: " in result.output, result.output
    assert problem in result.output


def test_every_broken_file_is_reported_not_only_the_first(project: Path) -> None:
    (project / "policies" / "owner.yaml").write_text(YAML_CHECK.replace("exists: true", "exist: true"))
    (project / "policies" / "naming.py").write_text(PYTHON_CHECK.replace("ACME-100", "IG-ZZZ-900"))
    result = iacgate("scan", project / "infra", "--no-cache", "--checks-dir", project / "policies")
    assert result.exit_code == 2
    assert "owner.yaml:18" in result.output and "naming.py:7" in result.output


def test_a_missing_checks_dir_is_an_error_not_an_empty_set(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    result = iacgate("scan", tmp_path, "--no-cache", "--checks-dir", tmp_path / "no-such-dir")
    assert result.exit_code == 2 and "custom checks directory not found" in result.output


def test_several_yaml_checks_in_one_file(project: Path) -> None:
    second = textwrap.dedent(YAML_CHECK).replace("ACME-001", "ACME-002").replace("tags.owner", "tags.cost-centre")
    (project / "policies" / "owner.yaml").write_text(YAML_CHECK + "---\n" + second)
    result = iacgate("checks", "--format", "json", "--checks-dir", project / "policies")
    assert {"ACME-001", "ACME-002"} <= {row["id"] for row in json.loads(result.stdout)}


def test_plan_gating_runs_custom_checks_too(project: Path) -> None:
    plan = Path(__file__).resolve().parent.parent / "fixtures" / "plans" / "constructed-s3-acl-gating" / "tfplan.json"
    result = iacgate(
        "plan", plan, "--no-cache", "--format", "json", "--checks-dir", project / "policies", "--check", "ACME-100"
    )
    findings = json.loads(result.stdout)["findings"]
    assert {f["resource"] for f in findings} == {"aws_s3_bucket.newly_created"}  # the unchanged bucket is context
    assert findings[0]["message"].startswith("bucket name 'my-tf-test-bucket' lacks the acme- prefix")


def test_a_repository_check_directory_cannot_link_to_files_outside_it(project: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "secrets.yaml"
    outside.write_text("aws_secret_access_key: not-a-real-key\n")
    (project / "policies" / "naming.py").unlink()
    (project / "policies" / "linked.yaml").symlink_to(outside)
    (project / ".iacgate.yaml").write_text("custom-checks: [policies]\n", encoding="utf-8")
    result = iacgate("scan", project, "--no-cache")
    assert result.exit_code == 2
    assert "linked.yaml: a link to a file outside the directory" in result.output
    assert "aws_secret_access_key" not in result.output


def test_a_directory_named_twice_is_loaded_once(project: Path) -> None:
    (project / "ci.yaml").write_text("custom-checks: [policies]\n", encoding="utf-8")
    result = iacgate(
        "scan",
        project / "infra",
        "--config",
        project / "ci.yaml",
        "--checks-dir",
        project / "policies",
        "--format",
        "json",
        "--no-cache",
        "--check",
        "ACME-001,ACME-100",
    )
    assert result.exit_code == 1, result.output
    assert {f["check_id"] for f in json.loads(result.stdout)["findings"]} == {"ACME-001", "ACME-100"}
