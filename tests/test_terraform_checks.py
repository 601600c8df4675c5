"""Behaviour of the Terraform checks beyond their fixtures: unknown values never fail, dynamic blocks
are unknown rather than absent, and graph findings carry the severity of the real exposure."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_scan


def _scan(tmp_path: Path, text: str, *checks: str):
    (tmp_path / "main.tf").write_text(text)
    return run_scan(tmp_path, checks=set(checks))


def test_unset_variable_cidr_is_unknown_not_a_failure(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        """
variable "admin_cidrs" {
  type = list(string)
}

resource "aws_security_group" "bastion" {
  name = "bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }
}
""",
        "IG-AWS-002",
    )
    assert result.findings == []
    assert [(u.check_id, u.resource.address) for u in result.unknowns] == [("IG-AWS-002", "aws_security_group.bastion")]


def test_known_world_cidr_fails_even_next_to_an_unknown_one(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        """
variable "office_cidr" {
  type = string
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = [var.office_cidr, "0.0.0.0/0"]
  security_group_id = "sg-0123456789abcdef0"
}
""",
        "IG-AWS-002",
    )
    assert [(f.check_id, f.location.start_line) for f in result.findings] == [("IG-AWS-002", 11)]


def test_dynamic_blocks_are_unknown_rather_than_missing(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        """
variable "metadata" {
  type = list(object({ http_tokens = string }))
}

variable "rules" {
  type = list(object({ port = number, cidrs = list(string) }))
}

resource "aws_instance" "app" {
  ami           = "ami-0c1bc246476a5572b"
  instance_type = "t3.micro"

  dynamic "metadata_options" {
    for_each = var.metadata
    content {
      http_tokens = metadata_options.value.http_tokens
    }
  }
}

resource "aws_security_group" "app" {
  name = "app"
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }
  }
}
""",
        "IG-AWS-002",
        "IG-AWS-008",
    )
    assert result.findings == []
    assert sorted(u.check_id for u in result.unknowns) == ["IG-AWS-002", "IG-AWS-008"]


def test_policy_that_cannot_be_computed_is_unknown(tmp_path: Path) -> None:
    result = _scan(
        tmp_path,
        """
variable "policy_json" {
  type = string
}

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = var.policy_json
}
""",
        "IG-AWS-009",
    )
    assert result.findings == []
    assert [u.check_id for u in result.unknowns] == ["IG-AWS-009"]


PUBLIC_POLICY = """
resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-site/*"}
  ]
}
POLICY
}
"""

BLOCK = """
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"""


def test_public_bucket_policy_is_critical_without_a_public_access_block(tmp_path: Path) -> None:
    result = _scan(tmp_path, PUBLIC_POLICY, "IG-AWS-017")
    assert [(f.severity.value, f.resource.address) for f in result.findings] == [
        ("critical", "aws_s3_bucket_policy.site")
    ]
    assert [r.note for r in result.findings[0].related] == ["aws_s3_bucket.site"]


def test_public_bucket_policy_is_medium_when_a_block_neutralises_it(tmp_path: Path) -> None:
    result = _scan(tmp_path, PUBLIC_POLICY + BLOCK, "IG-AWS-017")
    assert [f.severity.value for f in result.findings] == ["medium"]


def test_bucket_without_any_public_access_block_is_low(tmp_path: Path) -> None:
    result = _scan(tmp_path, PUBLIC_POLICY, "IG-AWS-016")
    assert [(f.severity.value, f.resource.address) for f in result.findings] == [("low", "aws_s3_bucket.site")]
    assert _scan(tmp_path, PUBLIC_POLICY + BLOCK, "IG-AWS-016").findings == []


def test_world_open_ssh_on_a_private_instance_is_not_an_attack_path(tmp_path: Path) -> None:
    text = """
resource "aws_security_group" "ssh" {
  name = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "app" {
  ami                    = "ami-0c1bc246476a5572b"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.ssh.id]
}
"""
    assert _scan(tmp_path, text, "IG-AWS-018").findings == []
    public = text.replace("instance_type          = ", "associate_public_ip_address = true\n  instance_type = ")
    assert [f.severity.value for f in _scan(tmp_path, public, "IG-AWS-018").findings] == ["critical"]


def test_terragoat_attack_paths_are_found(shared: Path) -> None:
    result = run_scan(shared / "corpus" / "bridgecrewio+terragoat" / "terraform" / "aws", checks={"IG-AWS-018"})
    assert sorted((f.resource.address, f.severity.value) for f in result.findings) == [
        ("aws_instance.db_app", "critical"),
        ("aws_instance.web_host", "critical"),
    ]


# Examples of the security-group module that open a data port to 0.0.0.0/0 on purpose ("Security group with
# HTTP and MySQL ports open for everybody"): real exposures, reported, and the only high findings there.
DELIBERATELY_OPEN = {
    ("IG-AWS-054", "module.http_mysql_1_sg.module.sg.aws_security_group_rule.ingress_rules[1]"),
    ("IG-AWS-054", "module.mysql_sg.module.sg.aws_security_group_rule.ingress_rules[0]"),
    ("IG-AWS-054", "module.complete_sg.aws_security_group_rule.ingress_with_cidr_blocks[0]"),
}


def test_secure_by_default_modules_raise_nothing_high(shared: Path) -> None:
    for name in ("security-group", "s3-bucket", "vpc", "rds"):
        result = run_scan(shared / "corpus" / f"terraform-aws-modules+terraform-aws-{name}")
        serious = {(f.check_id, f.resource.address) for f in result.findings if f.severity.rank >= 3}
        # the rds examples really do pass literal master passwords ("UberSecretPassword") to the module
        serious = {s for s in serious if not (name == "rds" and s[0] == "IG-SEC-001")}
        assert serious - DELIBERATELY_OPEN == set(), name


def test_restrict_public_buckets_alone_neutralises_a_public_bucket_policy(tmp_path: Path) -> None:
    block = """
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  restrict_public_buckets = true
}
"""
    result = _scan(tmp_path, PUBLIC_POLICY + block, "IG-AWS-017")
    assert [f.severity.value for f in result.findings] == ["medium"]
    assert "aws_s3_bucket_public_access_block.site" in [r.note for r in result.findings[0].related]
    only_policy_blocked = block.replace("restrict_public_buckets", "block_public_policy    ")
    assert [f.severity.value for f in _scan(tmp_path, PUBLIC_POLICY + only_policy_blocked, "IG-AWS-017").findings] == [
        "critical"
    ]
