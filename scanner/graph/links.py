"""The records of a via-attribute graph query (see `ResourceGraph.linked_via`): what a link
resolved to, and the parts of it that could not be resolved."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.records import Resource, UnknownValue


@dataclass(frozen=True)
class Unresolved:
    """Part of an attribute that links to something the graph cannot resolve.

    `anything`: it may be any resource of the right type (an unknown value, a data source, a
    selector that cannot be evaluated); otherwise it names something that is not in the scanned
    files (`value`, a literal id or name), and only a resource known by that name could be it."""

    path: str
    reason: str
    anything: bool = True
    value: object = None


@dataclass(frozen=True)
class Links:
    """What one attribute links to: the resolved resources, and the parts that could not be resolved."""

    targets: list[Resource]
    unresolved: tuple[Unresolved, ...] = ()

    @property
    def unknown(self) -> UnknownValue | None:
        first = self.unresolved[0] if self.unresolved else None
        return UnknownValue(first.path, first.reason) if first else None

    def resolve(self) -> list[Resource]:
        """The targets when every part of the link is resolved; raises UnknownValue otherwise."""
        if self.unresolved:
            raise UnknownValue(self.unresolved[0].path, self.unresolved[0].reason)
        return self.targets


def attribute_under(attribute: str | None, path: str) -> bool:
    """`attribute` is `path` or a path inside it (`ingress.0.cidr_blocks` is under `ingress`)."""
    return attribute is not None and (attribute == path or attribute.startswith(f"{path}."))
