"""YAML checks: the format's operators and quantifiers, three-valued evaluation, where findings point,
and file errors that name the file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from scanner.compliance import COMPLIANCE_FRAMEWORKS
from scanner.records import Location, Resource, Unknown, UnknownValue
from scanner.registry import Check, Fail, Selection, load_builtin_checks
from scanner.scan import ScanOptions, scan
from scanner.yamlcheck import SCHEMA_FILE, CheckFileError, load_yaml_checks

HEADER = """\
id: ACME-{n:03d}
title: A test check
severity: medium
framework: {framework}
resource_types: [{types}]
cwe: CWE-693
description: Why it matters.
remediation: How to fix it.
"""


def compile_check(tmp_path: Path, body: str, framework: str = "terraform", types: str = "aws_s3_bucket") -> Check:
    path = tmp_path / "check.yaml"
    path.write_text(HEADER.format(n=1, framework=framework, types=types) + textwrap.dedent(body), encoding="utf-8")
    (chk,) = load_yaml_checks(path).values()
    return chk


def bucket(attributes: dict, lines: dict[str, int] | None = None) -> Resource:
    return Resource(
        framework="terraform",
        type="aws_s3_bucket",
        address="aws_s3_bucket.logs",
        attributes=attributes,
        location=Location("main.tf", 1, 20),
        attribute_lines=lines or {},
    )


def verdict(chk: Check, resource: Resource, graph=None) -> str:
    """pass / fail / unknown, as the engine records it."""
    try:
        result = chk.fn(resource, graph) if chk.graph else chk.fn(resource)
    except UnknownValue:
        return "unknown"
    return "fail" if result else "pass"


def error_of(tmp_path: Path, text: str, name: str = "broken.yaml") -> CheckFileError:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(CheckFileError) as caught:
        load_yaml_checks(path)
    return caught.value


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("equals: aws:kms", "aws:kms", "pass"),
        ("equals: aws:kms", "AES256", "fail"),
        ("equals: 443", "443", "pass"),  # a Terraform string stands for a number
        ("equals: true", "true", "pass"),  # ... and for a boolean
        ("equals: true", 1, "fail"),  # but a number never stands for a boolean
        ("not_equals: public-read", "private", "pass"),
        ("in: [private, log-delivery-write]", "public-read", "fail"),
        ("not_in: [public-read, public-read-write]", "private", "pass"),
        ("exists: true", None, "fail"),
        ("absent: true", None, "pass"),
        ("is_true: true", "true", "pass"),  # Terraform accepts "true" strings
        ("is_false: false", False, "fail"),
        ("contains: TLSv1.2", ["TLSv1.2", "TLSv1.3"], "pass"),
        ("not_contains: '*'", ["s3:GetObject", "*"], "fail"),
        ("regex: '^arn:aws:kms:'", "arn:aws:kms:eu-west-1:111122223333:key/abc", "pass"),
        ("greater_or_equal: 90", 30, "fail"),
        ("less_than: 1024", "443", "pass"),
        ("min_length: 1", [], "fail"),
        ("max_length: 2", ["a", "b", "c"], "fail"),
        ("length_equals: 0", None, "pass"),
        ("world_open: false", ["10.0.0.0/8", "0.0.0.0/0"], "fail"),
        ("world_open: false", ["10.0.0.0/8", "::/0"], "fail"),
        ("cidr_contains: 10.1.2.3", ["10.0.0.0/8"], "pass"),
        ("cidr_contains: 192.168.0.0/16", ["10.0.0.0/8"], "fail"),
    ],
)
def test_each_operator_judges_a_known_value(tmp_path: Path, condition: str, value, expected: str) -> None:
    chk = compile_check(tmp_path, f"condition:\n  attribute: setting\n  {condition}\n")
    assert verdict(chk, bucket({"setting": value} if value is not None else {})) == expected


def test_default_stands_for_an_absent_attribute(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path, "condition: {attribute: key_usage, equals: ENCRYPT_DECRYPT, default: ENCRYPT_DECRYPT}"
    )
    assert verdict(chk, bucket({})) == "pass"
    assert verdict(chk, bucket({"key_usage": "SIGN_VERIFY"})) == "fail"


def test_an_unknown_value_makes_the_check_unknown_never_pass_or_fail(tmp_path: Path) -> None:
    equals = compile_check(tmp_path, "condition: {attribute: acl, equals: private}")
    assert verdict(equals, bucket({"acl": Unknown("variable acl has no value")})) == "unknown"
    negated = compile_check(tmp_path, "condition: {not: {attribute: acl, equals: public-read}}")
    assert verdict(negated, bucket({"acl": Unknown("variable acl has no value")})) == "unknown"


def test_an_unknown_list_element_is_unknown_only_when_no_known_element_decides(tmp_path: Path) -> None:
    chk = compile_check(tmp_path, "condition: {attribute: cidr_blocks, world_open: false}")
    assert verdict(chk, bucket({"cidr_blocks": ["0.0.0.0/0", Unknown("var.office")]})) == "fail"
    assert verdict(chk, bucket({"cidr_blocks": ["10.0.0.0/8", Unknown("var.office")]})) == "unknown"


def test_all_is_false_when_one_part_is_false_even_if_another_is_unknown(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        condition:
          all:
            - {attribute: versioning, is_true: true}
            - {attribute: acl, equals: private}
        """,
    )
    assert verdict(chk, bucket({"versioning": Unknown("var.v"), "acl": "public-read"})) == "fail"
    assert verdict(chk, bucket({"versioning": Unknown("var.v"), "acl": "private"})) == "unknown"


