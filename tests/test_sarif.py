"""SARIF output: valid for the OASIS schema and GitHub code scanning, stable, and complete."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import sarif_om as om

from scanner.records import Location, Severity
from scanner.registry import CHECKS, Check
from scanner.report import ReportContext
from scanner.report.sarif import _rule, render, rule_name, to_json
from tests.conftest import FIXTURES, SHARED, run_scan
from tests.reporting import copy_project, enriched_scan

VALIDATOR = SHARED / "sarif" / "validate_sarif.py"
SCHEMA = SHARED / "sarif" / "sarif-schema-2.1.0.json"
CONTEXT = ReportContext(sarif_category="iacgate/terraform")


def _validate(sarif: str, repo_root: Path, tmp_path: Path, warnings: bool = False, many: bool = False) -> None:
    """GitHub's rules (validate_sarif.py --require-fingerprints) and the OASIS schema: zero errors
    (and zero warnings unless the test builds odd locations on purpose; `many`: a run of more results
    than GitHub displays, whose one warning says so)."""
    if not VALIDATOR.is_file():
        pytest.skip("../shared/sarif is not present")
    path = tmp_path / "results.sarif"
    path.write_text(sarif, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(VALIDATOR), "--require-fingerprints", "--repo-root", str(repo_root), str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 error(s)" in run.stdout
    other_warnings = [w for w in run.stdout.splitlines() if "WARNING" in w and not (many and "[limit]" in w)]
    assert warnings or not other_warnings, run.stdout
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.loads(sarif)))
    assert errors == [], [e.message for e in errors]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


@pytest.fixture
def log(project: Path) -> dict:
    return json.loads(render(enriched_scan(project), CONTEXT))


def test_sarif_of_the_fixtures_passes_github_validation(tmp_path: Path) -> None:
    result = run_scan(FIXTURES)
    assert result.findings
    _validate(render(result, CONTEXT), FIXTURES, tmp_path, many=True)  # every fixture: over 5,000 results


@pytest.mark.corpus
def test_sarif_of_a_corpus_repository_passes_github_validation(shared: Path, tmp_path: Path) -> None:
    repo = shared / "corpus" / "bridgecrewio+terragoat"
    result = run_scan(repo)
    assert result.resources
    _validate(render(result, CONTEXT), repo, tmp_path)


def test_sarif_with_related_locations_provenance_suppressions_and_errors_passes_validation(
    project: Path, tmp_path: Path
) -> None:
    _validate(render(enriched_scan(project), CONTEXT), project, tmp_path)


def test_sarif_is_byte_identical_across_runs_and_has_no_absolute_paths(project: Path, tmp_path: Path) -> None:
    first = render(enriched_scan(project), CONTEXT)
    assert render(enriched_scan(project), CONTEXT) == first
    assert str(tmp_path) not in first and "file://" not in first


def test_run_has_tool_category_srcroot_and_an_invocation_reporting_the_parse_error(log: dict) -> None:
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    driver = run["tool"]["driver"]
    assert driver["name"] == "iacgate" and driver["semanticVersion"] and driver["informationUri"]
    assert run["automationDetails"] == {"id": "iacgate/terraform/"}
    assert set(run["originalUriBaseIds"]) == {"%SRCROOT%"} and "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.tf"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_empty_scan_still_writes_a_results_array(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing to scan\n")
    run = json.loads(render(run_scan(tmp_path), ReportContext()))["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert "automationDetails" not in run


def test_one_rule_per_check_with_results_and_consistent_rule_index(log: dict) -> None:
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == sorted(set(ids)) == ["IG-AWS-001"]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]


def test_rule_descriptor_has_help_docs_link_tags_and_security_severity(log: dict) -> None:
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    check = CHECKS["IG-AWS-001"]
    assert rule["name"] == "S3BucketACLGrantsPublicAccess"
    assert rule["shortDescription"]["text"] == check.title
    assert rule["fullDescription"]["text"] == check.description
    assert rule["helpUri"].endswith("/docs/checks.md#ig-aws-001")
    assert check.remediation in rule["help"]["text"] and check.example in rule["help"]["text"]
    assert f"```hcl\n{check.example}\n```" in rule["help"]["markdown"]
    assert rule["defaultConfiguration"]["level"] == "error"
    props = rule["properties"]
    assert props["security-severity"] == "8.0" and props["precision"] == "high"
    assert props["tags"] == ["terraform", "security", "external/cwe/cwe-732"]


def _check(severity: str, tags: tuple[str, ...] = (), description: str = "Why.") -> Check:
    return Check(
        id="IG-X-999",
        title="Something risky",
        severity=Severity(severity),
        framework="kubernetes",
        resource_types=("Pod",),
        cwe="CWE-250",
        description=description,
        remediation="Fix it.",
        fn=lambda r: None,
        tags=tags,
    )


@pytest.mark.parametrize(
    ("severity", "level", "security_severity"),
    [
        ("critical", "error", "9.5"),
        ("high", "error", "8.0"),
        ("medium", "warning", "5.5"),
        ("low", "note", "3.0"),
        ("info", "note", None),
    ],
)
def test_rule_level_and_security_severity_follow_the_check_severity(
    severity: str, level: str, security_severity: str | None
) -> None:
    rule = to_json(_rule(_check(severity), ReportContext()))
    assert rule["defaultConfiguration"]["level"] == level
    assert rule["properties"].get("security-severity") == security_severity


def test_rule_tags_are_unique_capped_at_ten_and_keep_the_cwe() -> None:
    tags = ("security", "kubernetes", *(f"t{n}" for n in range(12)))
    rule = to_json(_rule(_check("high", tags=tags), ReportContext()))["properties"]["tags"]
    assert len(rule) == 10 and len(set(rule)) == 10
    assert rule[:3] == ["kubernetes", "security", "external/cwe/cwe-250"]


def test_long_descriptions_are_clipped_to_githubs_limit() -> None:
    rule = to_json(_rule(_check("high", description="x" * 3000), ReportContext()))
    assert len(rule["fullDescription"]["text"]) <= 1024


def test_rule_docs_link_follows_the_configured_docs_url() -> None:
    rule = to_json(_rule(_check("high"), ReportContext(docs_url="https://docs.example.com/checks")))
    assert rule["helpUri"] == "https://docs.example.com/checks#ig-x-999"


def test_result_points_at_the_attribute_line_and_names_the_resource(log: dict, project: Path) -> None:
    by_resource = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in log["runs"][0]["results"]}
    uploads = by_resource["aws_s3_bucket_acl.uploads"]
    assert uploads["level"] == "error"
    location = uploads["locations"][0]
    assert location["logicalLocations"][0]["kind"] == "resource"
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}
    line = (project / "main.tf").read_text().splitlines()[27]
    assert physical["region"] == {"startLine": 28, "endLine": 28, "startColumn": 1, "endColumn": len(line) + 1}
    assert uploads["message"]["text"].startswith("S3 bucket ACL is 'public-read-write'")


def test_related_locations_are_embedded_as_links_in_the_message(log: dict) -> None:
    results = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in log["runs"][0]["results"]}
    uploads = results["aws_s3_bucket_acl.uploads"]
    [related] = uploads["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "modules/static%20site/main.tf"
    assert "(1)" in uploads["message"]["text"] and "[modules/static site/main.tf:12](1)" in uploads["message"]["text"]
    website = results["aws_s3_bucket.website"]
    ids = [loc["id"] for loc in website["relatedLocations"]]
    assert ids == [1, 2, 3]
    for n in ids:
        assert f"]({n})" in website["message"]["text"]


def test_value_provenance_is_a_code_flow_from_origin_to_the_attribute(log: dict) -> None:
    results = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in log["runs"][0]["results"]}
    [flow] = results["aws_s3_bucket.website"]["codeFlows"]
    steps = [
        (
            step["location"]["physicalLocation"]["artifactLocation"]["uri"],
            step["location"]["physicalLocation"]["region"]["startLine"],
        )
        for step in flow["threadFlows"][0]["locations"]
    ]
    assert steps == [("terraform.tfvars", 2), ("variables.tf", 7), ("main.tf", 5)]
    assert "codeFlows" not in results["aws_s3_bucket_acl.uploads"]


def test_suppressed_findings_stay_in_sarif_with_their_justification(log: dict) -> None:
    results = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in log["runs"][0]["results"]}
    partner = results["aws_s3_bucket.partner_exchange"]
    assert partner["suppressions"] == [
        {"kind": "inSource", "justification": "Partner bucket; reviewed by security (SEC-1234)"}
    ]
    assert "suppressions" not in results["aws_s3_bucket.website"]


def test_baseline_state_and_overdue_sla_are_reported(log: dict) -> None:
    results = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in log["runs"][0]["results"]}
    website = results["aws_s3_bucket.website"]
    assert website["baselineState"] == "unchanged"
    assert website["properties"]["overdue"] is True and website["properties"]["firstSeen"] == "2026-01-05"
    assert results["aws_s3_bucket_acl.uploads"]["baselineState"] == "new"
    assert "baselineState" not in results["aws_s3_bucket.partner_exchange"]


def test_partial_fingerprints_hold_the_stable_finding_fingerprint(project: Path) -> None:
    result = enriched_scan(project)
    log = json.loads(render(result, CONTEXT))
    by_resource = {f.resource.address: f.fingerprint for f in result.findings}
    for sarif_result in log["runs"][0]["results"]:
        address = sarif_result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        prints = sarif_result["partialFingerprints"]
        assert prints["iacgate/v1"] == by_resource[address]
        assert prints["primaryLocationLineHash"] == f"{by_resource[address][:16]}:1"


def test_serialiser_uses_schema_names_and_drops_unset_values_but_keeps_level() -> None:
    result = om.Result(message=om.Message(text="m"), rule_id="X", rule_index=0, level="warning")
    assert to_json(result) == {"message": {"text": "m"}, "ruleId": "X", "ruleIndex": 0, "level": "warning"}


def test_rule_name_is_pascal_case_from_the_title() -> None:
    assert rule_name("Container runs as root (UID 0)") == "ContainerRunsAsRootUID0"
    assert rule_name("ssh open to 0.0.0.0/0") == "SshOpenTo00000"


def test_columns_are_reported_when_the_location_has_one(project: Path) -> None:
    result = enriched_scan(project)
    finding = next(f for f in result.findings if f.resource.address == "aws_s3_bucket_acl.uploads")
    finding.location = replace(finding.location, start_column=3)
    [sarif_result] = [
        r
        for r in json.loads(render(result, CONTEXT))["runs"][0]["results"]
        if r["message"]["text"].startswith(finding.message)
    ]
    assert sarif_result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 28,
        "endLine": 28,
        "startColumn": 3,
        "endColumn": len((project / "main.tf").read_text().splitlines()[27]) + 1,
    }


def test_remote_module_and_odd_paths_never_become_absolute_or_schemed_uris(project: Path, tmp_path: Path) -> None:
    result = enriched_scan(project)
    finding = next(f for f in result.findings if f.resource.address == "aws_s3_bucket_acl.uploads")
    finding.trace = [Location("git::https://github.com/acme/modules.git//s3?ref=v1.2.0/main.tf", 4, note="module")]
    sarif = render(result, CONTEXT)
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(sarif)["runs"][0]["results"]
        for loc in [*r["locations"], *r.get("relatedLocations", [])]
    ]
    assert all(not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri) and not uri.startswith("/") for uri in uris), uris
    _validate(sarif, project, tmp_path, warnings=True)  # the remote-module file is not on disk


def test_a_value_from_the_command_line_is_named_but_not_linked(project: Path, tmp_path: Path) -> None:
    result = enriched_scan(project)
    finding = next(f for f in result.findings if f.resource.address == "aws_s3_bucket.website")
    finding.trace = [Location("<command line>", 1, note="--var website_domain"), *finding.trace]
    sarif = render(result, CONTEXT)
    [website] = [
        r
        for r in json.loads(sarif)["runs"][0]["results"]
        if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "aws_s3_bucket.website"
    ]
    assert "<command line> (--var website_domain) <- [variables.tf:7](2)" in website["message"]["text"]
    assert [loc["id"] for loc in website["relatedLocations"]] == [1, 2, 3]
    flow = website["codeFlows"][0]["threadFlows"][0]["locations"]
    assert "command" not in json.dumps(flow) and len(flow) == 3
    _validate(sarif, project, tmp_path)


def test_a_finding_from_an_unregistered_rule_still_gets_one_descriptor(project: Path, tmp_path: Path) -> None:
    result = enriched_scan(project)
    template = result.findings[0]
    result.findings += [
        replace(template, check_id="IG-X-900", title="Suppression has no reason", severity=Severity.INFO, message=m)
        for m in ("first", "second")
    ]
    log = json.loads(render(result, CONTEXT))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["IG-AWS-001", "IG-X-900"]
    assert rules[1]["defaultConfiguration"]["level"] == "note" and "security-severity" not in rules[1]["properties"]
    assert sum(1 for r in log["runs"][0]["results"] if r["ruleIndex"] == 1) == 2
    _validate(render(result, CONTEXT), project, tmp_path)
