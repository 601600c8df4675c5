"""Terraform `references` edges between concrete resource instances of the same root module.

The evaluator resolves references through locals, module inputs/outputs and count/for_each to
instance addresses (`module.app.aws_s3_bucket.b[0]`); an address without an instance key
(`aws_s3_bucket.b` when it has count/for_each) links to every instance. A reference to anything
else (a data source, a resource that has no instance) is recorded as unresolved.

`resolve_values` is the other half of a via-attribute query: it reads the attribute's value, so
a value that no reference explains (a variable without a value, a literal id of a group created
elsewhere) makes the link unknown, and a literal name of a resource declared in the same root
module (`bucket = "acme-logs"`) links to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from scanner.graph.links import Unresolved, attribute_under
from scanner.records import TerraformMeta, Unknown, UnknownValue

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph
    from scanner.records import Resource

# attributes by which other resources name a resource: its id, ARN, name, bucket name
IDENTITY_ATTRIBUTES = ("id", "arn", "name", "bucket", "identifier", "cluster_identifier", "function_name")


def _base(address: str) -> str:
    """`module.a["x"].aws_s3_bucket.b[0]` -> `module.a["x"].aws_s3_bucket.b` (last index only)."""
    return address[: address.rindex("[")] if address.endswith("]") else address


def link(graph: ResourceGraph) -> None:
    exact: dict[tuple[str, str], Resource] = {}
    instances: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for resource in graph.resources(framework="terraform"):
        exact[(resource.scope, resource.address)] = resource
        instances[(resource.scope, _base(resource.address))].append(resource)
    for resource in graph.resources(framework="terraform"):
        for attribute, target_address in resource.references:
            key = (resource.scope, target_address)
            targets = [exact[key]] if key in exact else instances.get(key, [])
            for target in targets:
                if target is not resource:
                    graph.add_edge(resource, target, "references", attribute)
            if not targets:
                what = "a data source" if _is_data(target_address) else "not a resource of the scanned code"
                graph.add_unresolved(resource, Unresolved(attribute, f"{target_address} is {what}"))


_DATA_ADDRESS = re.compile(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*data\.")


def _is_data(address: str) -> bool:
    """`data.aws_vpc.main`, `module.net.data.aws_vpc.main` (a module named `data` is not one)."""
    return _DATA_ADDRESS.match(address) is not None


def identities(resource: Resource) -> set[str]:
    """The known names and ids a resource can be referred to by."""
    return {v for k in IDENTITY_ATTRIBUTES if isinstance(v := resource.attributes.get(k), str) and v}


def _own_values(resource: Resource) -> set[str]:
    """The resource's top-level string values: what a reference to one of its attributes evaluates to."""
    return {v for v in resource.attributes.values() if isinstance(v, str) and v}


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif not (value is None or value == "" or isinstance(value, bool | int | float)):
        yield path, value


def _names(reason: str, target: Resource) -> bool:
    """An Unknown's reason says it is an attribute of `target` (known only after apply)."""
    return reason.startswith((f"{target.address}.", f"instances of {target.address} "))


# literals that name something no Terraform configuration declares: endpoints, AWS managed policies
_NEVER_DECLARED = re.compile(r"^([a-z][a-z0-9+.-]*://|arn:aws[\w-]*:iam::aws:policy/)", re.I)


def resolve_values(
    graph: ResourceGraph, resource: Resource, attribute: str, type: str | None
) -> tuple[list[Resource], list[Unresolved]]:
    """Resources of `type` named by literal values of the attribute, and the values nothing explains."""
    value: Any
    try:
        value = resource.get(attribute)
    except UnknownValue as exc:  # the whole value: still explained when it is a referenced resource's id
        value = Unknown(exc.reason)
    referenced = [
        graph.graph.nodes[target]["resource"]
        for _, target, data in graph.graph.out_edges(resource.key, data=True)
        if attribute_under(data["attribute"], attribute)
    ]
    referenced = list({t.key: t for t in referenced}.values())
    mentioned: set[str] = set()
    unknown: list[tuple[str, Unknown]] = []
    literal: list[tuple[str, str]] = []
    for path, leaf in _leaves(value, attribute):
        if isinstance(leaf, Unknown):
            owner = next((t for t in referenced if _names(leaf.reason, t)), None)
            if owner is None:
                unknown.append((path, leaf))
            else:
                mentioned.add(owner.key)
        elif isinstance(leaf, str) and not _NEVER_DECLARED.match(leaf):
            # the value of a reference (`aws_x.y.domain_name`) is one of the referenced resource's own values
            owner = next((t for t in referenced if leaf in identities(t) or leaf in _own_values(t)), None)
            if owner is None:
                literal.append((path, leaf))
            else:
                mentioned.add(owner.key)
    # a plan marks values "known after apply" without naming the resource (HCL's unknowns name it):
    # there, a reference nothing else explains accounts for one of them
    in_plan = isinstance(resource.meta, TerraformMeta) and resource.meta.plan is not None
    spare = sum(1 for t in referenced if t.key not in mentioned) if in_plan else 0
    unresolved = [Unresolved(path, leaf.reason) for path, leaf in unknown[spare:]]
    found: list[Resource] = []
    candidates = graph.same_scope(resource, type) if type else []
    for path, name in literal:
        named = [c for c in candidates if c is not resource and name in identities(c)]
        if named:
            found += named
        else:
            reason = f"{name!r} is not declared in the scanned files"
            unresolved.append(Unresolved(path, reason, anything=False, value=name))
    return found, unresolved
