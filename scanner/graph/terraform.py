"""Terraform `references` edges: an attribute that refers to another resource instance."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph


def link(graph: ResourceGraph) -> None:
    by_scope: dict[tuple[str, str], object] = {}
    for resource in graph.resources(framework="terraform"):
        by_scope[(resource.scope, resource.address)] = resource
        base = resource.address.split("[", 1)[0] if resource.address.endswith("]") else None
        if base:
            by_scope.setdefault((resource.scope, base), resource)
    for resource in graph.resources(framework="terraform"):
        for attribute, target_address in resource.references:
            target = by_scope.get((resource.scope, target_address))
            if target is not None:
                graph.add_edge(resource, target, "references", attribute)  # type: ignore[arg-type]