def test_any_is_true_when_one_part_is_true_even_if_another_is_unknown(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        condition:
          any:
            - {attribute: kms_key_id, exists: true}
            - {attribute: sse_algorithm, equals: aws:kms}
        """,
    )
    assert verdict(chk, bucket({"kms_key_id": Unknown("aws_kms_key.a.arn"), "sse_algorithm": "aws:kms"})) == "pass"
    assert verdict(chk, bucket({"kms_key_id": Unknown("aws_kms_key.a.arn"), "sse_algorithm": "AES256"})) == "unknown"


def test_when_limits_the_resources_a_check_judges(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        when: {attribute: key_spec, equals: SYMMETRIC_DEFAULT, default: SYMMETRIC_DEFAULT}
        condition: {attribute: enable_key_rotation, is_true: true}
        """,
    )
    assert verdict(chk, bucket({"key_spec": "RSA_2048"})) == "pass"
    assert verdict(chk, bucket({})) == "fail"
    assert verdict(chk, bucket({"key_spec": Unknown("var.spec")})) == "unknown"


def test_the_finding_points_at_the_attribute_that_decided(tmp_path: Path) -> None:
    chk = compile_check(tmp_path, "message: bucket ACL is public\ncondition: {attribute: acl, equals: private}\n")
    (fail,) = chk.fn(bucket({"acl": "public-read"}, {"acl": 4}))
    assert fail == Fail("acl", "bucket ACL is public")


def test_a_missing_setting_points_at_its_closest_written_parent_or_the_resource(tmp_path: Path) -> None:
    chk = compile_check(tmp_path, "condition: {attribute: tags.owner, exists: true}")
    assert chk.fn(bucket({"tags": {"team": "data"}}, {"tags": 5, "tags.team": 6})) == [Fail("tags", "A test check")]
    assert chk.fn(bucket({})) == [Fail(None, "A test check")]


