"""Partly known policies: the evaluator keeps their structure, the policy checks judge the known part."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from scanner.records import PartialDocument, Unknown, UnknownValue
from tests.conftest import FIXTURES, run_scan

POLICY = FIXTURES / "terraform-eval" / "policy"
ARN = Unknown("aws_s3_bucket.logs.arn is known only after apply")


@pytest.fixture(scope="module")
def policies() -> dict:
    result = run_scan(POLICY, checks={"IG-AWS-009"})
    assert not result.errors
    return {r.address: r for r in result.resources if r.type == "aws_iam_policy"}


def test_jsonencode_with_an_unknown_leaf_keeps_the_decoded_structure(policies):
    value = policies["aws_iam_policy.encoded"].attributes["policy"]
    assert isinstance(value, PartialDocument) and value.reason == ARN.reason
    assert value.document == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": ARN}],
    }


def test_a_partial_document_is_still_unknown_for_resource_get(policies):
    with pytest.raises(UnknownValue):
        policies["aws_iam_policy.encoded"].get("policy")


def test_a_computation_on_partial_json_is_plainly_unknown(policies):
    value = policies["aws_iam_policy.rewritten"].attributes["policy"]  # replace() on JSON syntax
    assert type(value) is Unknown and value.reason == ARN.reason


def test_jsondecode_of_partial_json_gives_back_the_structure(policies):
    document = policies["aws_iam_policy.round_trip"].attributes["policy"].document
    assert document["Id"] == "logs" and document["Statement"][0]["Resource"] == ARN


def test_policy_document_statement_replaces_the_source_statement_with_its_sid(policies):
    statements = policies["aws_iam_policy.merged"].attributes["policy"].document["Statement"]
    assert [(s["Sid"], s["Action"]) for s in statements] == [("Read", "s3:GetObject"), ("Admin", "s3:ListBucket")]
    assert statements[1]["Resource"] == ARN


def test_override_with_an_unknown_sid_makes_every_replaceable_statement_unknown(policies):
    statements = policies["aws_iam_policy.overridden"].attributes["policy"].document["Statement"]
    assert [type(s).__name__ for s in statements] == ["Unknown", "Unknown", "dict"]  # Read and Admin may be gone
    assert statements[2]["Resource"] == "*" and isinstance(statements[2]["Sid"], Unknown)


def test_unexpanded_dynamic_statements_are_one_unknown_statement_after_the_static_ones(policies):
    statements = policies["aws_iam_policy.dynamic"].attributes["policy"].document["Statement"]
    assert statements[0] == {"Sid": "Static", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    assert isinstance(statements[1], Unknown) and "dynamic statement" in statements[1].reason


def test_partial_documents_survive_pickling(policies):
    value = policies["aws_iam_policy.encoded"].attributes["policy"]
    assert pickle.loads(pickle.dumps(value)) == value


def test_policy_checks_judge_only_what_depends_on_the_unknown(policies):
    """Admin replaced by a known statement passes; a possibly replaced or unknown statement is unknown."""
    result = run_scan(POLICY, checks={"IG-AWS-009"})
    assert result.findings == []
    assert sorted(u.resource.address for u in result.unknowns) == [
        "aws_iam_policy.dynamic",
        "aws_iam_policy.heredoc_structural",
        "aws_iam_policy.overridden",
        "aws_iam_policy.rewritten",
    ]


@pytest.mark.parametrize(
    ("check_id", "unknown"),
    [
        ("IG-AWS-009", {"aws_iam_policy.guard": "Effect", "aws_iam_role_policy.plugins": "Action"}),
        (
            "IG-AWS-017",
            {
                "aws_s3_bucket_policy.archive": "Effect",
                "aws_s3_bucket_policy.exports": "Principal.AWS",
                "aws_s3_bucket_policy.partners": "Condition",
            },
        ),
    ],
)
def test_partly_known_passing_fixtures_are_unknown_exactly_where_the_verdict_depends_on_it(check_id, unknown):
    result = run_scan(FIXTURES / "checks" / check_id / "pass" / "partly_known.tf", checks={check_id})
    assert result.findings == []
    found = {u.resource.address: u.path.split(".Statement.0.")[-1] for u in result.unknowns}
    assert found == unknown
    assert result.passed >= 1  # the rest is decided: a known non-"*" action, a restricting condition


def test_splat_over_policy_documents_reads_their_json(policies):
    statements = policies["aws_iam_policy.splat"].attributes["policy"].document["Statement"]
    assert [s["Action"] for s in statements] == ["logs:PutLogEvents", "logs:PutLogEvents"]


def test_placeholder_replaced_by_an_unknown_value_keeps_the_structure(policies):
    statement = policies["aws_iam_policy.placeholders"].attributes["policy"].document["Statement"][0]
    assert statement["Resource"] == [ARN, ARN] and statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_placeholder_that_does_not_occur_leaves_the_json_known(policies):
    policy = policies["aws_iam_policy.placeholders_absent"].attributes["policy"]
    assert isinstance(policy, str) and json.loads(policy)["Statement"][0]["Sid"] == "DenyInsecureTransport"


def test_heredoc_json_with_unknown_interpolations_inside_strings_keeps_the_structure(policies):
    statement = policies["aws_iam_policy.heredoc"].attributes["policy"].document["Statement"][0]
    assert statement == {"Effect": "Allow", "Action": "s3:PutObject", "Resource": ARN}


def test_heredoc_with_an_unknown_interpolation_outside_a_string_is_plainly_unknown(policies):
    assert type(policies["aws_iam_policy.heredoc_structural"].attributes["policy"]) is Unknown


def test_a_policy_written_in_place_is_not_traced_to_a_variable_interpolated_into_its_arns(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
variable "region" {
  default = "eu-west-1"
}

variable "policy" {
  default = <<EOT
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
EOT
}

resource "aws_iam_policy" "inline" {
  name = "inline"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "logs:PutLogEvents", Resource = "arn:aws:logs:${var.region}:123456789012:*" },
      { Effect = "Allow", Action = "*", Resource = "*" },
    ]
  })
}

resource "aws_iam_policy" "from_variable" {
  name   = "from-variable"
  policy = var.policy
}
"""
    )
    findings = {f.resource.address: f for f in run_scan(tmp_path, checks={"IG-AWS-009"}).findings}
    assert findings["aws_iam_policy.inline"].trace == []
    assert [(t.start_line, t.note) for t in findings["aws_iam_policy.from_variable"].trace] == [(7, "variable default")]
