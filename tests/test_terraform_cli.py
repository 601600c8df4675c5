"""`iacgate scan --var-file/--var` reach the Terraform evaluator; unknowns are listed with reasons."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scanner.cli import main
from tests.conftest import FIXTURES

VARIABLES = FIXTURES / "terraform-eval" / "variables"


def _scan(*extra: str) -> dict:
    args = ["scan", str(VARIABLES), "--format", "json", "--no-cache", "--check", "IG-AWS-001", "--show-unknown"]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def test_var_file_and_var_options_change_the_verdict():
    plain = json.dumps(_scan())
    assert "aws_s3_bucket.from_var_file" not in plain and "aws_s3_bucket.from_cli" not in plain
    report = json.dumps(_scan("--var-file", str(VARIABLES / "prod.tfvars"), "--var", "acl_cli=public-read"))
    assert "aws_s3_bucket.from_var_file" in report and "aws_s3_bucket.from_cli" in report
    assert '"prod.tfvars"' in report and "--var acl_cli" in report


def test_show_unknown_gives_the_reason():
    report = _scan()
    assert "variable acl_unset has no value" in json.dumps(report["unknown"])


def test_malformed_var_is_a_usage_error():
    result = CliRunner().invoke(main, ["scan", str(VARIABLES), "--var", "no-equals-sign"])
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.output