def test_a_condition_message_names_the_part_that_failed(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        condition:
          all:
            - {attribute: block_public_acls, is_true: true, message: public ACLs are not blocked}
            - {attribute: block_public_policy, is_true: true, message: public policies are not blocked}
        """,
    )
    fails = chk.fn(bucket({"block_public_acls": False, "block_public_policy": False}))
    assert [f.message for f in fails] == ["public ACLs are not blocked", "public policies are not blocked"]


def security_group(ingress: list, dynamic: list | None = None) -> Resource:
    attributes = {"ingress": ingress, **({"dynamic": dynamic} if dynamic else {})}
    lines = {f"ingress.{i}": 10 + 8 * i for i in range(len(ingress))}
    lines |= {f"ingress.{i}.cidr_blocks": 14 + 8 * i for i in range(len(ingress))}
    return Resource(
        "terraform",
        "aws_security_group",
        "aws_security_group.web",
        attributes,
        Location("sg.tf", 9, 40),
        attribute_lines=lines,
    )


def test_for_each_block_reports_every_failing_block_at_its_own_line(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        condition:
          for_each: ingress
          all: {attribute: cidr_blocks, world_open: false}
        """,
        types="aws_security_group",
    )
    group = security_group([{"cidr_blocks": ["0.0.0.0/0"]}, {"cidr_blocks": ["10.0.0.0/8"]}, {"cidr_blocks": ["::/0"]}])
    assert [f.attribute for f in chk.fn(group)] == ["ingress.0.cidr_blocks", "ingress.2.cidr_blocks"]


def test_for_each_none_and_any_quantify_over_blocks(tmp_path: Path) -> None:
    none = compile_check(tmp_path, "condition: {for_each: ingress, none: {attribute: from_port, equals: 22}}")
    some = compile_check(tmp_path, "condition: {for_each: ingress, any: {attribute: description, exists: true}}")
    group = security_group([{"from_port": 443}, {"from_port": 22}])
    assert verdict(none, group) == "fail" and none.fn(group)[0].attribute == "ingress.1.from_port"
    assert verdict(some, group) == "fail"
    assert verdict(some, security_group([{"description": "https"}])) == "pass"


def test_an_unexpanded_dynamic_block_leaves_a_quantifier_unknown_unless_a_static_block_decides(
    tmp_path: Path,
) -> None:
    chk = compile_check(tmp_path, "condition: {for_each: ingress, all: {attribute: cidr_blocks, world_open: false}}")
    hidden = [{"ingress": {"for_each": "${var.rules}"}}]
    assert verdict(chk, security_group([{"cidr_blocks": ["10.0.0.0/8"]}], hidden)) == "unknown"
    assert verdict(chk, security_group([{"cidr_blocks": ["0.0.0.0/0"]}], hidden)) == "fail"


