"""Via-attribute graph queries: a link is resolved, absent, or unknown, never "absent" for unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.graph import build_graph
from scanner.records import Resource, UnknownValue
from tests.conftest import run_scan

NETWORK = """\
variable "extra_security_group_ids" {
  type = list(string)
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
}

resource "aws_instance" "app" {
  ami                    = "ami-0c1bc246476a5572b"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.web.id]
}

resource "aws_instance" "batch" {
  ami                    = "ami-0c1bc246476a5572b"
  instance_type          = "t3.micro"
  vpc_security_group_ids = concat([aws_security_group.web.id], var.extra_security_group_ids)
}

resource "aws_instance" "legacy" {
  ami                    = "ami-0c1bc246476a5572b"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.web.id, "sg-0123456789abcdef0"]
}

module "shared_groups" {
  source = "./groups"
}

resource "aws_instance" "reports" {
  ami                    = "ami-0c1bc246476a5572b"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [module.shared_groups.reports_id]
}
"""

GROUPS = """\
resource "aws_security_group" "reports" {
  name   = "reports"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
}

output "reports_id" {
  value = aws_security_group.reports.id
}
"""

BUCKETS = """\
resource "aws_s3_bucket" "logs" {
  bucket = "acme-access-logs"
}

resource "aws_s3_bucket" "archive" {
  bucket = "acme-archive"
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = "acme-access-logs"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"""


def _resources(tmp_path: Path, files: dict[str, str]) -> tuple[dict[str, Resource], object]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    resources = [r for r in run_scan(tmp_path, checks={"IG-AWS-001"}).resources if r.framework == "terraform"]
    return {r.address: r for r in resources}, build_graph(resources)


@pytest.fixture
def network(tmp_path: Path):
    return _resources(tmp_path, {"main.tf": NETWORK, "groups/main.tf": GROUPS})


def test_a_referenced_resource_is_a_resolved_link(network) -> None:
    resources, graph = network
    assert graph.linked_via(resources["aws_instance.app"], "vpc_security_group_ids") == [
        resources["aws_security_group.web"]
    ]


def test_a_reference_through_a_module_output_is_resolved(network) -> None:
    resources, graph = network
    linked = graph.linked_via(resources["aws_instance.reports"], "vpc_security_group_ids", "aws_security_group")
    assert [r.address for r in linked] == ["module.shared_groups.aws_security_group.reports"]


def test_a_value_without_a_value_makes_the_link_unknown(network) -> None:
    resources, graph = network
    with pytest.raises(UnknownValue, match="extra_security_group_ids has no value"):
        graph.linked_via(resources["aws_instance.batch"], "vpc_security_group_ids")


def test_a_literal_id_of_a_group_declared_elsewhere_is_unknown_but_the_known_part_stays(network) -> None:
    resources, graph = network
    links = graph.links(resources["aws_instance.legacy"], "vpc_security_group_ids", "aws_security_group")
    assert links.targets == [resources["aws_security_group.web"]]
    assert links.unknown is not None and "'sg-0123456789abcdef0' is not declared" in links.unknown.reason
    assert links.unknown.path == "vpc_security_group_ids.1"


def test_an_absent_attribute_links_to_nothing(network) -> None:
    resources, graph = network
    assert graph.linked_via(resources["aws_instance.app"], "subnet_id") == []


def test_a_literal_bucket_name_links_to_the_bucket_of_that_name(tmp_path: Path) -> None:
    resources, graph = _resources(tmp_path, {"main.tf": BUCKETS})
    block = resources["aws_s3_bucket_public_access_block.logs"]
    assert graph.linked_from(resources["aws_s3_bucket.logs"], block.type, "bucket") == [block]
    assert graph.linked_from(resources["aws_s3_bucket.archive"], block.type, "bucket") == []  # names another one
