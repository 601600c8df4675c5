"""The command-line contract: options, JSON output and exit status (0, 1, 2, and +4 when incomplete)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scanner import __version__
from scanner.cli import main
from tests.conftest import FIXTURES

FAILING = FIXTURES / "checks" / "IG-AWS-001" / "fail"  # IG-AWS-001 (high) on main.tf lines 3 and 12
PASSING = FIXTURES / "checks" / "IG-AWS-001" / "pass"
BAD = FIXTURES / "bad-input"


def iacgate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def scan_json(*args: str | Path) -> tuple[int, dict]:
    result = iacgate("scan", "--format", "json", "--no-cache", *args)
    return result.exit_code, json.loads(result.stdout)


def found(report: dict) -> set[tuple[str, str, int]]:
    return {(f["check_id"], f["location"]["file"], f["location"]["start_line"]) for f in report["findings"]}


def test_exit_0_when_nothing_fails() -> None:
    code, report = scan_json(PASSING, "--check", "IG-AWS-001")
    assert code == 0
    assert report["findings"] == [] and report["errors"] == []


def test_exit_1_when_a_finding_is_at_or_above_the_threshold() -> None:
    code, report = scan_json(FAILING, "--check", "IG-AWS-001", "--root", FAILING)
    assert code == 1
    assert found(report) == {("IG-AWS-001", "main.tf", 3), ("IG-AWS-001", "main.tf", 12)}


def test_findings_below_the_severity_threshold_are_reported_but_do_not_fail() -> None:
    code, report = scan_json(FAILING, "--check", "IG-AWS-001", "--severity-threshold", "critical")
    assert code == 0
    assert len(report["findings"]) == 2
    assert report["summary"]["blocking"] == 0


def test_skip_check_removes_its_findings() -> None:
    code, report = scan_json(FAILING, "--skip-check", "IG-AWS-001")
    assert "IG-AWS-001" not in {f["check_id"] for f in report["findings"]}
    assert code in (0, 1)  # other checks may fail on this file; the skipped one must not


def test_framework_option_limits_the_files_scanned() -> None:
    code, report = scan_json(FAILING, "--framework", "kubernetes,dockerfile")
    assert (code, report["summary"]["files"], report["findings"]) == (0, 0, [])


def test_exit_4_when_a_file_cannot_be_parsed_and_nothing_fails() -> None:
    code, report = scan_json(BAD / "malformed", "--check", "IG-AWS-001", "--root", BAD / "malformed")
    assert code == 4
    assert [(e["file"], e["line"], e["level"]) for e in report["errors"]] == [("main.tf", 17, "error")]


def test_exit_5_with_findings_and_unparsable_files_and_errors_listed_in_json() -> None:
    code, report = scan_json(BAD, "--check", "IG-AWS-001", "--root", BAD)
    assert code == 5
    assert ("IG-AWS-001", "storage.tf", 4) in found(report)
    by_file = {e["file"]: e for e in report["errors"]}
    assert set(by_file) == {"malformed/main.tf", "binary/main.tf", "bomb/laughs.yaml", "encoding/variables.tf"}
    assert by_file["encoding/variables.tf"]["line"] == 6
    assert all(e["message"] for e in report["errors"])
    assert report["summary"]["errors"] == 4


@pytest.mark.parametrize(
    "args",
    [
        ("scan", FAILING, "--check", "IG-NOPE-999"),
        ("scan", FAILING, "--skip-check", "IG-NOPE-999"),
        ("scan", FAILING, "--framework", "cloudformation"),
        ("scan", FAILING, "--severity-threshold", "urgent"),
        ("scan", FAILING, "--format", "yaml"),
        ("scan", FIXTURES / "does-not-exist"),
        ("scan",),
    ],
    ids=[
        "unknown-check",
        "unknown-skip",
        "unknown-framework",
        "bad-threshold",
        "bad-format",
        "missing-path",
        "no-path",
    ],
)
def test_exit_2_on_usage_errors_without_scanning(args: tuple) -> None:
    result = iacgate(*args)
    assert result.exit_code == 2
    assert "findings" not in result.stdout


def test_checks_json_lists_every_check_with_its_metadata() -> None:
    result = iacgate("checks", "--format", "json")
    assert result.exit_code == 0
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    row = rows["IG-AWS-001"]
    assert row["severity"] == "high" and row["framework"] == "terraform" and row["cwe"] == "CWE-732"
    assert "aws_s3_bucket_acl" in row["resource_types"]
    assert {"id", "title", "severity", "framework", "resource_types", "cwe", "tags"} <= set(row)
    assert list(rows) == sorted(rows)


def test_version_option_prints_the_package_version() -> None:
    result = iacgate("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_output_option_writes_the_report_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = iacgate("scan", FAILING, "--check", "IG-AWS-001", "--format", "json", "--no-cache", "--output", out)
    assert result.exit_code == 1
    assert len(json.loads(out.read_text())["findings"]) == 2


def test_console_script_runs_end_to_end_in_a_real_process_with_cache(tmp_path: Path) -> None:
    """The installed entry point, a real exit status, and a second (cached) run with the same bytes."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "scanner.cli", "scan", str(BAD), "--check", "IG-AWS-001", "--format", "json"]
    first = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    second = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    assert first.returncode == second.returncode == 5, first.stderr
    assert first.stdout == second.stdout
    assert any((tmp_path / "cache").rglob("*")), "the parse cache was not written"