def deployment(containers: list[dict], init: list[dict] | None = None, pod: dict | None = None) -> Resource:
    spec = {"containers": containers, **({"initContainers": init} if init else {}), **(pod or {})}
    return Resource(
        "kubernetes",
        "Deployment",
        "Deployment/shop/web",
        {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": spec}}},
        Location("web.yaml", 1, 40),
        attribute_lines={
            "spec.template.spec.containers.0": 20,
            "spec.template.spec.initContainers.0": 12,
            "spec.template.spec.initContainers.0.securityContext.privileged": 15,
        },
    )


def test_for_each_containers_walks_init_and_regular_containers_of_any_workload(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        condition:
          for_each: containers
          all: {attribute: securityContext.privileged, is_true: false}
        """,
        framework="kubernetes",
        types="Deployment",
    )
    web = {"name": "web", "image": "shop/web:1.4"}
    migrate = {"name": "migrate", "image": "shop/migrate:1.4", "securityContext": {"privileged": True}}
    (fail,) = chk.fn(deployment([web], init=[migrate]))
    assert fail.attribute == "spec.template.spec.initContainers.0.securityContext.privileged"
    assert fail.message == "A test check"
    assert verdict(chk, deployment([web])) == "pass"


def test_a_missing_container_setting_points_at_the_container_and_names_it(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        "message: '{container} has no memory limit'\n"
        "condition: {for_each: containers, all: {attribute: resources.limits.memory, exists: true}}",
        framework="kubernetes",
        types="Deployment",
    )
    (fail,) = chk.fn(deployment([{"name": "web", "image": "shop/web:1.4"}]))
    assert fail == Fail("spec.template.spec.containers.0", "container 'web' has no memory limit")


def test_for_each_pod_spec_reads_the_pod_spec_of_every_workload_kind(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        "condition: {for_each: pod_spec, all: {attribute: hostNetwork, not_equals: true}}",
        framework="kubernetes",
        types="Deployment",
    )
    (fail,) = chk.fn(deployment([{"name": "web"}], pod={"hostNetwork": True}))
    assert fail.attribute == "spec.template.spec.hostNetwork"


MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: "shop/web:1.4"}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: TYPE
  selector: {app: web}
  ports: [{port: 443, targetPort: 8443}]
"""


@pytest.mark.parametrize(("service_type", "expected"), [("LoadBalancer", 1), ("ClusterIP", 0)])
def test_connected_finds_a_related_resource_that_satisfies_a_condition(
    tmp_path: Path, service_type: str, expected: int
) -> None:
    chk = compile_check(
        tmp_path,
        """
        message: workload is exposed through a load balancer
        condition:
          not:
            connected:
              via: spec.selector
              direction: incoming
              types: [Service]
              kind: selects
              where: {attribute: spec.type, equals: LoadBalancer}
        """,
        framework="kubernetes",
        types="Deployment",
    )
    assert chk.graph
    (tmp_path / "iac").mkdir()
    (tmp_path / "iac" / "web.yaml").write_text(MANIFESTS.replace("TYPE", service_type), encoding="utf-8")
    options = ScanOptions(paths=[tmp_path / "iac"], selection=Selection(only={chk.id}, custom={chk.id: chk}), workers=1)
    result = scan(options)
    assert len(result.findings) == expected
    if expected:
        assert [r.note for r in result.findings[0].related] == ["Service/shop/web"]
        assert result.findings[0].location.start_line == 1
    else:
        assert result.passed == 1


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("id: ACME-001\ntitle: a: b\nseverity: low\n", 2, "invalid YAML"),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition:\n  attribute: acl\n  equal: private\n",
            11,
            "unknown operator 'equal'",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "severty: high\ncondition: {attribute: acl, equals: private}\n",
            9,
            "unknown field 'severty'",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition:\n  all:\n    - {attribute: acl, equals: private}\n    - {atribute: acl, exists: true}\n",
            12,
            "unknown condition",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition:\n  attribute: name\n  regex: '(unclosed'\n",
            11,
            "valid regular expression",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition:\n  attribute: cidr\n  cidr_contains: 10.0.0.0/33\n",
            11,
            "an IP address or CIDR block",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket").replace(
                "severity: medium", "severity: urgent"
            )
            + "condition: {attribute: acl, equals: private}\n",
            3,
            "invalid severity",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "compliance: {cis-aws-3.0: [3.10]}\ncondition: {attribute: acl, equals: private}\n",
            9,
            "quote 3.1",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket").replace("ACME-001", "IG-AWS-900")
            + "condition: {attribute: acl, equals: private}\n",
            1,
            "built-in IG- namespace",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition: {attribute: acl, equals: private}\n---\n"
            + HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition: {attribute: acl, exists: true}\n",
            11,
            "duplicate check id ACME-001",
        ),
        (
            HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
            + "condition: {for_each: containers, all: {attribute: image, exists: true}}\n",
            9,
            "for Kubernetes checks",
        ),
    ],
)
def test_a_broken_check_file_names_the_file_line_and_problem(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    error = error_of(tmp_path, text)
    assert error.file.endswith("broken.yaml")
    assert error.line == line, error
    assert problem in error.problem, error


def test_a_custom_check_cannot_reuse_a_built_in_id_in_another_namespace_either(tmp_path: Path) -> None:
    text = HEADER.format(n=1, framework="terraform", types="aws_s3_bucket").replace("ACME-001", "ig-aws-001")
    error = error_of(tmp_path, text + "condition: {attribute: acl, equals: private}\n")
    assert "IG- namespace" in error.problem


def test_every_built_in_yaml_check_validates_against_the_published_schema() -> None:
    from ruamel.yaml import YAML

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    files = sorted((Path(__file__).resolve().parent.parent / "checks").glob("*.yaml"))
    assert files
    for path in files:
        for document in YAML(typ="safe").load_all(path.read_text(encoding="utf-8")):
            assert not list(jsonschema.Draft202012Validator(schema).iter_errors(document)), path


def test_the_schema_names_exactly_the_registry_compliance_frameworks() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["compliance"]["propertyNames"]["enum"]) == set(COMPLIANCE_FRAMEWORKS)


