"""--diff-base: the whole repository is evaluated, only findings on changed lines are reported."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import exit_code, main
from scanner.filter import FilterOptions
from scanner.filter.diff import DiffError, changed_lines, parse_unified_diff, touches
from scanner.records import Finding, Location, Resource, Severity
from scanner.scan import ScanResult
from tests.conftest import FIXTURES, run_scan

PROJECT = FIXTURES / "config" / "project"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=CI", "-c", "user.email=ci@example.com", "-c", "init.defaultBranch=main"]
    return subprocess.run([*command, "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the config project under infra/, committed once."""
    root = tmp_path / "repo"
    shutil.copytree(PROJECT, root / "infra")
    (root / "README.md").write_text("# infrastructure\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial infrastructure")
    return root


def _scan(root: Path, ref: str) -> ScanResult:
    return run_scan(root, checks={"IG-AWS-001"}, filters=FilterOptions(diff_base=ref))


def _found(result: ScanResult) -> list[tuple[str, int]]:
    return [(f.location.file, f.location.start_line) for f in result.findings]


def _make_reports_public(infra: Path) -> None:
    main_tf = infra / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('acl    = "private"', 'acl    = "public-read"'))


def test_only_the_finding_on_the_changed_line_is_reported(repo: Path) -> None:
    infra = repo / "infra"
    assert _found(run_scan(infra, checks={"IG-AWS-001"})) == [("legacy/main.tf", 4), ("main.tf", 12)]
    _make_reports_public(infra)
    result = _scan(infra, "HEAD")
    assert _found(result) == [("main.tf", 21)]
    assert result.outside_diff == 2
    assert exit_code(result, Severity.LOW) == 1


def test_unchanged_repository_reports_nothing_and_passes(repo: Path) -> None:
    result = _scan(repo / "infra", "HEAD")
    assert _found(result) == [] and result.outside_diff == 2
    assert exit_code(result, Severity.LOW) == 0


def test_committed_changes_since_the_ref_count(repo: Path) -> None:
    infra = repo / "infra"
    _make_reports_public(infra)
    git(repo, "commit", "-q", "-am", "open the reports bucket")
    assert _found(_scan(infra, "HEAD")) == []
    assert _found(_scan(infra, "HEAD~1")) == [("main.tf", 21)]


def test_untracked_files_count_as_entirely_changed(repo: Path) -> None:
    infra = repo / "infra"
    (infra / "exports.tf").write_text(
        'resource "aws_s3_bucket_acl" "exports" {\n  bucket = "x"\n  acl = "public-read"\n}\n'
    )
    assert _found(_scan(infra, "HEAD")) == [("exports.tf", 3)]


def test_a_change_anywhere_in_a_resource_block_touches_resource_level_locations(repo: Path) -> None:
    infra = repo / "infra"
    main_tf = infra / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('Team = "marketing"', 'Team = "brand"'))
    changed = changed_lines(infra, "HEAD")
    assert changed == {"main.tf": {15}}
    block = _finding(Location("main.tf", 10, 17))
    attribute = _finding(Location("main.tf", 12, 12))
    assert touches(block, changed) and not touches(attribute, changed)


def test_trace_and_related_locations_on_changed_lines_keep_a_finding() -> None:
    changed = {"terraform.tfvars": {3}, "network.tf": None}
    via_trace = _finding(Location("main.tf", 12, 12), trace=[Location("terraform.tfvars", 3, 3)])
    via_related = _finding(Location("main.tf", 12, 12), related=[Location("network.tf", 1, 9)])
    untouched = _finding(Location("main.tf", 12, 12), trace=[Location("terraform.tfvars", 4, 4)])
    assert touches(via_trace, changed) and touches(via_related, changed)
    assert not touches(untouched, changed)


def test_unknown_ref_is_an_error(repo: Path) -> None:
    with pytest.raises(DiffError, match="git diff failed"):
        _scan(repo / "infra", "no-such-branch")
    out = CliRunner().invoke(
        main, ["scan", str(repo / "infra"), "--no-cache", "--check", "IG-AWS-001", "--diff-base", "no-such-branch"]
    )
    assert out.exit_code == 2
    with pytest.raises(DiffError, match="invalid git ref"):
        changed_lines(repo, "--output=/tmp/x")


def test_not_a_git_repository_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(PROJECT, tmp_path / "plain")
    with pytest.raises(DiffError):
        _scan(tmp_path / "plain", "HEAD")


def test_repository_diff_drivers_and_fsmonitor_are_never_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    git(repo, "config", "diff.external", str(hook))
    git(repo, "config", "core.fsmonitor", str(hook))
    (repo / ".gitattributes").write_text("*.tf diff=evil\n")
    git(repo, "config", "diff.evil.textconv", str(hook))
    _make_reports_public(repo / "infra")
    assert _found(_scan(repo / "infra", "HEAD")) == [("main.tf", 21)]
    assert not marker.exists()


def test_cli_reports_and_gates_only_findings_inside_the_diff(repo: Path) -> None:
    infra = repo / "infra"
    out = CliRunner().invoke(main, ["scan", str(infra), "--no-cache", "--check", "IG-AWS-001", "--diff-base", "HEAD"])
    assert out.exit_code == 0, out.output  # the two existing public buckets are outside the diff
    assert "2 outside the diff" in out.output
    _make_reports_public(infra)
    out = CliRunner().invoke(main, ["scan", str(infra), "--no-cache", "--check", "IG-AWS-001", "--diff-base", "HEAD"])
    assert out.exit_code == 1, out.output
    assert "aws_s3_bucket.reports" in out.output and "aws_s3_bucket.site" not in out.output


def test_unified_diff_parsing() -> None:
    patch = "\n".join(
        [
            "diff --git a/main.tf b/main.tf",
            "--- a/main.tf",
            "+++ b/main.tf",
            "@@ -3 +3 @@ resource",
            "@@ -10,0 +11,3 @@",
            "@@ -20,2 +23,0 @@",
            "diff --git a/old.tf b/old.tf",
            "--- a/old.tf",
            "+++ /dev/null",
            "@@ -1,4 +0,0 @@",
            '+++ "b/dir/tab\\there.tf"',
            "@@ -0,0 +1 @@",
            "+++ b/héllo wörld.tf",
            "@@ -1 +1,2 @@",
        ]
    )
    assert parse_unified_diff(patch) == {
        "main.tf": {3, 11, 12, 13, 23},
        "dir/tab\there.tf": {1},
        "héllo wörld.tf": {1, 2},
    }


def _finding(location: Location, trace: list[Location] | None = None, related: list[Location] | None = None):
    resource = Resource("terraform", "aws_s3_bucket", "aws_s3_bucket.site", {}, Location("main.tf", 10, 17))
    return Finding(
        "IG-AWS-001",
        Severity.HIGH,
        "t",
        "m",
        resource,
        location,
        trace=trace or [],
        related=related or [],
    )
