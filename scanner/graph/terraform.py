"""Terraform `references` edges between concrete resource instances of the same root module.

The evaluator resolves references through locals, module inputs/outputs and count/for_each to
instance addresses (`module.app.aws_s3_bucket.b[0]`); an address without an instance key
(`aws_s3_bucket.b` when it has count/for_each) links to every instance.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph
    from scanner.records import Resource


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
