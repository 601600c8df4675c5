"""Behaviour of the AWS IAM, resource-policy, network, logging and secrets checks beyond their fixtures:
severities that depend on the exposure, and shapes of real configurations that must not fail."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_scan


def _scan(tmp_path: Path, text: str, *checks: str):
    (tmp_path / "main.tf").write_text(text)
    return run_scan(tmp_path, checks=set(checks))


OIDC_ROLE = """
resource "aws_iam_role" "reader" {
  name = "reader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/PROVIDER" }
      Action    = "sts:AssumeRoleWithWebIdentity"
    }]
  })
}
"""


def test_oidc_trust_without_subject_is_high_for_github_and_medium_for_one_cluster(tmp_path: Path) -> None:
    github = _scan(tmp_path, OIDC_ROLE.replace("PROVIDER", "token.actions.githubusercontent.com"), "IG-AWS-043")
    assert [f.severity.value for f in github.findings] == ["high"]
    eks = OIDC_ROLE.replace("PROVIDER", "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE")
    assert [f.severity.value for f in _scan(tmp_path, eks, "IG-AWS-043").findings] == ["medium"]


PASS_ROLE = """
resource "aws_iam_policy" "deployer" {
  name = "deployer"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = "*" },
      { Effect = "Allow", Action = ["RUN"], Resource = "*" },
    ]
  })
}
"""


def test_pass_any_role_is_high_only_with_an_action_that_runs_code_under_it(tmp_path: Path) -> None:
    alone = _scan(tmp_path, PASS_ROLE.replace("RUN", "s3:GetObject"), "IG-AWS-039")
    assert [f.severity.value for f in alone.findings] == ["medium"]
    with_compute = _scan(tmp_path, PASS_ROLE.replace("RUN", "ec2:RunInstances"), "IG-AWS-039")
    assert [f.severity.value for f in with_compute.findings] == ["high"]


def test_credentials_in_a_provider_block_are_reported_once_by_the_secret_detector(tmp_path: Path) -> None:
    text = """
provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA4QX7MZRT2KD5WN3B"
  secret_key = "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"
}

provider "aws" {
  alias      = "docs"
  access_key = "AKIAIOSFODNN7EXAMPLE"
}
"""
    findings = _scan(tmp_path, text, "IG-SEC-001", "IG-AWS-077").findings
    assert [(f.check_id, f.resource.address, f.location.start_line) for f in findings] == [
        ("IG-SEC-001", "provider.aws", 4),
        ("IG-SEC-001", "provider.aws", 5),
    ]


def test_oidc_trust_with_a_computed_provider_arn_is_named_by_its_condition_keys(tmp_path: Path) -> None:
    text = """
data "aws_caller_identity" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
}

resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::${local.account}:oidc-provider/oidc.circleci.com/org/0f1e2d3c" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = { StringEquals = { "oidc.circleci.com/org/0f1e2d3c:aud" = "0f1e2d3c" } }
    }]
  })
}
"""
    findings = _scan(tmp_path, text, "IG-AWS-043").findings
    assert [f.severity.value for f in findings] == ["medium"]
    assert "oidc.circleci.com/org/0f1e2d3c" in findings[0].message


PUBLIC_GRANT = """
resource "aws_s3_bucket" "press" {
  bucket = "acme-press"
}

resource "aws_s3_bucket_acl" "press" {
  bucket = aws_s3_bucket.press.id
  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "READ"
    }
    owner {
      id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    }
  }
}
"""


def test_an_all_users_grant_is_medium_while_a_public_access_block_ignores_acls(tmp_path: Path) -> None:
    assert [f.severity.value for f in _scan(tmp_path, PUBLIC_GRANT, "IG-AWS-111").findings] == ["critical"]
    block = """
resource "aws_s3_bucket_public_access_block" "press" {
  bucket             = aws_s3_bucket.press.id
  ignore_public_acls = true
}
"""
    assert [f.severity.value for f in _scan(tmp_path, PUBLIC_GRANT + block, "IG-AWS-111").findings] == ["medium"]


def test_a_vpc_whose_every_subnet_has_a_flow_log_is_recorded(tmp_path: Path) -> None:
    text = """
resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.0.0/24"
}

resource "aws_flow_log" "a" {
  subnet_id       = aws_subnet.a.id
  traffic_type    = "ALL"
  log_destination = "arn:aws:s3:::acme-flow-logs"
}
"""
    assert _scan(tmp_path, text, "IG-AWS-060").findings == []
    unlogged = text + (
        '\nresource "aws_subnet" "b" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = "10.20.1.0/24"\n}\n'
    )
    assert [f.resource.address for f in _scan(tmp_path, unlogged, "IG-AWS-060").findings] == ["aws_vpc.main"]
