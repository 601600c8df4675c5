"""A single `.tf` file is evaluated in its module, as Terraform would with its directory as the working
directory; `iacgate plan` given Terraform source says so; the plan's "stay on the plan" note is true."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scanner.cli import main
from tests.conftest import FIXTURES

MAIN_TF = """\
module "site" {
  source = "./modules/site"
  acl    = var.site_acl
}

resource "aws_s3_bucket" "logs" {
  bucket = "shop-logs"
  acl    = var.logs_acl
}
"""
PUBLIC_BUCKET = 'resource "aws_s3_bucket" "{name}" {{\n  bucket = "shop-{name}"\n  acl    = "public-read"\n}}\n'
PLAN = FIXTURES / "plans" / "constructed-s3-acl-gating"


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [*map(str, args)])


@pytest.fixture
def infra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A root module whose values come from tfvars and whose bucket is in a local module, beside a
    sibling file and another root module below it."""
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        monkeypatch.delenv(variable, raising=False)
    repo = tmp_path / "shop"
    (repo / ".git").mkdir(parents=True)
    infra = repo / "infra"
    (infra / "modules" / "site").mkdir(parents=True)
    (infra / "main.tf").write_text(MAIN_TF)
    (infra / "variables.tf").write_text('variable "site_acl" {}\nvariable "logs_acl" {}\n')
    (infra / "terraform.tfvars").write_text('site_acl = "public-read"\n')
    (infra / "prod.auto.tfvars").write_text('logs_acl = "public-read-write"\n')
    (infra / "modules" / "site" / "main.tf").write_text(
        'variable "acl" {}\n\nresource "aws_s3_bucket" "site" {\n  bucket = "shop-site"\n  acl    = var.acl\n}\n'
    )
    (infra / "sibling.tf").write_text(PUBLIC_BUCKET.format(name="sibling"))
    (infra / "staging").mkdir()
    (infra / "staging" / "main.tf").write_text(PUBLIC_BUCKET.format(name="staging"))
    return infra


def findings(run: Result) -> set[tuple[str, int, str]]:
    report = json.loads(run.stdout)
    return {(f["location"]["file"], f["location"]["start_line"], f["resource"]) for f in report["findings"]}


def test_a_single_file_is_evaluated_in_its_module_with_its_tfvars_and_local_modules(infra: Path) -> None:
    run = iacgate("scan", infra / "main.tf", "--no-cache", "--check", "IG-AWS-001", "--format", "json")
    assert run.exit_code == 1, run.output
    assert findings(run) == {
        ("infra/main.tf", 8, "aws_s3_bucket.logs"),
        ("infra/modules/site/main.tf", 5, "module.site.aws_s3_bucket.site"),
    }
    report = json.loads(run.stdout)
    assert report["errors"] == [] and report["summary"]["resources"] == 2
    traces = {t["file"] for f in report["findings"] for t in f["trace"]}
    assert {"infra/terraform.tfvars", "infra/prod.auto.tfvars"} <= traces


def test_a_single_file_from_its_own_directory_is_the_same(infra: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(infra)
    run = iacgate("scan", "main.tf", "--no-cache", "--check", "IG-AWS-001", "--format", "json")
    assert {line for _, line, _ in findings(run)} == {8, 5}


def test_a_file_inside_a_scanned_directory_is_not_restricted(infra: Path) -> None:
    run = iacgate("scan", infra, infra / "main.tf", "--no-cache", "--check", "IG-AWS-001", "--format", "json")
    assert {resource for _, _, resource in findings(run)} >= {"aws_s3_bucket.sibling", "aws_s3_bucket.staging"}


def test_other_paths_beside_a_single_file_are_judged_as_usual(infra: Path) -> None:
    run = iacgate(
        "scan", infra / "main.tf", infra / "staging", "--no-cache", "--check", "IG-AWS-001", "--format", "json"
    )
    resources = {resource for _, _, resource in findings(run)}
    assert "aws_s3_bucket.staging" in resources and "aws_s3_bucket.sibling" not in resources


def test_plan_of_terraform_source_suggests_scan(infra: Path) -> None:
    run = iacgate("plan", infra / "main.tf")
    assert run.exit_code == 2
    assert f"{infra / 'main.tf'}: this is Terraform source, not a plan: scan it with `iacgate scan" in run.output
    hcl_named_json = infra / "plan.json"
    hcl_named_json.write_text(MAIN_TF)
    run = iacgate("plan", hcl_named_json)
    assert run.exit_code == 2 and "this is Terraform source, not a plan" in run.output


def test_the_stay_on_the_plan_note_appears_only_when_findings_stay_on_the_plan(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(PLAN / "src", source)
    (source / "broken.tf").write_text('resource "aws_s3_bucket" "half" {\n  acl = "private"\n')
    args = ["plan", PLAN / "tfplan.json", "--source", source, "--no-cache", "--format", "json"]
    mapped = json.loads(iacgate(*args).stdout)
    broken = [e for e in mapped["errors"] if e["file"].endswith("broken.tf")]
    assert broken and not any("stay on the plan" in e["message"] for e in broken)
    (source / "main.tf").write_text((source / "main.tf").read_text() + "\nresource {\n")  # nothing maps now
    unmapped = json.loads(iacgate(*args).stdout)
    assert any(f["location"]["file"].endswith("tfplan.json") for f in unmapped["findings"])
    assert any(
        e["file"].endswith("main.tf") and e["message"].endswith("(plan findings for this file stay on the plan)")
        for e in unmapped["errors"]
    )
