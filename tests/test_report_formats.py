"""JUnit, Markdown, JSON and console reports: what CI views and people see, and the JSON contract."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from scanner.records import ScanError, Severity
from scanner.report import ReportContext, renderer
from scanner.report.json import SCHEMA_FILE
from scanner.report.markdown import TOP
from scanner.scan import ScanResult
from tests.reporting import copy_project, enriched_scan

CONTEXT = ReportContext(today=date(2026, 11, 29))


@pytest.fixture
def result(tmp_path: Path) -> ScanResult:
    return enriched_scan(copy_project(tmp_path))


@pytest.mark.parametrize("fmt", ["console", "json", "sarif", "junit", "markdown"])
def test_every_format_is_byte_identical_across_runs(fmt: str, tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    assert renderer(fmt)(enriched_scan(root), CONTEXT) == renderer(fmt)(enriched_scan(root), CONTEXT)


# --- JUnit ---------------------------------------------------------------------------------------


def test_junit_has_a_suite_per_check_and_a_failure_per_blocking_finding(result: ScanResult) -> None:
    root = ET.fromstring(renderer("junit")(result, CONTEXT))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    suite = suites["IG-AWS-001 S3 bucket ACL grants public access"]
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    uploads = cases["aws_s3_bucket_acl.uploads (main.tf:28)"]
    failure = uploads.find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert failure.get("message", "").startswith("main.tf:28: S3 bucket ACL is 'public-read-write'")
    assert "related modules/static site/main.tf:12" in (failure.text or "")
    overdue = cases["aws_s3_bucket.website (main.tf:5)"].find("failure")
    assert overdue is not None and "past its SLA" in (overdue.text or "")
    assert "value from terraform.tfvars:2" in (overdue.text or "")
    skipped = cases["aws_s3_bucket.partner_exchange (main.tf:33)"].find("skipped")
    assert skipped is not None and "SEC-1234" in skipped.get("message", "")
    assert suite.get("tests") == "3" and suite.get("failures") == "2" and suite.get("skipped") == "1"


def test_junit_reports_unparsable_files_as_errors(result: ScanResult) -> None:
    root = ET.fromstring(renderer("junit")(result, CONTEXT))
    errors = next(s for s in root.findall("testsuite") if s.get("name") == "scan errors and warnings")
    [case] = errors.findall("testcase")
    assert case.get("name", "").startswith("broken.tf:")
    assert case.find("error") is not None and "invalid HCL" in case.find("error").get("message", "")
    assert root.get("errors") == "1"


def test_junit_findings_below_the_threshold_are_skipped_not_failed(result: ScanResult) -> None:
    for finding in result.findings:
        finding.overdue = False
        finding.baseline_state = None
    root = ET.fromstring(renderer("junit")(result, replace(CONTEXT, threshold=Severity.CRITICAL)))
    assert root.get("failures") == "0"
    messages = [s.get("message", "") for s in root.iter("skipped")]
    assert sum("below the severity threshold (critical)" in m for m in messages) == 2


def test_junit_shows_a_passing_case_for_a_check_without_findings(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES, run_scan

    passing = run_scan(FIXTURES / "checks" / "IG-AWS-001" / "pass", checks={"IG-AWS-001"})
    root = ET.fromstring(renderer("junit")(passing, CONTEXT))
    [suite] = [s for s in root.findall("testsuite") if s.get("name", "").startswith("IG-AWS-001")]
    [case] = suite.findall("testcase")
    assert case.get("name") == "no findings" and list(case) == []
    assert root.get("failures") == "0" and root.get("tests") == "1"


# --- Markdown ------------------------------------------------------------------------------------


def test_markdown_has_counts_by_severity_and_linked_top_findings(result: ScanResult) -> None:
    text = renderer("markdown")(result, CONTEXT)
    assert "| high | 2 |" in text and "| suppressed | 1 |" in text and "| overdue (past SLA) | 1 |" in text
    assert "the gate fails" in text
    assert "[main.tf:28](main.tf#L28)" in text
    assert "[IG-AWS-001](https://github.com/iacgate/iacgate/blob/main/docs/checks.md#ig-aws-001)" in text
    assert "partner_exchange" not in text  # suppressed: counted, not listed
    assert "broken.tf" in text


def test_markdown_lists_overdue_findings_first_within_a_severity(result: ScanResult) -> None:
    for finding in result.findings:
        finding.overdue = finding.resource.address == "aws_s3_bucket_acl.uploads"
        finding.baseline_state = None
    rows = [line for line in renderer("markdown")(result, CONTEXT).splitlines() if "[IG-AWS-001]" in line]
    assert len(rows) == 2
    assert rows[0].startswith("| high (overdue) |") and "main.tf:28" in rows[0] and "main.tf:5" in rows[1]


def test_markdown_links_files_under_the_source_url_when_given(result: ScanResult) -> None:
    context = replace(CONTEXT, source_url="https://github.com/acme/site/blob/abc123/infra")
    text = renderer("markdown")(result, context)
    assert "(https://github.com/acme/site/blob/abc123/infra/main.tf#L28)" in text


def test_markdown_caps_the_list_and_says_how_many_more(result: ScanResult) -> None:
    template = next(f for f in result.findings if f.resource.address == "aws_s3_bucket_acl.uploads")
    result.findings = [
        replace(template, message=f"finding {n} | with a pipe", location=replace(template.location, start_line=n + 1))
        for n in range(TOP + 7)
    ]
    text = renderer("markdown")(result, CONTEXT)
    assert "…and 7 more: `--format sarif:FILE`, `json` or `csv` lists them all." in text
    elsewhere = renderer("markdown")(result, replace(CONTEXT, full_list="`iacgate.sarif` (sarif)"))
    assert f"…and 7 more: all {TOP + 7} are in `iacgate.sarif` (sarif)." in elsewhere
    assert sum(1 for line in text.splitlines() if line.startswith("| high |")) == TOP + 1  # + the count row
    assert "finding 0 \\| with a pipe" in text


# --- JSON ----------------------------------------------------------------------------------------


def test_json_report_matches_its_published_schema(result: ScanResult) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    for context in (CONTEXT, replace(CONTEXT, show_unknown=True)):
        document = json.loads(renderer("json")(result, context))
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
        assert errors == [], [e.message for e in errors]


def test_json_schema_rejects_a_finding_missing_a_field(result: ScanResult) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    document = json.loads(renderer("json")(result, CONTEXT))
    del document["findings"][0]["fingerprint"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document))


def test_json_summary_counts_suppressed_baseline_overdue_and_blocking(result: ScanResult) -> None:
    document = json.loads(renderer("json")(result, CONTEXT))
    summary = document["summary"]
    assert (summary["failed"], summary["suppressed"], summary["baseline"], summary["overdue"]) == (2, 1, 1, 1)
    assert summary["blocking"] == 2 and summary["errors"] == 1
    assert summary["by_severity"] == {"critical": 0, "high": 2, "medium": 0, "low": 0, "info": 0}
    website = next(f for f in document["findings"] if f["resource"] == "aws_s3_bucket.website")
    assert website["trace"][1] == {
        "file": "terraform.tfvars",
        "start_line": 2,
        "end_line": 2,
        "note": "value from terraform.tfvars",
    }
    assert website["blocking"] is True and len(website["fingerprint"]) == 32


# --- Console -------------------------------------------------------------------------------------


def test_console_shows_provenance_related_resources_and_a_full_summary(result: ScanResult) -> None:
    text = renderer("console")(result, CONTEXT)
    assert "value from terraform.tfvars:2" in text
    assert "related modules/static site/main.tf:12 module.archive.aws_s3_bucket.archive" in text
    assert "OVERDUE (first seen 2026-01-05)" in text
    assert "partner_exchange" not in text
    assert "Summary: scanned 5 files, 6 resources with 1 check." in text
    assert "2 findings (2 high): 2 blocking at low or above, 1 suppressed, 1 overdue." in text
    assert f"3 check results passed, {len(result.unknowns)} unknown." in text
    assert "1 scan error, 0 warnings." in text
    assert "Open findings by age: 0 < 7 days, 0 7-30 days, 0 30-90 days, 1 > 90 days" in text
    assert "broken.tf:" in text


def test_console_counts_baselined_findings_within_their_sla_without_listing_them(result: ScanResult) -> None:
    website = next(f for f in result.findings if f.resource.address == "aws_s3_bucket.website")
    website.overdue = False
    text = renderer("console")(result, CONTEXT)
    assert "aws_s3_bucket.website" not in text
    assert "1 finding (1 high): 1 blocking at low or above, 1 suppressed, 1 in baseline." in text


def test_console_counts_warnings_apart_from_scan_errors(result: ScanResult) -> None:
    result.errors.append(ScanError("main.tf", 3, "suppression of IG-AWS-001 has no reason", "warning"))
    text = renderer("console")(result, CONTEXT)
    assert "Scan errors and warnings" in text and "main.tf:3: suppression of IG-AWS-001 has no reason" in text
    assert "1 scan error, 1 warning." in text
