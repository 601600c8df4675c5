"""Reported paths are relative to the repository, so what GitHub shows lands where iacgate gated:
the Action's `path: infra` layout, `plan --source`, symlinked sources, and the configuration at the
repository root applying to a scan of a subdirectory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from scanner.cli import main
from scanner.workspace import default_root, git_top_level
from tests.conftest import FIXTURES

PUBLIC_BUCKET = """\
resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}

resource "aws_s3_bucket_acl" "assets" {
  bucket = aws_s3_bucket.assets.id
  acl    = "public-read"
}
"""
PLANS = FIXTURES / "plans" / "constructed-s3-acl-gating"
REPO = Path(__file__).resolve().parent.parent


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [*map(str, args)])


def sarif_uris(run: Result) -> set[str]:
    log = json.loads(run.stdout)
    return {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in log["runs"][0]["results"]
    }


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Action's layout: a git checkout whose Terraform lives in infra/."""
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        monkeypatch.delenv(variable, raising=False)
    repo = tmp_path / "shop"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()
    (repo / "infra" / "main.tf").write_text(PUBLIC_BUCKET)
    (repo / "README.md").write_text("# shop\n")
    return repo


def test_sarif_paths_of_a_subdirectory_scan_are_relative_to_the_repository(repository: Path) -> None:
    run = iacgate("scan", "--no-cache", repository / "infra", "--check", "IG-AWS-001", "--format", "sarif")
    assert run.exit_code == 1
    assert sarif_uris(run) == {"infra/main.tf"}


def test_a_git_worktree_file_marks_the_repository_too(repository: Path) -> None:
    (repository / ".git").rmdir()
    (repository / ".git").write_text("gitdir: /elsewhere/.git/worktrees/shop\n")
    assert git_top_level((repository / "infra").resolve()) == repository.resolve()


def test_outside_a_repository_the_ci_workspace_is_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if git_top_level(tmp_path.resolve()) is not None:
        pytest.skip("the temporary directory is inside a git work tree")
    (tmp_path / "infra").mkdir()
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    assert default_root([tmp_path / "infra"]) == tmp_path.resolve()
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "elsewhere"))  # does not hold the path: not used
    assert default_root([tmp_path / "infra"]) == (tmp_path / "infra").resolve()


