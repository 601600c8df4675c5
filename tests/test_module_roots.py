"""A module called from several root modules: identical findings merge into one naming every call; findings
that depend on the caller stay one per root, told apart and traced to their call."""

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


def _roots(tmp_path: Path, module: str, callers: dict[str, str]) -> None:
    (tmp_path / "modules" / "site").mkdir(parents=True, exist_ok=True)
    (tmp_path / "modules" / "site" / "main.tf").write_text(module)
    for name, text in callers.items():
        (tmp_path / "examples" / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / "examples" / name / "main.tf").write_text(text)


def test_one_module_called_from_two_roots_gives_one_finding_that_names_both_calls(tmp_path: Path) -> None:
    _roots(tmp_path, MODULE, {name: CALLER.replace("{name}", name) for name in ("blog", "shop")})

    findings = run_scan(tmp_path, checks={"IG-AWS-001"}).findings

    assert [(f.location.file, f.location.start_line, f.resource.address) for f in findings] == [
        ("modules/site/main.tf", 3, "module.site.aws_s3_bucket_acl.this"),
    ]
    calls = sorted((loc.file, loc.start_line) for loc in findings[0].related)
    assert calls == [("examples/blog/main.tf", 1), ("examples/shop/main.tf", 1)]


def test_the_merged_finding_keeps_the_fingerprint_of_its_first_root(tmp_path: Path) -> None:
    _roots(tmp_path, MODULE, {"blog": CALLER.replace("{name}", "blog")})
    alone = run_scan(tmp_path, checks={"IG-AWS-001"}).findings
    _roots(tmp_path, MODULE, {"shop": CALLER.replace("{name}", "shop")})
    merged = run_scan(tmp_path, checks={"IG-AWS-001"}).findings

    assert [f.fingerprint for f in merged] == [f.fingerprint for f in alone]


VARIABLE_ACL = (
    MODULE.replace('acl    = "public-read"', "acl    = var.acl")
    + """
variable "acl" {
  type = string
}
"""
)
CALLER_WITH_ACL = """module "site" {
  source = "../../modules/site"
  bucket = "{name}"
  acl    = "{acl}"
}
"""


def test_a_finding_whose_value_comes_from_each_caller_stays_one_per_root(tmp_path: Path) -> None:
    _roots(
        tmp_path,
        VARIABLE_ACL,
        {
            "blog": CALLER_WITH_ACL.replace("{name}", "blog").replace("{acl}", "public-read"),
            "shop": CALLER_WITH_ACL.replace("{name}", "shop").replace("{acl}", "public-read"),
        },
    )

    findings = run_scan(tmp_path, checks={"IG-AWS-001"}).findings

    assert sorted(f.trace[-1].file for f in findings) == ["examples/blog/main.tf", "examples/shop/main.tf"]
    fingerprints = {f.fingerprint for f in findings}
    assert len(fingerprints) == 2 and not any(":" in fp for fp in fingerprints)
