"""azurerm provider versions: constraints reach each resource, and `~>` allows the majors Terraform would."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.azure_defaults import azurerm_major_versions, provider_default, terraform_specifiers
from scanner.records import Location, Resource, TerraformMeta, UnknownValue
from tests.conftest import run_scan


def _resource(constraint: str | None = None) -> Resource:
    versions = {"hashicorp/azurerm": constraint} if constraint else {}
    meta = TerraformMeta(provider_versions=versions)
    return Resource(
        "terraform", "azurerm_storage_account", "azurerm_storage_account.a", {}, Location("m.tf", 1), meta=meta
    )


@pytest.mark.parametrize(
    ("constraint", "majors"),
    [
        ("~> 3.0", {3}),
        ("~> 3", {3}),
        ("~> 3.110.0", {3}),
        ("~>4.1", {4}),
        (">= 3.0", {3, 4, 5}),
        (">= 3.71, < 5.0", {3, 4}),
        (">= 2.0, ~> 4.0", {4}),
        ("3.117.1", {3}),
        ("= 2.99.0", {2}),
        ("> 3.117.1, < 4.0.0", {3}),
        ("~> 3.0, ~> 4.0", set()),
    ],
)
def test_constraints_allow_the_majors_terraform_would_install(constraint: str, majors: set[int]) -> None:
    assert azurerm_major_versions(_resource(constraint)) == majors


def test_no_constraint_or_an_unreadable_one_means_any_version() -> None:
    assert azurerm_major_versions(_resource()) is None
    assert azurerm_major_versions(_resource("latest")) is None


def test_pessimistic_operator_keeps_the_minor_when_three_components_are_written() -> None:
    specifiers = terraform_specifiers("~> 3.1.0")
    assert "3.1.9" in specifiers and "3.2.0" not in specifiers


def test_a_default_is_known_only_when_every_allowed_major_agrees() -> None:
    defaults = {3: True, 4: True, 5: False}
    assert provider_default(_resource("~> 3.0"), "x", defaults) is True
    assert provider_default(_resource(">= 5.0"), "x", defaults) is False
    with pytest.raises(UnknownValue):
        provider_default(_resource(">= 4.0"), "x", defaults)
    with pytest.raises(UnknownValue):
        provider_default(_resource(), "x", defaults)
    with pytest.raises(UnknownValue):  # 2.x allowed, its default was not checked
        provider_default(_resource(">= 2.0, < 4.0"), "x", defaults)


def test_a_module_without_its_own_constraint_is_judged_by_its_callers(tmp_path: Path) -> None:
    (tmp_path / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n'
        '      version = "~> 4.0"\n    }\n  }\n}\n'
    )
    (tmp_path / "main.tf").write_text('module "data" {\n  source = "./modules/data"\n}\n')
    child = tmp_path / "modules" / "data"
    child.mkdir(parents=True)
    (child / "main.tf").write_text('resource "azurerm_storage_account" "logs" {\n  name = "acmelogs"\n}\n')
    logs = next(r for r in run_scan(tmp_path).resources if r.address == "module.data.azurerm_storage_account.logs")
    assert azurerm_major_versions(logs) == {4}
