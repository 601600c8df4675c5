"""Command-line and configuration errors: the right option named, the closest valid value suggested,
the valid choices listed, ids and severities in any case, every configuration problem at once; and
`--skip-path`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scanner.cli import main

PUBLIC_BUCKET = 'resource "aws_s3_bucket" "site" {\n  bucket = "shop-site"\n  acl    = "public-read"\n}\n'


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["scan", "--no-cache", *map(str, args)])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "legacy" / "old").mkdir(parents=True)
    (root / "main.tf").write_text(PUBLIC_BUCKET)
    (root / "legacy" / "old" / "main.tf").write_text(PUBLIC_BUCKET.replace("site", "old_site"))
    (root / "generated.auto.tf").write_text(PUBLIC_BUCKET.replace("site", "generated"))
    return root


def test_an_unknown_skipped_check_names_skip_check_and_suggests_the_closest_id(project: Path) -> None:
    run = iacgate(project, "--skip-check", "IG-AWS-00l")
    assert run.exit_code == 2
    assert "Invalid value for '--skip-check': unknown check id 'IG-AWS-00l' (did you mean IG-AWS-001?)" in run.output
    assert "'--check'" not in run.output


def test_unknown_ids_of_both_options_are_reported_together(project: Path) -> None:
    run = iacgate(project, "--check", "IG-AWS-001,IG-AWZ-002", "--skip-check", "nothing-like-it")
    assert run.exit_code == 2
    assert "Invalid value for '--check': unknown check id 'IG-AWZ-002' (did you mean IG-AWS-002?)" in run.output
    assert "Invalid value for '--skip-check': unknown check id 'nothing-like-it'" in run.output


def test_check_ids_and_severities_are_accepted_in_any_case(project: Path) -> None:
    run = iacgate(project, "--check", "ig-aws-001", "--severity-threshold", "HIGH", "--format", "json")
    assert run.exit_code == 1, run.output
    report = json.loads(run.stdout)
    assert {f["check_id"] for f in report["findings"]} == {"IG-AWS-001"}
    assert report["summary"]["threshold"] == "high"


def test_an_unknown_framework_lists_the_valid_ones(project: Path) -> None:
    run = iacgate(project, "--framework", "k8s")
    assert run.exit_code == 2
    assert "unknown framework 'k8s'; choose from terraform, kubernetes, dockerfile" in run.output
    assert iacgate(project, "--framework", "Terraform", "--check", "IG-AWS-001").exit_code == 1


def test_an_unknown_format_suggests_the_closest(project: Path) -> None:
    run = iacgate(project, "--format", "gitlab_sast")
    assert run.exit_code == 2 and "(did you mean gitlab-sast?)" in run.output


def test_every_configuration_problem_is_reported_at_once_with_suggestions(project: Path) -> None:
    (project / ".iacgate.yaml").write_text("skip_checks: [IG-AWS-001]\nseverity-threshold: hihg\nframeworks: [k8s]\n")
    run = iacgate(project)
    assert run.exit_code == 2
    assert "3 problems:" in run.output
    assert "unknown key 'skip_checks' in .iacgate.yaml (did you mean skip-checks?)" in run.output
    assert "'hihg' is not one of critical, high, medium, low, info (did you mean high?)" in run.output
    assert "'k8s' is not one of terraform, kubernetes, dockerfile" in run.output


def test_every_unknown_check_id_of_the_configuration_is_reported(project: Path) -> None:
    (project / ".iacgate.yaml").write_text("skip-checks: [IG-AWS-0001, IG-K8S-9999]\n")
    run = iacgate(project)
    assert run.exit_code == 2
    assert "unknown check id 'IG-AWS-0001' in .iacgate.yaml (did you mean IG-AWS-001?)" in run.output
    assert "unknown check id 'IG-K8S-9999' in .iacgate.yaml" in run.output


def test_configuration_ids_and_severities_in_any_case_take_effect(project: Path) -> None:
    (project / ".iacgate.yaml").write_text(
        "checks: [ig-aws-001]\nseverity-threshold: CRITICAL\nseverity-overrides: {Ig-Aws-001: Critical}\n"
    )
    run = iacgate(project, "--format", "json")
    assert run.exit_code == 1, run.output
    findings = json.loads(run.stdout)["findings"]
    assert findings and {(f["check_id"], f["severity"], f["blocking"]) for f in findings} == {
        ("IG-AWS-001", "critical", True)
    }


def test_skip_path_leaves_out_matching_files_like_exclude_paths(project: Path) -> None:
    run = iacgate(
        project, "--check", "IG-AWS-001", "--skip-path", "legacy/", "--skip-path", "*.auto.tf", "--format", "json"
    )
    files = {f["location"]["file"] for f in json.loads(run.stdout)["findings"]}
    assert files == {"main.tf"}
    everything = iacgate(project, "--check", "IG-AWS-001", "--format", "json")
    assert {f["location"]["file"] for f in json.loads(everything.stdout)["findings"]} == {
        "main.tf",
        "legacy/old/main.tf",
        "generated.auto.tf",
    }
