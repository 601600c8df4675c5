"""`runs` edges: a Kubernetes container image built by a Dockerfile in the scanned repository."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph


def link(graph: ResourceGraph) -> None:
    return None
