"""AWS graph checks answer unknown only when the link they cannot follow could change the answer: a policy
that is private passes whatever it is attached to, and a link that is surely there (or surely missing)
decides even when a sibling link is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_scan


def _scan(tmp_path: Path, text: str, check_id: str):
    (tmp_path / "main.tf").write_text(text)
    result = run_scan(tmp_path, checks={check_id})
    return (
        [f.resource.address for f in result.findings if f.check_id == check_id],
        [u.resource.address for u in result.unknowns if u.check_id == check_id],
    )


PRIVATE_POLICIES = {
    "IG-AWS-032": """
resource "aws_api_gateway_rest_api_policy" "inventory" {
  rest_api_id = var.rest_api_id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "execute-api:Invoke"
      Resource  = "execute-api:/*"
      Condition = { StringEquals = { "aws:SourceVpce" = "vpce-0a1b2c3d4e5f67890" } }
    }]
  })
}
""",
    "IG-AWS-097": """
resource "aws_s3control_access_point_policy" "reports" {
  access_point_arn = var.access_point_arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:role/reporting" }
      Action    = "s3:GetObject"
      Resource  = "${var.access_point_arn}/object/*"
    }]
  })
}
""",
}


@pytest.mark.parametrize("check_id", sorted(PRIVATE_POLICIES))
def test_a_private_policy_passes_though_what_it_is_attached_to_is_unknown(tmp_path: Path, check_id: str) -> None:
    variables = "".join(f'variable "{n}" {{\n  type = string\n}}\n' for n in ("rest_api_id", "access_point_arn"))
    assert _scan(tmp_path, variables + PRIVATE_POLICIES[check_id], check_id) == ([], [])


def test_flow_logs_on_every_subnet_decide_though_a_vpc_flow_log_is_unknown(tmp_path: Path) -> None:
    text = """
variable "flow_log_vpc_id" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "app" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.0.0/24"
}

resource "aws_flow_log" "app" {
  subnet_id       = aws_subnet.app.id
  traffic_type    = "ALL"
  log_destination = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_flow_log" "given" {
  vpc_id          = var.flow_log_vpc_id
  traffic_type    = "ALL"
  log_destination = "arn:aws:s3:::acme-flow-logs"
}
"""
    assert _scan(tmp_path, text, "IG-AWS-060") == ([], [])
    unlogged = text + 'resource "aws_subnet" "data" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = "10.20.1.0/24"\n}'
    assert _scan(tmp_path, unlogged, "IG-AWS-060") == ([], ["aws_vpc.main"])


def test_a_signing_key_for_the_zone_decides_though_a_dnssec_resource_is_unknown(tmp_path: Path) -> None:
    text = """
variable "signed_zone_id" {
  type = string
}

resource "aws_route53_zone" "status" {
  name = "status.example.com"
}

resource "aws_route53_key_signing_key" "status" {
  hosted_zone_id             = aws_route53_zone.status.id
  key_management_service_arn = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6789-0abc-def012345678"
  name                       = "status"
}

resource "aws_route53_hosted_zone_dnssec" "given" {
  hosted_zone_id = var.signed_zone_id
}
"""
    assert _scan(tmp_path, text, "IG-AWS-074") == ([], [])


def _severities(tmp_path: Path, text: str, check_id: str) -> list[str]:
    (tmp_path / "main.tf").write_text(text)
    return [f.severity.value for f in run_scan(tmp_path, checks={check_id}).findings if f.check_id == check_id]


def test_a_star_principal_fails_at_full_severity_while_the_endpoint_service_is_unknown(tmp_path: Path) -> None:
    text = """
variable "endpoint_service_id" {
  type = string
}

resource "aws_vpc_endpoint_service_allowed_principal" "anyone" {
  vpc_endpoint_service_id = var.endpoint_service_id
  principal_arn           = "*"
}
"""
    assert _severities(tmp_path, text, "IG-AWS-100") == ["high"]


def test_an_all_users_grant_fails_at_full_severity_while_its_public_access_block_is_unknown(tmp_path: Path) -> None:
    text = """
variable "bucket_name" {
  type = string
}

resource "aws_s3_bucket" "press" {
  bucket = var.bucket_name
}

resource "aws_s3_bucket_public_access_block" "press" {
  bucket             = var.bucket_name
  ignore_public_acls = true
}

data "aws_canonical_user_id" "current" {}

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
      id = data.aws_canonical_user_id.current.id
    }
  }
}
"""
    assert _severities(tmp_path, text, "IG-AWS-111") == ["critical"]


ADMIN_FUNCTION = """
variable "extra_role_name" {
  type = string
}

resource "aws_iam_role" "ops_bot" {
  name = "ops-bot"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "ops_bot" {
  role = aws_iam_role.ops_bot.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

# attached to a role given by the caller: it may be ops_bot
resource "aws_iam_role_policy_attachment" "extra" {
  role       = var.extra_role_name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_lambda_function" "ops_bot" {
  function_name = "ops-bot"
  role          = aws_iam_role.ops_bot.arn
  handler       = "bot.handler"
  runtime       = "python3.12"
  filename      = "ops-bot.zip"
}
"""


def test_an_administrator_inline_policy_decides_though_another_attachment_is_unknown(tmp_path: Path) -> None:
    assert _scan(tmp_path, ADMIN_FUNCTION, "IG-AWS-088") == (["aws_lambda_function.ops_bot"], [])


def test_an_open_function_url_decides_though_a_permission_is_for_an_unknown_function(tmp_path: Path) -> None:
    entry = """
variable "invoked_function_name" {
  type = string
}

resource "aws_lambda_permission" "scheduler" {
  statement_id  = "AllowScheduler"
  action        = "lambda:InvokeFunction"
  function_name = var.invoked_function_name
  principal     = "*"
}

resource "aws_lambda_function_url" "ops_bot" {
  function_name      = aws_lambda_function.ops_bot.function_name
  authorization_type = "NONE"
}
"""
    assert _scan(tmp_path, ADMIN_FUNCTION + entry, "IG-AWS-109") == (["aws_lambda_function.ops_bot"], [])
