"""What GitHub shows is what iacgate gated: every SARIF result's rule carries the `security-severity`
of the severity the finding was gated at, whether it comes from the check, a configured override,
a per-path override, or the check lowering its own severity (IG-AWS-016 for a bucket without a block)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.conftest import SHARED

VALIDATOR = SHARED / "sarif" / "validate_sarif.py"

MAIN_TF = """\
resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
}

resource "aws_s3_bucket_acl" "assets" {
  bucket = aws_s3_bucket.assets.id
  acl    = "public-read"
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket              = aws_s3_bucket.assets.id
  block_public_acls   = true
  block_public_policy = false
}

resource "aws_s3_bucket" "exports" {
  bucket = "shop-exports"
}
"""
LEGACY_TF = """\
resource "aws_s3_bucket_acl" "old_site" {
  bucket = "shop-old-site"
  acl    = "public-read"
}
"""
CONFIG = """\
severity-overrides:
  IG-AWS-001: critical
per-path:
  - paths: [legacy/]
    severity-overrides:
      IG-AWS-001: low
"""


def github_label(security_severity: str | None) -> str | None:
    """GitHub's documented bands: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low; none: no label."""
    if security_severity is None:
        return None
    score = float(security_severity)
    return "critical" if score > 9.0 else "high" if score >= 7.0 else "medium" if score >= 4.0 else "low"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "main.tf").write_text(MAIN_TF)
    (tmp_path / "legacy" / "main.tf").write_text(LEGACY_TF)
    (tmp_path / ".iacgate.yaml").write_text(CONFIG)
    return tmp_path


def scan(project: Path, fmt: str) -> str:
    args = ["scan", "--no-cache", str(project), "--root", str(project), "--check", "IG-AWS-001,IG-AWS-016"]
    return CliRunner().invoke(main, [*args, "--format", fmt]).stdout


def test_every_result_shows_on_github_with_the_severity_iacgate_gated_at(project: Path) -> None:
    gated = {
        (f["check_id"], f["location"]["file"], f["location"]["start_line"]): f["severity"]
        for f in json.loads(scan(project, "json"))["findings"]
    }
    assert sorted(set(gated.values())) == ["critical", "low", "medium"]  # every way a severity can be set
    run = json.loads(scan(project, "sarif"))["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    shown = {}
    for result in run["results"]:
        rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        check_id = rule["properties"].get("iacgate/check", rule["id"])
        key = (check_id, location["artifactLocation"]["uri"], location["region"]["startLine"])
        shown[key] = github_label(rule["properties"].get("security-severity"))
        assert result["properties"]["severity"] == gated[key]
    assert shown == gated
    assert set(rules) == {"IG-AWS-001/critical", "IG-AWS-001/low", "IG-AWS-016", "IG-AWS-016/low"}


def test_findings_at_the_checks_own_severity_keep_the_plain_rule_id_and_fingerprints_do_not_move(
    project: Path,
) -> None:
    before = json.loads(scan(project, "sarif"))["runs"][0]["results"]
    (project / ".iacgate.yaml").unlink()
    after = json.loads(scan(project, "sarif"))["runs"][0]["results"]
    assert {r["ruleId"] for r in after} == {"IG-AWS-001", "IG-AWS-016", "IG-AWS-016/low"}
    assert sorted(r["partialFingerprints"]["primaryLocationLineHash"] for r in before) == sorted(
        r["partialFingerprints"]["primaryLocationLineHash"] for r in after
    )


def test_the_severity_variants_pass_githubs_sarif_validation(project: Path, tmp_path: Path) -> None:
    if not VALIDATOR.is_file():
        pytest.skip("../shared/sarif is not present")
    path = tmp_path / "results.sarif"
    path.write_text(scan(project, "sarif"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(VALIDATOR), "--require-fingerprints", "--repo-root", str(project), str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and " 0 error(s)" in run.stdout and " 0 warning(s)" in run.stdout, run.stdout
