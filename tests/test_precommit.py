"""The pre-commit entry point scans the changed files' modules, not the files alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from scanner import precommit
from tests.conftest import REPO

BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n  acl    = var.acl\n}\n'
VARIABLE = 'variable "acl" {\n  type    = string\n  default = "private"\n}\n'
PUBLIC = 'resource "aws_s3_bucket_acl" "www" {\n  bucket = "acme-www"\n  acl    = "public-read"\n}\n'
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for rel, text in {
        "modules/storage/main.tf": BUCKET,
        "modules/storage/variables.tf": VARIABLE,
        "envs/prod/main.tf": PUBLIC,
        "envs/prod/terraform.tfvars": 'region = "eu-west-1"\n',
        "k8s/api.yaml": DEPLOYMENT,
        "k8s/web.yaml": DEPLOYMENT.replace("name: api", "name: web"),
        "docker/Dockerfile": "FROM python:3.12-slim\nUSER app\n",
        "README.md": "# infra\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_terraform_files_map_to_their_module_directory_and_others_to_themselves(repo: Path) -> None:
    changed = [
        Path(p)
        for p in (
            "modules/storage/main.tf",
            "envs/prod/terraform.tfvars",
            "k8s/api.yaml",
            "docker/Dockerfile",
            "README.md",
            "deleted.tf",
        )
    ]
    assert precommit.targets(changed) == [
        Path("docker/Dockerfile"),
        Path("envs/prod"),
        Path("k8s/api.yaml"),
        Path("modules/storage"),
    ]


def test_files_inside_a_chosen_module_directory_are_not_scanned_twice(repo: Path) -> None:
    (repo / "envs/prod/k8s.yaml").write_text(DEPLOYMENT)
    assert precommit.targets([Path("envs/prod/main.tf"), Path("envs/prod/k8s.yaml")]) == [Path("envs/prod")]


def test_hook_scans_the_whole_module_and_fails_on_findings(repo: Path) -> None:
    out = CliRunner().invoke(precommit.main, ["--check", "IG-AWS-001", "envs/prod/terraform.tfvars"])
    assert out.exit_code == 1, out.output
    assert "envs/prod/main.tf" in out.output  # reported relative to the repository root
    assert "2 files" in out.output  # main.tf came along with the changed tfvars file


def test_hook_forwards_options(repo: Path) -> None:
    out = CliRunner().invoke(
        precommit.main, ["--check", "IG-AWS-001", "--severity-threshold", "critical", "envs/prod/main.tf"]
    )
    assert out.exit_code == 0, out.output
    (repo / ".iacgate.yaml").write_text("per-path:\n  - paths: [envs/]\n    skip-checks: [IG-AWS-001]\n")
    out = CliRunner().invoke(precommit.main, ["--check", "IG-AWS-001", "envs/prod/main.tf"])
    assert out.exit_code == 0 and "0 failed" in out.output  # the root's config file applies


def test_hook_with_no_iac_files_does_nothing(repo: Path) -> None:
    out = CliRunner().invoke(precommit.main, ["README.md"])
    assert out.exit_code == 0 and out.output == ""


def test_hook_manifest_points_at_the_installed_entry_point() -> None:
    tomllib = pytest.importorskip("tomllib")
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    assert scripts[hook["entry"]] == "scanner.precommit:main"


def test_action_uploads_sarif_even_when_the_scan_fails_and_gates_last() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert {"path", "severity-threshold", "sarif-category", "baseline", "config", "args"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["if"].startswith("always()")
    assert "${GITHUB_ACTION_PATH}" in next(s["run"] for s in steps if s.get("name") == "Install iacgate")
    assert steps[-1]["name"] == "Gate" and 'exit "${CODE:-2}"' in steps[-1]["run"]