def test_plain_condition_built_in_checks_are_written_in_yaml() -> None:
    checks = load_builtin_checks()
    for check_id in ("IG-AWS-010", "IG-AWS-011", "IG-AWS-012", "IG-AWS-013", "IG-GCP-007", "IG-K8S-004"):
        assert checks[check_id].source.endswith(".yaml"), check_id


DOCKERFILE = """\
FROM python:3.12-slim
RUN pip install --no-cache-dir gunicorn==22.0.0
EXPOSE 8080
EXPOSE 22 2222
USER app
CMD ["gunicorn", "app:wsgi"]
"""


def test_a_dockerfile_check_quantifies_over_instructions_and_reports_the_instruction_once(tmp_path: Path) -> None:
    chk = compile_check(
        tmp_path,
        """
        message: the image exposes SSH
        condition:
          for_each: instructions
          none:
            all:
              - {attribute: cmd, equals: EXPOSE}
              - {attribute: value, contains: "22"}
        """,
        framework="dockerfile",
        types="stage",
    )
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    options = ScanOptions(paths=[tmp_path / "app"], selection=Selection(only={chk.id}, custom={chk.id: chk}), workers=1)
    result = scan(options)
    assert [(f.location.start_line, f.message) for f in result.findings] == [(4, "the image exposes SSH")]


def test_a_yaml_finding_traces_its_value_to_where_it_was_set(tmp_path: Path) -> None:
    chk = compile_check(tmp_path, "condition: {attribute: acl, not_in: [public-read, public-read-write]}")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        'variable "acl" {\n  default = "public-read"\n}\n\n'
        'resource "aws_s3_bucket" "site" {\n  bucket = "acme-site"\n  acl    = var.acl\n}\n',
        encoding="utf-8",
    )
    options = ScanOptions(
        paths=[tmp_path / "infra"], selection=Selection(only={chk.id}, custom={chk.id: chk}), workers=1
    )
    (finding,) = scan(options).findings
    assert finding.location.start_line == 7
    assert [(t.file, t.start_line) for t in finding.trace] == [("main.tf", 2)]


@pytest.mark.parametrize(
    "condition",
    [
        "{attribute: acl, equal: private}",  # unknown operator
        "{attribute: acl, equals: private, exists: true}",  # two operators
        "{atribute: acl, exists: true}",  # unknown condition
        "{for_each: ingress, every: {attribute: cidr_blocks, world_open: false}}",  # unknown quantifier
        "{connected: {via: roleRef, kind: points_to}}",  # unknown edge kind
        "{connected: {via: bucket, direction: incoming}}",  # incoming without the types that link here
        "{attribute: acl, in: private}",  # in takes a list
    ],
)
def test_what_the_loader_rejects_an_editor_using_the_schema_flags_too(tmp_path: Path, condition: str) -> None:
    from ruamel.yaml import YAML

    text = HEADER.format(n=1, framework="terraform", types="aws_s3_bucket") + f"condition: {condition}\n"
    error_of(tmp_path, text)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(YAML(typ="safe").load(text)))


def test_the_schema_names_exactly_the_operators_the_loader_knows() -> None:
    from scanner.yamlcheck import ATTRIBUTE_KEYS, OPERATORS

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["attribute"]["properties"]) - ATTRIBUTE_KEYS == set(OPERATORS)


