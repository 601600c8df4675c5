"""Stage 4: one networkx graph of every resource; edges carry a kind.

Edge kinds: references (Terraform), selects, binds, uses, routes, isolates (Kubernetes),
runs (Kubernetes container image -> Dockerfile stage that builds it), from (a Dockerfile stage ->
the final stage of another Dockerfile of the repository that builds its base image). Checks ask questions
through `ResourceGraph`; they never re-parse attributes to find relationships.

Links are three-valued. A missing edge can mean "no link" or "a link the scan cannot follow" (a
security group list from a variable without a value, a data source, a role the scanned files do not
declare), so checks ask `linked_via` / `linked_from`, which raise `UnknownValue` in the second case
instead of answering "nothing is linked". The edge builders record what they could not follow
(`add_unresolved`); Terraform attributes are also read through `Resource.get`, so an unknown value
is an unknown link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from scanner.graph.links import Links, Unresolved, attribute_under
from scanner.records import KubernetesMeta, Resource, ScanError, UnknownValue, excerpt

__all__ = ["EDGE_KINDS", "Links", "ResourceGraph", "Unresolved", "attribute_under", "build_graph"]

EDGE_KINDS = ("references", "selects", "binds", "uses", "routes", "isolates", "runs", "from")


class ResourceGraph:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self.errors: list[ScanError] = []  # resources an edge builder could not read (see `linking`)
        self._by_type: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self._unresolved: dict[str, list[Unresolved]] = defaultdict(list)  # resource key -> what it could not link
        self._links: dict[tuple[str, str, str | None], Links] = {}
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

    def linking(self, resource: Resource, link: Callable[..., Any], *args: Any) -> None:
        """Run an edge builder on one resource; an attribute of a shape it does not expect (a hostile
        `rules: 1`) is an error naming the resource's file and line, and the other resources are linked."""
        try:
            link(*args)
        except Exception as exc:
            where = resource.location
            message = f"cannot link {resource.address}: {excerpt(f'{type(exc).__name__}: {exc}')}"
            self.errors.append(ScanError(where.file, where.start_line, message))

    def add_edge(self, source: Resource, target: Resource, kind: str, attribute: str | None = None) -> None:
        if kind not in EDGE_KINDS:
            raise ValueError(f"unknown edge kind {kind}")
        if source.key == target.key:
            return
        self.graph.add_edge(source.key, target.key, key=(kind, attribute), kind=kind, attribute=attribute)

    def add_unresolved(self, source: Resource, unresolved: Unresolved) -> None:
        """Record a link of `source` the edge builder could not follow (see `linked_via`)."""
        self._unresolved[source.key].append(unresolved)

    def unresolved(self, resource: Resource) -> list[Unresolved]:
        return self._unresolved.get(resource.key, [])

    def links(self, resource: Resource, attribute: str, type: str | None = None) -> Links:
        """What `resource` links to through `attribute` (or a path under it), resolved or not."""
        key = (resource.key, attribute, type)
        found = self._links.get(key)
        if found is None:
            found = self._links[key] = self._compute_links(resource, attribute, type)
        return found

    def linked_via(self, resource: Resource, attribute: str, type: str | None = None) -> list[Resource]:
        """Resources (of `type`) that `resource` links to through `attribute`, e.g. an instance's
        `vpc_security_group_ids` or a binding's `roleRef`.

        Raises UnknownValue when the attribute is unknown or part of it cannot be resolved: "which
        groups are attached" is then unknown, not "none"."""
        return self.links(resource, attribute, type).resolve()

    def linked_from(self, resource: Resource, type: str, attribute: str) -> list[Resource]:
        """Resources of `type` linking to `resource` through their `attribute`, e.g. the public access
        blocks whose `bucket` is this bucket.

        Raises UnknownValue when no resource is linked but one of that type in the same scope
        (Terraform root module, Kubernetes namespace) has an unresolved link there that could be
        `resource`. A literal name or id is compared with the resource's own (`bucket = "acme-logs"`)."""
        linked: dict[str, Resource] = {}
        unknown: UnknownValue | None = None
        for other in self.same_scope(resource, type):
            if resource.same(other):
                continue
            link = self.links(other, attribute, resource.type)
            if any(resource.same(t) for t in link.targets):
                linked[other.key] = other
                continue
            for part in link.unresolved:
                if not part.anything:
                    continue  # a name the scan does not know is not this resource: that is resolved by name
                unknown = unknown or UnknownValue(
                    part.path, f"{other.address}.{part.path} could be {resource.address}: {part.reason}"
                )
        if linked or unknown is None:
            return [linked[k] for k in sorted(linked)]
        raise unknown

    def same_scope(self, resource: Resource, type: str) -> list[Resource]:
        """Resources of `type` that could link to `resource`: its Terraform root module, its Kubernetes namespace."""
        candidates = self._by_type.get((resource.framework, type), [])
        if isinstance(resource.meta, KubernetesMeta):
            namespace = resource.meta.namespace
            return [c for c in candidates if not isinstance(c.meta, KubernetesMeta) or c.meta.namespace == namespace]
        return [c for c in candidates if c.scope == resource.scope]

    def _compute_links(self, resource: Resource, attribute: str, type: str | None) -> Links:
        targets: dict[str, Resource] = {}
        for _, target_key, data in self.graph.out_edges(resource.key, data=True):
            if attribute_under(data["attribute"], attribute):
                target = self.graph.nodes[target_key]["resource"]
                if type is None or target.type == type:
                    targets[target.key] = target
        unresolved = [u for u in self.unresolved(resource) if attribute_under(u.path, attribute)]
        if resource.framework == "terraform":
            from scanner.graph import terraform

            found, unresolved_values = terraform.resolve_values(self, resource, attribute, type)
            targets.update((t.key, t) for t in found)
            unresolved += unresolved_values
        return Links([targets[k] for k in sorted(targets)], tuple(unresolved))

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
