"""Which azurerm provider versions a resource's configuration allows, and the defaults that depend on it.

An omitted argument takes the provider's default, and some defaults changed between major versions
(`allow_nested_items_to_be_public` was true in 3.x and 4.x and is false from 5.0). Terraform installs
one version meeting every `required_providers` constraint of the configuration, so a check judges an
omitted argument by the default of every major the constraints allow, and answers unknown when they
disagree or when nothing constrains the version (a lock file or an old install may pin any release).
"""

from __future__ import annotations

import re
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from scanner.records import Resource, UnknownValue

# Released azurerm majors as of the provider snapshot read for these checks (5.2.0, August 2026).
AZURERM_MAJORS = (1, 2, 3, 4, 5)
_CONSTRAINT = re.compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*v?(\d+(?:\.\d+){0,2})\s*$")


def terraform_specifiers(constraint: str) -> SpecifierSet:
    """A Terraform version constraint ("~> 3.0, != 3.5.0") as a PEP 440 SpecifierSet.

    `~>` lets only the rightmost written component grow: "~> 3" and "~> 3.1" mean >= that, < 4;
    "~> 3.1.0" means >= 3.1.0, < 3.2. A bare version or "=" is an exact match. Raises ValueError
    on anything else (pre-release constraints included: they select no ordinary release)."""
    parts: list[str] = []
    for item in constraint.split(","):
        match = _CONSTRAINT.match(item)
        if match is None:
            raise ValueError(f"not a version constraint: {item.strip()!r}")
        operator, version = match.group(1) or "=", match.group(2)
        if operator == "~>":
            numbers = [int(n) for n in version.split(".")]
            upper = [numbers[0] + 1] if len(numbers) <= 2 else [numbers[0], numbers[1] + 1]
            parts += [f">={version}", f"<{'.'.join(map(str, upper))}"]
        else:
            parts.append(f"{'==' if operator == '=' else operator}{version}")
    return SpecifierSet(",".join(parts))


def _allows_major(specifiers: SpecifierSet, major: int) -> bool:
    """Some release of `major` meets every specifier: try its ends and each bound written in that major."""
    candidates = [Version(f"{major}.0.0"), Version(f"{major}.99999.99999")]
    for spec in specifiers:
        bound = Version(spec.version)
        if bound.major == major:
            minor, micro = (bound.release + (0, 0))[1:3]
            candidates += [bound, Version(f"{major}.{minor}.{micro + 1}"), Version(f"{major}.{minor + 1}.0")]
    return any(specifiers.contains(v) for v in candidates)


def azurerm_major_versions(resource: Resource) -> set[int] | None:
    """The azurerm majors the module's `required_providers` constraint allows.

    None when nothing constrains the version or the constraint cannot be read. The constraint is the
    resource's module's own, else its nearest caller's (`TerraformMeta.provider_versions`); Terraform
    intersects every module's, so this may allow more majors than the install can have, never fewer."""
    constraint = resource.terraform.provider_versions.get("hashicorp/azurerm")
    if not constraint:
        return None
    try:
        specifiers = terraform_specifiers(constraint)
        return {major for major in AZURERM_MAJORS if _allows_major(specifiers, major)}
    except (ValueError, InvalidSpecifier, InvalidVersion):
        return None


def _describe(majors: set[int] | None) -> str:
    if majors is None:
        return "the azurerm provider version is not constrained"
    if not majors:
        return "the azurerm version constraints allow no release"
    return "the azurerm version constraints allow " + ", ".join(f"{m}.x" for m in sorted(majors))


def provider_default(resource: Resource, path: str, defaults: dict[int, Any]) -> Any:
    """The default of the omitted argument `path` under the azurerm versions the configuration allows.

    `defaults` maps each major to its documented default (a major left out was not checked). Raises
    UnknownValue when the allowed majors disagree, include one left out, or are not constrained."""
    majors = azurerm_major_versions(resource)
    allowed = set(AZURERM_MAJORS) if majors is None else majors
    values = {repr(defaults[m]) for m in allowed if m in defaults}
    if allowed and allowed <= set(defaults) and len(values) == 1:
        return defaults[next(iter(allowed))]
    raise UnknownValue(path, f"{path} is not set and its default depends on the provider version: {_describe(majors)}")


def value_or_default(resource: Resource, path: str, defaults: dict[int, Any]) -> Any:
    """The value written at `path`, or, when it is not set, its default under the allowed azurerm versions."""
    value = resource.get(path)
    return provider_default(resource, path, defaults) if value is None else value