def test_built_in_yaml_workload_checks_cover_every_workload_kind_of_the_container_walk() -> None:
    from scanner.kube import WORKLOAD_KINDS

    checks = load_builtin_checks()
    for check_id in ("IG-K8S-001", "IG-K8S-004"):
        assert checks[check_id].resource_types == WORKLOAD_KINDS, check_id


def test_aliases_are_refused_so_a_small_file_cannot_expand_into_a_huge_one(tmp_path: Path) -> None:
    text = HEADER.format(n=1, framework="terraform", types="aws_s3_bucket")
    text += "condition:\n  any: &parts\n    - {attribute: acl, equals: private}\n  all: *parts\n"
    error = error_of(tmp_path, text)
    assert (error.line, "anchors and aliases") == (12, error.problem[: len("anchors and aliases")])


def test_conditions_nested_without_bound_are_an_error_not_a_crash(tmp_path: Path) -> None:
    condition = "{not: " * 200 + "{attribute: acl, equals: private}" + "}" * 200
    error = error_of(
        tmp_path, HEADER.format(n=1, framework="terraform", types="aws_s3_bucket") + f"condition: {condition}\n"
    )
    assert "nested" in error.problem


ENCRYPTED_VOLUME = """\
variable "key_arn" {
  type = string
}

resource "aws_kms_key" "data" {
  description         = "volume keys"
  enable_key_rotation = ROTATION
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 100
  encrypted         = true
  kms_key_id        = KEY
}
"""


@pytest.mark.parametrize(
    ("rotation", "key", "expected"),
    [
        ("true", "aws_kms_key.data.arn", "pass"),
        ("false", "aws_kms_key.data.arn", "fail"),
        ("true", "var.key_arn", "unknown"),  # which key is unknown: never a pass or a failure
        ("true", '"arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c"', "unknown"),  # a key not in this code
    ],
)
def test_an_outgoing_connection_is_three_valued(tmp_path: Path, rotation: str, key: str, expected: str) -> None:
    chk = compile_check(
        tmp_path,
        """
        message: volume key does not rotate
        condition:
          connected:
            via: kms_key_id
            types: [aws_kms_key]
            where: {attribute: enable_key_rotation, is_true: true}
        """,
        types="aws_ebs_volume",
    )
    (tmp_path / "infra").mkdir()
    text = ENCRYPTED_VOLUME.replace("ROTATION", rotation).replace("KEY", key)
    (tmp_path / "infra" / "main.tf").write_text(text, encoding="utf-8")
    options = ScanOptions(
        paths=[tmp_path / "infra"], selection=Selection(only={chk.id}, custom={chk.id: chk}), workers=1
    )
    result = scan(options)
    outcome = "fail" if result.findings else "unknown" if result.unknowns else "pass"
    assert outcome == expected, (result.findings, result.unknowns)
    if expected == "fail":
        assert result.findings[0].location.start_line == 14  # the kms_key_id line


def test_the_fast_loader_of_built_in_files_reads_what_the_careful_one_reads() -> None:
    from scanner.yamlcheck import _documents, _fast_documents, _plain

    for path in sorted((Path(__file__).resolve().parent.parent / "checks").glob("*.yaml")):
        fast = list(_fast_documents(path, path.name))
        careful = [_plain(d) for d in _documents(path, path.name)]
        assert fast == careful, path


def test_a_broken_built_in_file_still_names_its_line_and_registers_nothing(tmp_path: Path) -> None:
    path = tmp_path / "terraform_test.yaml"
    text = HEADER.format(n=1, framework="terraform", types="aws_s3_bucket").replace("ACME-001", "IG-TST-901")
    path.write_text(text + "condition:\n  attribute: acl\n  equal: private\n", encoding="utf-8")
    with pytest.raises(CheckFileError) as caught:
        load_yaml_checks(path, builtin=True)
    assert (caught.value.line, "unknown operator 'equal'" in caught.value.problem) == (11, True)
    assert "IG-TST-901" not in load_builtin_checks()
