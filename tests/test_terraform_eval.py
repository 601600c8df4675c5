"""Terraform evaluation: values, instance addresses, lines, provenance and unknowns on fixtures."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from scanner.evaluate import terraform as tf_eval
from scanner.parsers.terraform import parse, parse_tfvars
from scanner.records import Unknown
from tests.conftest import FIXTURES, run_scan

EVAL = FIXTURES / "terraform-eval"


def by_address(result) -> dict:
    return {r.address: r for r in result.resources if r.framework == "terraform"}


def trace(locations) -> list[tuple[str, int, str]]:
    return [(loc.file, loc.start_line, loc.note) for loc in locations]


@pytest.fixture
def variables_scan(monkeypatch):
    monkeypatch.setenv("TF_VAR_acl_env", "public-read")
    return run_scan(
        EVAL / "variables",
        checks={"IG-AWS-001"},
        var_files=[EVAL / "variables" / "prod.tfvars"],
        variables={"acl_cli": "public-read"},
    )


def test_variable_sources_follow_terraform_precedence(variables_scan):
    resources = by_address(variables_scan)
    acl = {address: r.attributes["acl"] for address, r in resources.items()}
    assert acl["aws_s3_bucket.from_default"] == "public-read"
    assert acl["aws_s3_bucket.from_tfvars"] == "public-read"
    assert acl["aws_s3_bucket.from_auto"] == "authenticated-read"  # b.auto.tfvars after a.auto.tfvars
    assert acl["aws_s3_bucket.from_var_file"] == "public-read-write"
    assert acl["aws_s3_bucket.from_cli"] == "public-read"  # --var beats prod.tfvars' "private"
    assert acl["aws_s3_bucket.from_env"] == "public-read"
    assert acl["aws_s3_bucket.optional_default"] == "public-read-write"  # optional(string, default)
    assert resources["aws_s3_bucket.optional_default"].attributes["bucket"] == "logs"


def test_findings_point_at_the_attribute_and_trace_the_value_source(variables_scan):
    found = {f.resource.address: (f.location.start_line, trace(f.trace)) for f in variables_scan.findings}
    assert found["aws_s3_bucket.from_default"] == (48, [("main.tf", 3, "variable default")])
    assert found["aws_s3_bucket.from_tfvars"] == (53, [("terraform.tfvars", 2, "terraform.tfvars")])
    assert found["aws_s3_bucket.from_auto"] == (58, [("b.auto.tfvars", 2, "b.auto.tfvars")])
    assert found["aws_s3_bucket.from_var_file"] == (63, [("prod.tfvars", 1, "prod.tfvars")])
    assert found["aws_s3_bucket.from_cli"] == (68, [("<command line>", 1, "--var acl_cli")])
    assert found["aws_s3_bucket.from_env"] == (73, [("<environment>", 1, "TF_VAR_acl_env")])
    assert found["aws_s3_bucket.optional_default"][0] == 83


def test_variable_without_value_is_unknown_not_a_finding(variables_scan):
    unknown = [(u.resource.address, u.reason) for u in variables_scan.unknowns]
    assert unknown == [("aws_s3_bucket.unset", "variable acl_unset has no value")]
    assert "aws_s3_bucket.unset" not in {f.resource.address for f in variables_scan.findings}


@pytest.fixture(scope="module")
def functions_scan():
    return run_scan(EVAL / "locals_functions", checks={"IG-AWS-001"})


def test_locals_chain_across_files_with_provenance(functions_scan):
    bucket = by_address(functions_scan)["aws_s3_bucket.logs"]
    assert bucket.attributes["bucket"] == "acme-data-prod-007"
    assert bucket.attributes["tags"] == {"Team": "platform", "Env": "PROD", "Name": "acme-data-prod-007"}
    assert trace(bucket.provenance["bucket"]) == [
        ("locals.tf", 3, "local.bucket_name"),
        ("main.tf", 10, "local.prefix"),
        ("main.tf", 2, "variable default"),
    ]
    finding = functions_scan.findings[0]
    assert (finding.location.file, finding.location.start_line) == ("main.tf", 41)
    assert trace(finding.trace) == [("main.tf", 15, "local.acls")]


def test_string_and_conversion_functions(functions_scan):
    values = by_address(functions_scan)["aws_ssm_parameter.functions"].attributes["strings"]
    assert values == {
        "split_": ["a", "b", "c"],
        "replace_": "a_b_c",
        "regex_": "major-1",
        "b64": "aGVsbG8=",
        "tostr": "42",
        "tonum": 4,
        "tobool_": True,
        "coalesced": "fallback",
        "tried": "no-such-key",
        "can_": False,
        "upper_": "ABC",
    }


def test_collection_and_network_functions(functions_scan):
    values = by_address(functions_scan)["aws_ssm_parameter.functions"].attributes["collections"]
    assert values["concat_"] == ["a", "b", "c"]
    assert values["lookup_"] == "private"
    assert values["keys_"] == ["data", "logs"]
    assert values["values_"] == ["private", "public-read"]
    assert values["element_"] == "y"  # wraps around
    assert values["distinct_"] == ["a", "b", "", "c"]
    assert values["compact_"] == ["a", "b", "b", "c"]
    assert values["length_"] == 5
    assert values["toset_"] == ["a", "b"]
    assert values["tomap_"] == {"a": 1}
    assert values["tolist_"] == ["y", "z"]
    assert values["subnets"] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert values["public"] is True


def test_encoding_and_file_functions_stay_inside_the_scan(functions_scan):
    values = by_address(functions_scan)["aws_ssm_parameter.functions"].attributes["encoding"]
    assert json.loads(values["json"]) == {"a": [1, 2], "b": True}
    assert values["decoded"] == {"k": [1, "two"]}
    assert values["yaml"] == "a: x\nb: 1\n"
    assert values["heredoc"]["Statement"][0]["Resource"] == "arn:aws:s3:::acme-data-prod-007/*"
    assert values["templated"] == '#!/bin/sh\necho "listening on 8080"\necho a\necho b\n'
    assert values["raw_file"] == "Authorised use only\n"
    assert isinstance(values["escaped"], Unknown) and "outside the scanned directory" in values["escaped"].reason


def test_expressions_templates_and_for(functions_scan):
    values = by_address(functions_scan)["aws_ssm_parameter.functions"].attributes["expressions"]
    assert values["arithmetic"] == 5  # 1 + (2 * 3) - (4 / 2): precedence, not the grammar's nesting
    assert values["logic"] is True
    assert values["conditional"] == "prod"
    assert values["directive"] == "acl=public"
    assert values["loop"] == "10.0.0.0/24;10.0.1.0/24;10.0.2.0/24;"
    assert values["heredoc_dir"] == "production"
    assert values["splat"] == ["i-1", "i-2"]
    assert values["for_map"] == {"LOGS": "public-read"}
    assert values["grouped"] == {"a": ["ab", "ac"], "b": ["bd"]}
    assert values["escaped"] == "${not_interpolated}"


def test_iam_policy_document_renders_its_json(functions_scan):
    policy = json.loads(by_address(functions_scan)["aws_s3_bucket_policy.logs"].attributes["policy"])
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::acme-data-prod-007", "arn:aws:s3:::acme-data-prod-007/*"],
                "Principal": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


@pytest.fixture(scope="module")
def instances_scan():
    return run_scan(EVAL / "instances", checks={"IG-AWS-001"})


def test_count_and_for_each_give_one_resource_per_instance(instances_scan):
    resources = by_address(instances_scan)
    assert resources["aws_instance.web[1]"].attributes["tags"] == {"Name": "web-1"}
    assert resources['aws_s3_bucket.by_map["logs"]'].attributes == {"bucket": "acme-logs", "acl": "public-read"}
    assert resources['aws_s3_bucket.by_map["assets"]'].attributes["acl"] == "private"
    assert {a for a in resources if a.startswith("aws_s3_bucket.by_set")} == {
        'aws_s3_bucket.by_set["eu-west-1"]',
        'aws_s3_bucket.by_set["us-east-1"]',
    }
    assert resources["aws_instance.web[0]"].location.start_line == 18
    findings = [(f.resource.address, f.location.start_line) for f in instances_scan.findings]
    assert findings == [('aws_s3_bucket.by_map["logs"]', 30)]


def test_unknown_count_keeps_one_resource_and_says_why(instances_scan):
    subnet = by_address(instances_scan)["aws_subnet.per_zone"]
    assert subnet.terraform.instances.startswith("unknown: data source aws_availability_zones.available")
    assert subnet.attributes["vpc_id"] == "vpc-0123456789abcdef0"
    assert isinstance(subnet.attributes["cidr_block"], Unknown)


def test_data_source_values_are_unknown_with_the_data_source_named(instances_scan):
    mirror = by_address(instances_scan)["aws_s3_bucket.mirror"]
    assert mirror.attributes["bucket"] == "shared-artifacts-mirror"  # configured argument of the data source
    assert [(u.resource.address, u.reason) for u in instances_scan.unknowns] == [
        ("aws_s3_bucket.mirror", "data source aws_s3_bucket.existing (acl)")
    ]


def test_references_link_concrete_instances(instances_scan):
    graph = instances_scan.graph
    resources = by_address(instances_scan)
    for key in ("logs", "assets"):
        pab = resources[f'aws_s3_bucket_public_access_block.by_map["{key}"]']
        assert graph.successors(pab, "references") == [resources[f'aws_s3_bucket.by_map["{key}"]']]
    single = resources["aws_s3_bucket_public_access_block.logs"]
    assert graph.successors(single, "references") == [resources['aws_s3_bucket.by_map["logs"]']]


def test_dynamic_blocks_expand_with_lines():
    group = by_address(run_scan(EVAL / "dynamic"))["aws_security_group.web"]
    assert group.attributes["ingress"] == [
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
        {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8", "192.168.0.0/16"]},
    ]
    assert [e["from_port"] for e in group.attributes["egress"]] == [443, 53]  # dynamic (iterator) then static
    assert group.attributes["egress"][0]["description"] == "https"
    assert group.line_of("ingress.1.cidr_blocks") == 22
    assert group.line_of("egress.1.cidr_blocks") == 42
    assert trace(group.provenance["ingress.0.cidr_blocks"]) == [
        ("main.tf", 17, "dynamic ingress of aws_security_group.web"),
        ("main.tf", 2, "variable default"),
    ]


@pytest.fixture(scope="module")
def modules_scan():
    return run_scan(EVAL / "modules", checks={"IG-AWS-001"})


def test_nested_local_modules_three_deep_with_for_each(modules_scan):
    resources = by_address(modules_scan)
    deep = resources['module.storage["eu"].module.access.module.policy.aws_s3_bucket_acl.deep']
    assert deep.attributes == {"bucket": "acme-eu-read", "acl": "public-read"}
    assert deep.location.file == "modules/storage/access/policy/main.tf"
    assert trace(deep.provenance["acl"]) == [
        ("modules/storage/access/main.tf", 7, 'module input module.storage["eu"].module.access.module.policy'),
        ("modules/storage/main.tf", 12, 'module input module.storage["eu"].module.access'),
        ("main.tf", 12, 'module input module.storage["eu"]'),
        ("main.tf", 10, "for_each of module.storage"),
        ("main.tf", 2, "local.environments"),
    ]
    assert resources['module.storage["us"].aws_s3_bucket.this'].attributes["acl"] == "private"
    assert resources["aws_s3_bucket_policy.eu"].attributes["policy"] == "ACME-EU-READ"  # output chain back up


def test_module_findings_point_into_the_module_with_the_callers_lines(modules_scan):
    found = sorted((f.resource.address, f.location.file, f.location.start_line) for f in modules_scan.findings)
    assert found == [
        ('module.storage["eu"].aws_s3_bucket.this', "modules/storage/main.tf", 17),
        (
            'module.storage["eu"].module.access.module.policy.aws_s3_bucket_acl.deep',
            "modules/storage/access/policy/main.tf",
            6,
        ),
    ]


def test_graph_edges_cross_module_boundaries(modules_scan):
    resources = by_address(modules_scan)
    pab = resources["module.pab.aws_s3_bucket_public_access_block.this"]
    assert modules_scan.graph.predecessors(resources["aws_s3_bucket.root"], "references") == [pab]
    policy = resources["aws_s3_bucket_policy.eu"]
    assert resources['module.storage["eu"].aws_s3_bucket.this'] in modules_scan.graph.successors(policy, "references")


def test_module_sources_outside_the_scan_or_remote_are_reported(modules_scan):
    errors = {(e.line, e.level, e.message) for e in modules_scan.errors}
    assert (24, "error", "module outside not scanned: ../../outside-the-scan escapes the scanned root") in errors
    assert (
        28,
        "info",
        "module registry not scanned: remote source terraform-aws-modules/s3-bucket/aws not initialised "
        "(run terraform init)",
    ) in errors


def test_remote_module_is_read_from_terraform_modules_manifest():
    result = run_scan(EVAL / "remote", checks={"IG-AWS-001"})
    bucket = by_address(result)["module.logs.aws_s3_bucket.this"]
    assert bucket.location.file == ".terraform/modules/logs/main.tf"
    assert [(f.resource.address, f.location.start_line, trace(f.trace)) for f in result.findings] == [
        ("module.logs.aws_s3_bucket.this", 12, [("main.tf", 5, "module input module.logs")])
    ]
    assert [(e.level, e.line) for e in result.errors] == [("info", 8)]


def test_module_cycle_is_an_error_and_does_not_hang():
    result = run_scan(EVAL / "cycle")
    assert [e.message for e in result.errors] == ["module cycle: a -> b -> a"]
    assert [r.address for r in result.resources] == ["module.b.aws_s3_bucket.in_cycle"]


def test_called_module_is_not_also_scanned_as_a_root():
    result = run_scan(EVAL / "examples", checks={"IG-AWS-001"})
    assert [(r.scope, r.address) for r in result.resources] == [
        ("examples/complete", "module.public.aws_s3_bucket.this")
    ]
    assert [(f.location.file, f.location.start_line) for f in result.findings] == [("module/main.tf", 8)]


def _payloads(directory: Path) -> tuple[list, list]:
    files, tfvars = [], []
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.suffix == ".tf" and ".terraform" not in rel:
            files.append(parse(path.read_text(), rel).payload)
        elif path.suffix == ".tfvars":
            tfvars.append(parse_tfvars(path.read_text(), rel).payload)
    return files, tfvars


def _summary(evaluation) -> list:
    return [(r.address, repr(r.attributes), sorted(r.references)) for r in evaluation.resources]


@pytest.mark.parametrize("case", ["modules", "locals_functions", "instances"])
def test_evaluation_does_not_depend_on_file_order(case):
    files, tfvars = _payloads(EVAL / case)
    expected = _summary(tf_eval.evaluate(files, tfvars, root=EVAL / case, environ={}))
    shuffled = list(reversed(files))
    random.Random(7).shuffle(shuffled)
    assert _summary(tf_eval.evaluate(shuffled, tfvars, root=EVAL / case, environ={})) == expected


def test_heredoc_json_policy_parses_intact():
    text = (
        'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{\n  "Statement": [{"Effect": "Allow",'
        ' "Action": "s3:*", "Resource": "*"}]\n}\nEOF\n}\n'
    )
    block = parse(text, "p.tf").payload.blocks[0]
    policy = block.attributes["policy"]
    assert policy.line == 2
    assert json.loads(policy.expr[1]) == {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def test_one_bad_expression_is_unknown_not_a_crash():
    """The failing attribute becomes Unknown with the reason; its siblings keep their values."""
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl = 1 / 0\n  tags = { a = lookup({}, "k") }\n}\n'
    evaluation = tf_eval.evaluate([parse(text, "main.tf").payload], [], environ={})
    attributes = evaluation.resources[0].attributes
    assert attributes["bucket"] == "x"
    assert "division by zero" in attributes["acl"].reason
    assert "lookup: no key 'k'" in attributes["tags"].reason


def test_count_unknown_counts_leaf_values():
    text = 'variable "v" {}\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl = var.v\n  tags = {a = 1}\n}\n'
    evaluation = tf_eval.evaluate([parse(text, "main.tf").payload], [], environ={})
    assert tf_eval.count_unknown(evaluation.resources) == (1, 3)


def test_environment_and_cli_strings_follow_the_declared_type():
    text = (
        'variable "ports" {\n  type = list(number)\n}\n'
        'variable "replicas" {\n  type = number\n}\n'
        'variable "public" {\n  type = bool\n}\n'
        'resource "aws_security_group_rule" "r" {\n'
        "  from_port = var.ports[0] + var.replicas\n"
        "  public    = var.public\n}\n"
    )
    evaluation = tf_eval.evaluate(
        [parse(text, "main.tf").payload],
        [],
        environ={"TF_VAR_ports": "[22, 443]", "TF_VAR_replicas": "2"},
        variables={"public": "false"},
    )
    assert evaluation.resources[0].attributes == {"from_port": 24, "public": False}


def test_null_argument_is_treated_as_unset():
    text = 'variable "acl" {\n  default = null\n}\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl = var.acl\n}\n'
    resource = tf_eval.evaluate([parse(text, "main.tf").payload], [], environ={}).resources[0]
    assert resource.attributes == {"bucket": "x"}
    assert resource.get("acl", "private") == "private"


def test_object_keys_have_their_own_lines():
    text = 'resource "aws_s3_bucket" "b" {\n  tags = {\n    Name = "x"\n    Env  = "prod"\n  }\n}\n'
    resource = tf_eval.evaluate([parse(text, "main.tf").payload], [], environ={}).resources[0]
    assert (resource.line_of("tags"), resource.line_of("tags.Name"), resource.line_of("tags.Env")) == (2, 3, 4)


def test_collection_of_unknown_count_instances_is_unknown_but_one_instance_is_checked():
    text = (
        'data "aws_availability_zones" "az" {}\n'
        'resource "aws_subnet" "s" {\n  count = length(data.aws_availability_zones.az.names)\n  vpc_id = "v"\n}\n'
        'resource "aws_route_table_association" "a" {\n'
        "  subnet_ids = aws_subnet.s[*].vpc_id\n  first = aws_subnet.s[0].vpc_id\n}\n"
    )
    resources = {r.address: r for r in tf_eval.evaluate([parse(text, "main.tf").payload], [], environ={}).resources}
    association = resources["aws_route_table_association.a"]
    assert association.attributes["first"] == "v"
    assert association.attributes["subnet_ids"].reason.startswith("instances of aws_subnet.s are unknown")
    assert association.references == [("subnet_ids", "aws_subnet.s"), ("first", "aws_subnet.s")]


@pytest.mark.parametrize(("length", "expected"), [(200, 200), (3000, None)])
def test_long_local_chains_evaluate_or_become_unknown(length, expected):
    chain = "\n".join(f"  l{i} = local.l{i + 1} + 1" for i in range(length))
    text = f'locals {{\n{chain}\n  l{length} = 0\n}}\nresource "a_b" "c" {{\n  v = local.l0\n}}\n'
    value = tf_eval.evaluate([parse(text, "main.tf").payload], [], environ={}).resources[0].attributes["v"]
    if expected is None:
        assert "too deeply nested" in value.reason
    else:
        assert value == expected


def test_provider_blocks_become_resources_with_evaluated_arguments_and_their_alias(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = var.region\n}\n\n'
        'provider "aws" {\n  alias      = "billing"\n  region     = "us-east-1"\n  access_key = var.key\n}\n\n'
        'variable "region" {\n  default = "eu-west-1"\n}\n\nvariable "key" {\n  type = string\n}\n'
    )
    providers = {r.address: r for r in run_scan(tmp_path).resources if r.type == "provider.aws"}
    assert sorted(providers) == ["provider.aws", "provider.aws.billing"]
    assert providers["provider.aws"].get("region") == "eu-west-1"
    assert providers["provider.aws.billing"].line_of("access_key") == 8
    assert isinstance(providers["provider.aws.billing"].attributes["access_key"], Unknown)
