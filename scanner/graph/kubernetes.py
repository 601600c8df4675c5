"""Kubernetes edges: selects, binds, uses, routes, isolates."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph


def link(graph: ResourceGraph) -> None:
    return None
