""" "Not judged" is a visible outcome: parts left unevaluated show in every report, the summary never
reads as a clean pass while they exist, and `--fail-on-incomplete` turns them into a failing gate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scanner.cli import main
from scanner.report import FORMATS

ROOT_MODULE = """\
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"

  name = "payments"
  cidr = "10.20.0.0/16"
}

module "logs_bucket" {
  source = "git::https://github.com/example/terraform-modules.git//s3-bucket?ref=v2.3.0"
  bucket = "payments-access-logs"
}

resource "aws_s3_bucket" "exports" {
  bucket = "payments-exports"
}
"""


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["scan", "--no-cache", "--workers", "1", *map(str, args)])


@pytest.fixture
def remote_modules(tmp_path: Path) -> Path:
    """A root module whose remote modules were never `terraform init`ed, plus a Helm chart."""
    (tmp_path / "main.tf").write_text(ROOT_MODULE)
    chart = tmp_path / "charts" / "payments"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: payments\nversion: 1.4.0\n")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    return tmp_path


def test_console_lists_what_was_not_evaluated_and_counts_it(remote_modules: Path) -> None:
    run = iacgate(remote_modules, "--check", "IG-AWS-001")
    assert run.exit_code == 0
    section = run.stdout.split("Not evaluated (3 not scanned)\n", 1)[1]
    assert "main.tf:1: module vpc not scanned: remote source terraform-aws-modules/vpc/aws not initialised" in section
    assert "main.tf:9: module logs_bucket not scanned" in section
    assert "charts/payments/templates/deployment.yaml: Helm chart template: not scanned" in section
    summary = run.stdout.strip().splitlines()[-1]
    assert summary.endswith("0 scan errors, 3 not evaluated")


def test_console_points_at_the_rest_when_the_list_is_long(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "".join(f'module "m{n:02}" {{\n  source = "example/m{n:02}/aws"\n}}\n' for n in range(14))
    )
    run = iacgate(tmp_path, "--check", "IG-AWS-001")
    assert "  …and 4 more (--format json or sarif lists them all)" in run.stdout
    assert "main.tf:37: module m12" not in run.stdout


def test_markdown_summary_shows_the_count_and_the_list(remote_modules: Path) -> None:
    run = iacgate(remote_modules, "--check", "IG-AWS-001", "--format", "markdown")
    assert "| not evaluated (modules, templates) | 3 |" in run.stdout
    assert "<details open><summary>Not evaluated</summary>" in run.stdout
    assert "- `main.tf:1`: module vpc not scanned" in run.stdout


def test_json_sarif_and_junit_carry_every_notice(remote_modules: Path) -> None:
    report = json.loads(iacgate(remote_modules, "--check", "IG-AWS-001", "--format", "json").stdout)
    assert report["summary"]["not_evaluated"] == 3 and report["summary"]["fully_evaluated"] is False
    sarif = json.loads(iacgate(remote_modules, "--check", "IG-AWS-001", "--format", "sarif").stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert sorted(n["message"]["text"][:13] for n in notes) == ["Helm chart te", "module logs_b", "module vpc no"]
    junit = ET.fromstring(iacgate(remote_modules, "--check", "IG-AWS-001", "--format", "junit").stdout)
    suite = junit.find("testsuite[@name='not evaluated']")
    assert suite is not None and suite.get("skipped") == "3"


def test_undecided_checks_are_counted_with_a_pointer_to_show_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "logs_acl" {\n  type = string\n}\n\n'
        'resource "aws_s3_bucket_acl" "logs" {\n  bucket = "app-logs"\n  acl    = var.logs_acl\n}\n'
    )
    run = iacgate(tmp_path, "--check", "IG-AWS-001")
    assert "1 check result undecided: a value they need is unknown (--show-unknown lists them)" in run.stdout
    assert "    main.tf:7: IG-AWS-001 on aws_s3_bucket_acl.logs: acl is unknown (" in run.stdout
    markdown = iacgate(tmp_path, "--check", "IG-AWS-001", "--format", "markdown").stdout
    assert "- 1 check result undecided because a value is unknown (`--show-unknown` lists them), e.g.:" in markdown
    assert "  - main.tf:7: IG-AWS-001 on aws\\_s3\\_bucket\\_acl.logs: acl is unknown (" in markdown
    shown = iacgate(tmp_path, "--check", "IG-AWS-001", "--show-unknown")
    assert "Undecided (value unknown)" in shown.stdout and "--show-unknown lists them" not in shown.stdout


def test_fail_on_incomplete_turns_not_evaluated_parts_into_a_failing_gate(remote_modules: Path) -> None:
    assert iacgate(remote_modules, "--check", "IG-AWS-001").exit_code == 0
    strict = iacgate(remote_modules, "--check", "IG-AWS-001", "--fail-on-incomplete", "--format", "markdown")
    assert strict.exit_code == 4
    assert "the gate fails" in strict.stdout


def test_fail_on_incomplete_from_the_config_and_the_flag_that_turns_it_off(remote_modules: Path) -> None:
    (remote_modules / ".iacgate.yaml").write_text("fail-on-incomplete: true\n")
    assert iacgate(remote_modules, "--check", "IG-AWS-001").exit_code == 4
    assert iacgate(remote_modules, "--check", "IG-AWS-001", "--no-fail-on-incomplete").exit_code == 0


def test_fail_on_incomplete_passes_a_fully_evaluated_scan(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket_acl" "logs" {\n  bucket = "logs"\n  acl = "private"\n}\n'
    )
    assert iacgate(tmp_path, "--check", "IG-AWS-001", "--fail-on-incomplete").exit_code == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_iac_files_is_a_warning_in_every_format(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "README.md").write_text("# docs only\n")
    run = iacgate(tmp_path, "--format", fmt)
    assert run.exit_code == 0  # nothing was skipped: see the README's exit status table
    assert "no IaC files found (Terraform, Kubernetes, Dockerfile) under the scanned paths" in run.stdout


def test_no_iac_files_fails_a_strict_gate(tmp_path: Path) -> None:
    run = iacgate(tmp_path, "--fail-on-incomplete", "--framework", "dockerfile")
    assert run.exit_code == 4
    assert "no IaC files found (Dockerfile)" in run.stdout


def test_a_check_of_another_framework_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n')
    run = iacgate(tmp_path, "--check", "IG-K8S-001", "--framework", "terraform")
    assert run.exit_code == 2
    assert "no check left to run: IG-K8S-001 is a kubernetes check, but only terraform is scanned" in run.output


def test_the_same_check_selected_and_skipped_is_a_usage_error(tmp_path: Path) -> None:
    run = iacgate(tmp_path, "--check", "IG-AWS-001", "--skip-check", "IG-AWS-001")
    assert run.exit_code == 2
    assert "IG-AWS-001 is selected by --check and skipped by --skip-check" in run.output
