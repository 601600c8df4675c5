"""Stage 4: one networkx graph of every resource; edges carry a kind.

Edge kinds: references (Terraform), selects, binds, uses, routes, isolates (Kubernetes),
runs (Kubernetes container image -> Dockerfile stage that builds it), from (a Dockerfile stage ->
the final stage of another Dockerfile of the repository that builds its base image). Checks ask questions
through `ResourceGraph`; they never re-parse attributes to find relationships.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from scanner.records import Resource

EDGE_KINDS = ("references", "selects", "binds", "uses", "routes", "isolates", "runs", "from")


class ResourceGraph:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.graph = nx.MultiDiGraph()
        self._by_type: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for resource in resources:
            key = resource.key
            if key in self.graph:
                continue  # the same object declared twice: the first one wins (reported by its file)
            self.graph.add_node(key, resource=resource)
            self._by_type[(resource.framework, resource.type)].append(resource)

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    def resources(self, framework: str | None = None, type: str | None = None) -> list[Resource]:
        if framework and type:
            return list(self._by_type.get((framework, type), []))
        return [
            r
            for (fw, ty), items in sorted(self._by_type.items())
            if (framework is None or fw == framework) and (type is None or ty == type)
            for r in items
        ]

    def get(self, key: str) -> Resource | None:
        data = self.graph.nodes.get(key)
        return data["resource"] if data else None

    def add_edge(self, source: Resource, target: Resource, kind: str, attribute: str | None = None) -> None:
        if kind not in EDGE_KINDS:
            raise ValueError(f"unknown edge kind {kind}")
        if source.key == target.key:
            return
        self.graph.add_edge(source.key, target.key, key=(kind, attribute), kind=kind, attribute=attribute)

    def successors(self, resource: Resource, kind: str | None = None, type: str | None = None) -> list[Resource]:
        """Resources this one points at (it references / selects / binds / uses / routes to)."""
        return self._walk(self.graph.out_edges(resource.key, data=True), 1, kind, type)

    def predecessors(self, resource: Resource, kind: str | None = None, type: str | None = None) -> list[Resource]:
        """Resources pointing at this one (referrers, Services selecting it, bindings...)."""
        return self._walk(self.graph.in_edges(resource.key, data=True), 0, kind, type)

    def edge_attributes(self, source: Resource, target: Resource, kind: str) -> list[str | None]:
        data = self.graph.get_edge_data(source.key, target.key) or {}
        return sorted((d["attribute"] for d in data.values() if d["kind"] == kind), key=lambda a: a or "")

    def _walk(self, edges, end: int, kind: str | None, type: str | None) -> list[Resource]:
        seen: dict[str, Resource] = {}
        for edge in edges:
            data = edge[2]
            if kind and data["kind"] != kind:
                continue
            node = self.graph.nodes[edge[end]]["resource"]
            if type and node.type != type:
                continue
            seen.setdefault(node.key, node)
        return [seen[k] for k in sorted(seen)]


def build_graph(resources: list[Resource]) -> ResourceGraph:
    """Add every resource, then let each framework's edge builder link them."""
    from scanner.graph import images, kubernetes, terraform

    graph = ResourceGraph(resources)
    terraform.link(graph)
    kubernetes.link(graph)
    images.link(graph)
    images.link_bases(graph)
    return graph
