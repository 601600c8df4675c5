"""Annotations beyond GitHub code scanning: GitHub workflow commands, GitLab's SAST report, and CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import jsonschema
import pytest
import yaml

from scanner.records import Severity
from scanner.report import ReportContext, renderer
from scanner.report.github import PER_LEVEL, escape_data, escape_property
from scanner.scan import ScanResult
from tests.conftest import run_scan
from tests.reporting import copy_project, enriched_scan

REPO = Path(__file__).resolve().parent.parent
GITLAB_SCHEMA = Path(__file__).parent / "schemas" / "gitlab" / "sast-report-format.json"
CONTEXT = ReportContext(
    today=date(2026, 11, 29),
    started=datetime(2026, 11, 29, 10, 15, 0, tzinfo=timezone.utc),
    finished=datetime(2026, 11, 29, 10, 15, 42, tzinfo=timezone.utc),
)


@pytest.fixture
def result(tmp_path: Path) -> ScanResult:
    return enriched_scan(copy_project(tmp_path))


def public_buckets(root: Path, count: int, name: str = "main.tf") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(
        "".join(
            f'resource "aws_s3_bucket" "site_{n}" {{\n  bucket = "shop-site-{n}"\n  acl    = "public-read"\n}}\n\n'
            for n in range(count)
        )
    )
    return root


@pytest.mark.parametrize("fmt", ["github", "gitlab-sast", "csv"])
def test_new_formats_are_byte_identical_across_runs(fmt: str, tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    assert renderer(fmt)(enriched_scan(root), CONTEXT) == renderer(fmt)(enriched_scan(root), CONTEXT)


# --- github: workflow commands -------------------------------------------------------------------


def test_github_escapes_percent_newlines_colons_and_commas_as_github_documents() -> None:
    assert escape_data("100% open\r\nnext: a, b") == "100%25 open%0D%0Anext: a, b"
    assert escape_property("infra/a:b,c%\n.tf") == "infra/a%3Ab%2Cc%25%0A.tf"


def test_github_annotation_of_a_hostile_file_name_stays_one_command(tmp_path: Path) -> None:
    root = public_buckets(tmp_path / "repo", 1, name="odd,name:%.tf")
    text = renderer("github")(run_scan(root, checks={"IG-AWS-001"}), ReportContext())
    (line,) = text.splitlines()
    assert line.startswith("::error file=odd%2Cname%3A%25.tf,line=3,endLine=3,title=IG-AWS-001 (high) ")
    message = line.split("::", 2)[2]
    assert message.startswith("aws_s3_bucket.site_0: ") and "%0AFix: " in message
    assert "%0ADocs: https://github.com/iacgate/iacgate/blob/main/docs/checks.md#ig-aws-001" in message


def test_github_levels_follow_the_gate_and_leave_out_suppressed_and_baselined(result: ScanResult) -> None:
    at_high = Counter(line.split(" ", 1)[0] for line in renderer("github")(result, CONTEXT).splitlines())
    blocking = [f for f in result.findings if f.is_blocking(Severity.LOW)]
    assert at_high == {"::error": len(blocking) + 1}  # and the file that could not be parsed
    text = renderer("github")(result, replace(CONTEXT, threshold=Severity.CRITICAL))
    levels = Counter(line.split(" ", 1)[0] for line in text.splitlines())
    assert levels == {"::error": 1, "::warning": len(blocking)}  # high findings below a critical threshold
    assert "file=broken.tf" in text and "title=iacgate could not scan this file" in text
    assert "aws_s3_bucket.partner_exchange" not in text  # suppressed


def test_github_caps_annotations_per_level_as_github_does_and_says_so(tmp_path: Path) -> None:
    root = public_buckets(tmp_path / "repo", 14)
    text = renderer("github")(run_scan(root, checks={"IG-AWS-001"}), ReportContext())
    lines = text.splitlines()
    assert sum(1 for line in lines if line.startswith("::error ")) == PER_LEVEL
    assert lines[-1].startswith("::notice title=iacgate%3A more findings::4 more iacgate annotations not shown")
    assert len(lines) == PER_LEVEL + 1


def test_github_without_findings_prints_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text('resource "aws_s3_bucket" "private" {\n  bucket = "shop-private"\n}\n')
    assert renderer("github")(run_scan(root, checks={"IG-AWS-001"}), ReportContext()) == ""


def test_the_action_annotates_through_workflow_commands_when_sarif_upload_is_off(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "iacgate"
    if not executable.is_file() or shutil.which("bash") is None:
        pytest.skip("needs the installed iacgate command and bash")
    repository = tmp_path / "shop"
    (repository / ".git").mkdir(parents=True)
    public_buckets(repository / "infra", 30)  # more than the job summary lists
    action = yaml.safe_load((REPO / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    env = {
        "PATH": f"{executable.parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "IACGATE_PATH": "infra",
        "IACGATE_ROOT": str(repository),
        "IACGATE_CATEGORY": "iacgate",
        "IACGATE_ARGS": "--check IG-AWS-001 --no-cache",
        "IACGATE_ARTIFACT": action["inputs"]["report-artifact"]["default"],
    }
    for upload, annotated in (("false", True), ("true", False)):
        run = subprocess.run(
            ["bash", "-c", step["run"]],
            cwd=repository,
            env={**env, "IACGATE_UPLOAD": upload},
            check=True,
            capture_output=True,
            text=True,
        )
        assert ("::error file=infra/main.tf,line=3," in run.stdout) is annotated, run.stdout
        assert (tmp_path / "iacgate.sarif").is_file()
        summary = (tmp_path / "summary.md").read_text()
        assert "…and 5 more: all 30 are in the `iacgate-report` artifact of this workflow run (SARIF)." in summary
        (tmp_path / "iacgate.annotations").unlink(missing_ok=True)


# --- gitlab-sast -------------------------------------------------------------------------------


def test_gitlab_sast_report_validates_against_gitlabs_schema(result: ScanResult) -> None:
    report = json.loads(renderer("gitlab-sast")(result, CONTEXT))
    schema = json.loads(GITLAB_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(report)
    assert report["version"] == schema["self"]["version"]
    assert report["scan"]["start_time"] == "2026-11-29T10:15:00" and report["scan"]["end_time"] == "2026-11-29T10:15:42"


def test_gitlab_sast_schema_rejects_a_vulnerability_without_identifiers(result: ScanResult) -> None:
    report = json.loads(renderer("gitlab-sast")(result, CONTEXT))
    del report["vulnerabilities"][0]["identifiers"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, json.loads(GITLAB_SCHEMA.read_text()))


def test_gitlab_sast_ids_are_the_sarif_fingerprints(result: ScanResult) -> None:
    sarif = json.loads(renderer("sarif")(result, CONTEXT))
    fingerprints = {
        r["partialFingerprints"]["iacgate/v1"] for r in sarif["runs"][0]["results"] if "suppressions" not in r
    }
    report = json.loads(renderer("gitlab-sast")(result, CONTEXT))
    ids = {v["id"] for v in report["vulnerabilities"]}
    assert ids == {str(uuid.UUID(hex=fp)) for fp in fingerprints}
    assert {v["details"]["fingerprint"]["value"] for v in report["vulnerabilities"]} == fingerprints


def test_gitlab_sast_vulnerability_has_check_cwe_solution_and_location(result: ScanResult) -> None:
    report = json.loads(renderer("gitlab-sast")(result, CONTEXT))
    website = next(
        v
        for v in report["vulnerabilities"]
        if v["identifiers"][0]["value"] == "IG-AWS-001" and v["location"]["start_line"] == 5
    )
    assert website["severity"] == "High" and website["name"] == "S3 bucket ACL grants public access"
    assert website["location"] == {"file": "main.tf", "start_line": 5, "end_line": 5}
    assert [i["type"] for i in website["identifiers"]] == ["iacgate_check_id", "cwe"]
    assert website["solution"].startswith('Use `acl = "private"`')
    assert "Value from `terraform.tfvars:2`" in website["description"]
    assert not any("partner_exchange" in v["description"] for v in report["vulnerabilities"])  # suppressed
    assert any(m["level"] == "warn" and m["value"].startswith("broken.tf") for m in report["scan"]["messages"])
    assert "IG-AWS-001" in {i["value"] for i in report["scan"]["primary_identifiers"]}


# --- csv -----------------------------------------------------------------------------------------


def test_csv_has_a_row_per_finding_with_its_gate_status(result: ScanResult) -> None:
    rows = list(csv.DictReader(io.StringIO(renderer("csv")(result, CONTEXT))))
    assert len([r for r in rows if r["check_id"]]) == len(result.findings)
    (broken,) = [r for r in rows if not r["check_id"]]
    assert (broken["file"], broken["status"]) == ("broken.tf", "scan error") and broken["message"]
    partner = next(
        r for r in rows if r["resource"] == "aws_s3_bucket.partner_exchange" and r["check_id"] == "IG-AWS-001"
    )
    assert partner["status"] == "suppressed (inSource)"
    assert partner["justification"] == "Partner bucket; reviewed by security (SEC-1234)"
    website = next(r for r in rows if r["resource"] == "aws_s3_bucket.website" and r["check_id"] == "IG-AWS-001")
    assert (website["status"], website["overdue"], website["first_seen"]) == ("blocking", "yes", "2026-01-05")
    assert website["docs"].endswith("#ig-aws-001") and website["remediation"]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text(
        'resource "aws_s3_bucket" "site" {\n  bucket = "shop-site"\n  acl    = "public-read"\n}\n'
    )
    (root / "=HYPERLINK(1).tf").write_text(
        'resource "aws_s3_bucket" "more" {\n  bucket = "shop-more"\n  acl    = "public-read"\n}\n'
    )
    rows = list(csv.DictReader(io.StringIO(renderer("csv")(run_scan(root, checks={"IG-AWS-001"}), ReportContext()))))
    assert {r["file"] for r in rows} == {"'=HYPERLINK(1).tf", "main.tf"}
