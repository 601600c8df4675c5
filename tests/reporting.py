"""A scan result with everything a report must render: related resources, value provenance,
a suppression, baseline states, an overdue finding and a scan error.

The graph, provenance and filter stages fill these in on real scans; here they are set by hand
on a real scan of `fixtures/report/project` so every renderer can be tested on all of them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scanner.records import Location, ScanError, Suppression
from scanner.scan import ScanResult
from tests.conftest import FIXTURES, run_scan

PROJECT = FIXTURES / "report" / "project"
BROKEN_TF = 'resource "aws_s3_bucket" "half" {\n  acl = "private"\n'


def copy_project(tmp_path: Path) -> Path:
    """The report fixture project plus an unparsable file, in a temporary directory."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    (root / "broken.tf").write_text(BROKEN_TF, encoding="utf-8")
    return root


def enriched_scan(root: Path) -> ScanResult:
    result = run_scan(root, checks={"IG-AWS-001"})
    by_address = {f.resource.address: f for f in result.findings}
    website = by_address["aws_s3_bucket.website"]
    website.related = [Location("main.tf", 17, 20, note="aws_s3_bucket.logs")]
    website.trace = [
        Location("variables.tf", 7, 11, note='variable "website_domain"'),
        Location("terraform.tfvars", 2, 2, note="value from terraform.tfvars"),
    ]
    website.baseline_state = "unchanged"
    website.first_seen = "2026-01-05"
    website.overdue = True
    uploads = by_address["aws_s3_bucket_acl.uploads"]
    uploads.related = [Location("modules/static site/main.tf", 12, 15, note="module.archive.aws_s3_bucket.archive")]
    uploads.baseline_state = "new"
    partner = by_address["aws_s3_bucket.partner_exchange"]
    partner.suppression = Suppression("inSource", "Partner bucket; reviewed by security (SEC-1234)")
    assert any(e.file == "broken.tf" and e.level == "error" for e in result.errors), result.errors
    return result


def scan_error(result: ScanResult) -> ScanError:
    return next(e for e in result.errors if e.file == "broken.tf")
