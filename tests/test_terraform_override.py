"""Terraform override files merge into the blocks they override instead of standing alone."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_scan

MAIN = """resource "aws_s3_bucket_acl" "assets" {
  bucket = "acme-assets"
  acl    = "private"
}

resource "google_container_cluster" "primary" {
  name     = "prod"
  location = "europe-west1"

  private_cluster_config {
    enable_private_nodes = true
  }
}
"""

OVERRIDE = """# local experiment: open the assets bucket
resource "aws_s3_bucket_acl" "assets" {
  acl = "public-read"
}

resource "google_container_cluster" "primary" {
  min_master_version = "1.30"
}
"""


def test_override_file_arguments_replace_the_originals_and_the_finding_traces_to_the_override(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(MAIN)
    (tmp_path / "dev_override.tf").write_text(OVERRIDE)

    result = run_scan(tmp_path, checks={"IG-AWS-001", "IG-GCP-008"})

    assert sorted(r.address for r in result.resources) == [
        "aws_s3_bucket_acl.assets",
        "google_container_cluster.primary",
    ]
    cluster = next(r for r in result.resources if r.type == "google_container_cluster")
    assert cluster.get("private_cluster_config.0.enable_private_nodes") is True  # kept: not overridden
    assert cluster.get("min_master_version") == "1.30"
    [finding] = result.findings
    assert finding.check_id == "IG-AWS-001"
    assert (finding.location.file, finding.location.start_line) == ("main.tf", 1)
    assert [(t.file, t.start_line) for t in finding.trace] == [("dev_override.tf", 3)]
