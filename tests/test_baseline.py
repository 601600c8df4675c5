"""Baselines: create, use, update; SLA-overdue findings fail the gate again."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import exit_code, main
from scanner.filter import FilterOptions
from scanner.filter.baseline import BaselineError
from scanner.records import Severity
from scanner.scan import ScanResult
from tests.conftest import FIXTURES, run_scan

PROJECT = FIXTURES / "config" / "project"
NEW_BUCKET = '\nresource "aws_s3_bucket" "exports" {\n  bucket = "acme-data-exports"\n  acl    = "public-read"\n}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


def _scan(root: Path, baseline: Path, mode: str, today: date, sla: dict[Severity, int] | None = None) -> ScanResult:
    options = FilterOptions(baseline=baseline, baseline_mode=mode, sla=sla or {}, today=lambda: today)
    return run_scan(root, checks={"IG-AWS-001"}, filters=options)


def _states(result: ScanResult) -> dict[str, tuple[str | None, str | None, bool]]:
    return {f.resource.address: (f.baseline_state, f.first_seen, f.overdue) for f in result.findings}


def test_create_baseline_records_current_findings_deterministically(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    result = _scan(project, baseline, "create", date(2025, 1, 10))
    document = json.loads(baseline.read_text())
    assert document["version"] == 1
    rows = {(e["check_id"], e["file"], e["resource"], e["attribute"], e["first_seen"]) for e in document["findings"]}
    assert rows == {
        ("IG-AWS-001", "legacy/main.tf", "aws_s3_bucket_acl.shared_drop", "acl", "2025-01-10"),
        ("IG-AWS-001", "main.tf", "aws_s3_bucket.site", "acl", "2025-01-10"),
    }
    fingerprints = [e["fingerprint"] for e in document["findings"]]
    assert fingerprints == sorted(fingerprints) and all(len(fp) == 32 for fp in fingerprints)
    first = baseline.read_bytes()
    _scan(project, baseline, "create", date(2025, 1, 10))
    assert baseline.read_bytes() == first
    assert exit_code(result, Severity.LOW) == 0  # everything just accepted


def test_create_baseline_leaves_out_suppressed_findings(project: Path, tmp_path: Path) -> None:
    main_tf = project / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace(
            'acl    = "public-read"', 'acl    = "public-read" # iacgate:ignore IG-AWS-001 public site'
        )
    )
    baseline = tmp_path / "baseline.json"
    _scan(project, baseline, "create", date(2025, 1, 10))
    assert [e["file"] for e in json.loads(baseline.read_text())["findings"]] == ["legacy/main.tf"]


def test_baseline_reports_only_new_findings_as_blocking(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    _scan(project, baseline, "create", date(2025, 1, 10))
    (project / "main.tf").write_text(
        "# moved down by this comment\n\n" + (project / "main.tf").read_text() + NEW_BUCKET
    )
    result = _scan(project, baseline, "use", date(2025, 1, 12))
    assert _states(result) == {
        "aws_s3_bucket_acl.shared_drop": ("unchanged", "2025-01-10", False),
        "aws_s3_bucket.site": ("unchanged", "2025-01-10", False),  # lines moved: still the same finding
        "aws_s3_bucket.exports": ("new", None, False),
    }
    assert exit_code(result, Severity.LOW) == 1
    result.findings = [f for f in result.findings if f.baseline_state == "unchanged"]
    assert exit_code(result, Severity.LOW) == 0


def test_baselined_finding_past_its_sla_fails_the_gate_again(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    _scan(project, baseline, "create", date(2025, 1, 10))
    sla = {Severity.HIGH: 7}
    on_time = _scan(project, baseline, "use", date(2025, 1, 17), sla)  # first_seen + 7d == today: still in SLA
    assert not any(f.overdue for f in on_time.findings)
    assert exit_code(on_time, Severity.LOW) == 0
    late = _scan(project, baseline, "use", date(2025, 1, 18), sla)
    assert all(f.overdue and f.baseline_state == "unchanged" for f in late.findings)
    assert exit_code(late, Severity.LOW) == 1
    assert exit_code(late, Severity.CRITICAL) == 0  # overdue findings still respect the threshold


def test_sla_only_applies_to_the_severities_it_names(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    _scan(project, baseline, "create", date(2025, 1, 10))
    result = _scan(project, baseline, "use", date(2026, 1, 10), {Severity.CRITICAL: 1})
    assert not any(f.overdue for f in result.findings)


def test_update_baseline_drops_fixed_keeps_dates_and_adds_new(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    _scan(project, baseline, "create", date(2025, 1, 10))
    legacy = project / "legacy" / "main.tf"
    legacy.write_text(legacy.read_text().replace("public-read-write", "private"))
    (project / "main.tf").write_text((project / "main.tf").read_text() + NEW_BUCKET)
    result = _scan(project, baseline, "update", date(2025, 2, 1))
    entries = {e["resource"]: e["first_seen"] for e in json.loads(baseline.read_text())["findings"]}
    assert entries == {"aws_s3_bucket.site": "2025-01-10", "aws_s3_bucket.exports": "2025-02-01"}
    assert exit_code(result, Severity.LOW) == 0


def test_update_baseline_keeps_overdue_findings_failing(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    _scan(project, baseline, "create", date(2025, 1, 10))
    result = _scan(project, baseline, "update", date(2025, 3, 1), {Severity.HIGH: 30})
    assert all(f.overdue for f in result.findings) and exit_code(result, Severity.LOW) == 1


def test_update_baseline_creates_a_missing_file(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "ci" / "baseline.json"
    _scan(project, baseline, "update", date(2025, 1, 10))
    assert len(json.loads(baseline.read_text())["findings"]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"version": 1}', "is not an iacgate baseline"),
        ('{"version": 7, "findings": []}', "has version 7"),
        ('{"version": 1, "findings": [{"fingerprint": "x"}]}', "entry 0 is malformed"),
    ],
)
def test_unusable_baseline_file_is_an_error(project: Path, tmp_path: Path, content: str, message: str) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content)
    with pytest.raises(BaselineError, match=message):
        _scan(project, baseline, "use", date(2025, 1, 10))


def _json_states(output: str) -> dict[str, tuple[str | None, bool]]:
    return {f["resource"]: (f["baseline_state"], f["overdue"]) for f in json.loads(output)["findings"]}


def test_cli_baseline_workflow_and_exit_codes(project: Path, tmp_path: Path) -> None:
    baseline = str(tmp_path / "baseline.json")
    runner = CliRunner()
    scan = ["scan", str(project), "--no-cache", "--check", "IG-AWS-001", "--format", "json"]
    created = runner.invoke(main, [*scan, "--create-baseline", baseline])
    assert created.exit_code == 0, created.output
    assert set(_json_states(created.output).values()) == {("unchanged", False)}
    (project / "main.tf").write_text((project / "main.tf").read_text() + NEW_BUCKET)
    used = runner.invoke(main, [*scan, "--baseline", baseline])
    assert used.exit_code == 1
    assert _json_states(used.output) == {
        "aws_s3_bucket_acl.shared_drop": ("unchanged", False),
        "aws_s3_bucket.site": ("unchanged", False),
        "aws_s3_bucket.exports": ("new", False),
    }
    console = runner.invoke(main, ["scan", str(project), "--no-cache", "--check", "IG-AWS-001", "--baseline", baseline])
    assert "aws_s3_bucket.exports" in console.output
    both = runner.invoke(main, ["scan", str(project), "--baseline", baseline, "--update-baseline", baseline])
    assert both.exit_code == 2 and "only one of" in both.output
    missing = runner.invoke(
        main, ["scan", str(project), "--no-cache", "--check", "IG-AWS-001", "--baseline", str(tmp_path / "nope.json")]
    )
    assert missing.exit_code == 2 and "cannot read baseline" in missing.output


def test_cli_overdue_findings_from_the_configured_baseline_and_sla_fail(project: Path, tmp_path: Path) -> None:
    baseline = project / ".iacgate-baseline.json"  # a repository's configuration names paths inside it
    _scan(project, baseline, "create", date(2020, 1, 1))
    (project / ".iacgate.yaml").write_text("baseline: .iacgate-baseline.json\nsla:\n  high: 7d\n")
    out = CliRunner().invoke(main, ["scan", str(project), "--no-cache", "--check", "IG-AWS-001", "--format", "json"])
    assert out.exit_code == 1, out.output
    assert set(_json_states(out.output).values()) == {("unchanged", True)}
    assert {f["first_seen"] for f in json.loads(out.output)["findings"]} == {"2020-01-01"}