def test_a_root_that_does_not_contain_the_scanned_paths_is_a_usage_error(repository: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = iacgate("scan", "--no-cache", repository / "infra", "--root", elsewhere)
    assert run.exit_code == 2
    assert f"--root {elsewhere} does not contain {repository / 'infra'}" in run.output


def test_the_repository_config_applies_to_a_subdirectory_scan(repository: Path) -> None:
    (repository / ".iacgate.yaml").write_text("severity-overrides:\n  IG-AWS-001: low\nseverity-threshold: medium\n")
    run = iacgate("scan", "--no-cache", repository / "infra", "--check", "IG-AWS-001", "--format", "json")
    assert run.exit_code == 0
    assert [f["severity"] for f in json.loads(run.stdout)["findings"]] == ["low"]


def test_the_nearest_config_wins_and_its_patterns_are_relative_to_its_directory(repository: Path) -> None:
    (repository / ".iacgate.yaml").write_text("severity-threshold: critical\n")
    (repository / "infra" / "legacy").mkdir()
    (repository / "infra" / "legacy" / "main.tf").write_text(PUBLIC_BUCKET)
    (repository / "infra" / ".iacgate.yaml").write_text("exclude-paths: [/legacy/]\n")
    run = iacgate("scan", "--no-cache", repository / "infra", "--check", "IG-AWS-001", "--format", "json")
    report = json.loads(run.stdout)
    assert [f["location"]["file"] for f in report["findings"]] == ["infra/main.tf"]
    assert run.exit_code == 1  # the threshold of the file at the top does not apply: infra's file is nearer


def test_a_config_above_the_repository_is_not_read(repository: Path) -> None:
    (repository.parent / ".iacgate.yaml").write_text("skip-checks: [IG-AWS-001]\n")
    run = iacgate("scan", "--no-cache", repository / "infra", "--check", "IG-AWS-001,IG-AWS-002", "--format", "json")
    assert len(json.loads(run.stdout)["findings"]) == 1


def test_the_action_with_path_infra_writes_repository_relative_sarif(repository: Path, tmp_path: Path) -> None:
    """Runs the Action's scan step as the runner would, in the checkout, with `path: infra`."""
    executable = Path(sys.executable).parent / "iacgate"
    if not executable.is_file() or shutil.which("bash") is None:
        pytest.skip("needs the installed iacgate command and bash")
    action = yaml.safe_load((REPO / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    assert action["inputs"]["root"]["default"] == "${{ github.workspace }}"
    outputs, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        "PATH": f"{executable.parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "IACGATE_PATH": "infra",
        "IACGATE_ROOT": str(repository),
        "IACGATE_CATEGORY": "iacgate",
        "IACGATE_ARGS": "--check IG-AWS-001 --no-cache",
    }
    subprocess.run(["bash", "-c", step["run"]], cwd=repository, env=env, check=True)
    assert "exit-code=1" in outputs.read_text()
    sarif = json.loads((tmp_path / "iacgate.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"infra/main.tf"}
    assert "[infra/main.tf:7]" in summary.read_text()


def test_plan_findings_point_at_repository_relative_source_lines(repository: Path) -> None:
    shutil.copy(PLANS / "src" / "main.tf", repository / "infra" / "main.tf")
    plan = repository.parent / "tfplan.json"  # written outside the checkout, as in $RUNNER_TEMP
    shutil.copy(PLANS / "tfplan.json", plan)
    run = iacgate("plan", plan, "--source", repository / "infra", "--check", "IG-AWS-001", "--format", "sarif")
    assert run.exit_code == 1
    assert sarif_uris(run) == {"infra/main.tf"}


def test_plan_through_a_symlinked_source_maps_to_source_lines(repository: Path, tmp_path: Path) -> None:
    shutil.copy(PLANS / "src" / "main.tf", repository / "infra" / "main.tf")
    link = tmp_path / "infra-link"
    os.symlink(repository / "infra", link, target_is_directory=True)
    run = iacgate(
        "plan", PLANS / "tfplan.json", "--source", link, "--check", "IG-AWS-001", "--format", "json", "--root", link
    )
    report = json.loads(run.stdout)
    assert {f["location"]["file"] for f in report["findings"]} == {"main.tf"}
    assert all(f["location"]["start_line"] > 1 for f in report["findings"])


def test_a_source_that_maps_no_resource_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "main.tf").write_text(PUBLIC_BUCKET.replace("assets", "unrelated"))
    shutil.copy(PLANS / "tfplan.json", tmp_path / "tfplan.json")
    run = iacgate("plan", tmp_path / "tfplan.json", "--source", tmp_path / "other", "--format", "json")
    warnings = [e for e in json.loads(run.stdout)["errors"] if e["level"] == "warning"]
    assert any("maps no resource of the plan" in e["message"] for e in warnings)


def test_a_local_module_outside_the_scanned_directory_says_so(repository: Path) -> None:
    (repository / "infra" / "main.tf").write_text('module "assets" {\n  source = "../modules/bucket"\n}\n')
    (repository / "modules" / "bucket").mkdir(parents=True)
    (repository / "modules" / "bucket" / "main.tf").write_text(PUBLIC_BUCKET)
    run = iacgate("scan", "--no-cache", repository / "infra", "--format", "json")
    (error,) = json.loads(run.stdout)["errors"]
    assert (error["file"], error["line"], error["level"]) == ("infra/main.tf", 1, "error")
    assert error["message"] == (
        "module assets not scanned: ../modules/bucket is outside the scanned paths (scan a folder holding both)"
    )
    run = iacgate("scan", "--no-cache", repository / "infra", repository / "modules", "--format", "json")
    assert json.loads(run.stdout)["errors"] == []
