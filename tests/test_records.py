"""Records between stages: typed framework metadata, and stages that build new records instead of
editing the ones an earlier stage made."""

from __future__ import annotations

import dataclasses

import pytest

import scanner.filter as filtering
from scanner.config import PathOverride
from scanner.plan import PlanOptions, run_plan
from scanner.records import KubernetesMeta, Location, Resource, Severity
from scanner.registry import Selection
from tests.conftest import FIXTURES, run_scan


def test_terraform_resources_carry_the_provider_constraints_of_their_module_else_of_their_callers():
    resources = {r.address: r for r in run_scan(FIXTURES / "terraform-eval" / "provider-versions").resources}
    root = resources["azurerm_resource_group.shop"].terraform
    assert dict(root.provider_versions) == {"hashicorp/azurerm": "~> 3.110", "hashicorp/random": ">= 3.5"}
    child = resources["module.network.azurerm_virtual_network.main"].terraform
    assert child.module == "module.network"
    assert dict(child.provider_versions) == {
        "hashicorp/azurerm": ">= 2.99",  # the module's own constraint wins
        "hashicorp/azuread": ">= 2.40",  # the legacy string form names a hashicorp provider
        "hashicorp/random": ">= 3.5",  # not declared by the module: the root's
    }


def test_metadata_accessors_refuse_another_frameworks_resource():
    service = Resource("kubernetes", "Service", "Service/shop/web", {}, Location("shop/web.yaml", 1))
    assert service.kubernetes == KubernetesMeta()
    with pytest.raises(TypeError):
        _ = service.terraform


def test_plan_gating_with_all_resources_leaves_the_parsed_records_alone(monkeypatch):
    plan = FIXTURES / "plans" / "constructed-s3-acl-gating" / "tfplan.json"
    seen: list[Resource] = []
    import scanner.plan as plan_module

    parse = plan_module.parse_bytes

    def spy(*args, **kwargs):
        parsed = parse(*args, **kwargs)
        seen.extend(parsed.resources)
        return parsed

    monkeypatch.setattr(plan_module, "parse_bytes", spy)
    run = run_plan(PlanOptions(plan, all_resources=True, selection=Selection(only={"IG-AWS-001"})))
    unchanged = [r for r in seen if r.terraform.plan and r.terraform.plan.actions == ("no-op",)]
    assert unchanged and all(not r.terraform.gated for r in unchanged)  # as parsed: not gated
    judged = {r.address: r for r in run.result.resources}
    assert all(judged[r.address].terraform.gated for r in unchanged if r.terraform.plan.mode == "managed")


def test_filter_marks_its_own_copies_and_leaves_the_findings_it_was_given_alone():
    result = run_scan(FIXTURES / "example", checks={"IG-AWS-001"})
    assert result.findings and {f.severity for f in result.findings} != {Severity.LOW}
    given = [dataclasses.replace(f, fingerprint="") for f in result.findings]
    before = [dataclasses.replace(f) for f in given]
    options = filtering.FilterOptions(
        per_path=[PathOverride(paths=["**"], severity_overrides={"IG-AWS-001": Severity.LOW})]
    )
    filtered = filtering.apply(dataclasses.replace(result, findings=given), options)
    assert {f.severity for f in filtered.findings} == {Severity.LOW}
    assert all(f.fingerprint for f in filtered.findings)
    assert given == before  # severity and fingerprint of the given findings untouched
