"""A module called from several root modules: one finding per root, told apart and traced to its call."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_scan

MODULE = """resource "aws_s3_bucket_acl" "this" {
  bucket = var.bucket
  acl    = "public-read"
}

variable "bucket" {
  type = string
}
"""

CALLER = """module "site" {
  source = "../../modules/site"
  bucket = "{name}"
}
"""


def test_one_module_called_from_two_roots_gives_two_findings_with_their_own_call_and_fingerprint(
    tmp_path: Path,
) -> None:
    (tmp_path / "modules" / "site").mkdir(parents=True)
    (tmp_path / "modules" / "site" / "main.tf").write_text(MODULE)
    for name in ("blog", "shop"):
        (tmp_path / "examples" / name).mkdir(parents=True)
        (tmp_path / "examples" / name / "main.tf").write_text(CALLER.replace("{name}", name))

    findings = run_scan(tmp_path, checks={"IG-AWS-001"}).findings

    assert [(f.location.file, f.location.start_line, f.resource.address) for f in findings] == [
        ("modules/site/main.tf", 3, "module.site.aws_s3_bucket_acl.this"),
        ("modules/site/main.tf", 3, "module.site.aws_s3_bucket_acl.this"),
    ]
    calls = sorted((loc.file, loc.start_line) for f in findings for loc in f.related)
    assert calls == [("examples/blog/main.tf", 1), ("examples/shop/main.tf", 1)]
    fingerprints = {f.fingerprint for f in findings}
    assert len(fingerprints) == 2 and not any(":" in fp for fp in fingerprints)
