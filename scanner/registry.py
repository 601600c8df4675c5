"""The check registry: a check is metadata plus one plain predicate, registered by decorator.

A resource check is `fn(resource) -> Fail | list[Fail] | None`; a graph check (`graph=True`) is
`fn(resource, graph) -> ...`. Returning None (or an empty list) means pass. Touching an unknown
value through `Resource.get` raises `UnknownValue`, which the engine records as "unknown".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from scanner.records import FRAMEWORKS, Resource, Severity


@dataclass(frozen=True)
class Fail:
    """A failed predicate: where (attribute path) and, for graph checks, the other resources."""

    attribute: str | None = None
    message: str | None = None
    related: tuple[Resource, ...] = ()
    severity: str | None = None  # overrides the check's severity when this instance is worse or milder


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    framework: str
    resource_types: tuple[str, ...]  # ("*",) = every type of the framework
    cwe: str
    description: str  # why it matters
    remediation: str  # how to fix
    fn: Callable[..., Any]
    graph: bool = False
    tags: tuple[str, ...] = ()
    precision: str = "high"
    example: str = ""  # a corrected snippet for the help text

    @property
    def all_tags(self) -> tuple[str, ...]:
        tags = [self.framework, "security", *self.tags]
        if self.cwe:
            tags.append(f"external/cwe/{self.cwe.lower()}")
        return tuple(dict.fromkeys(tags))


CHECKS: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    severity: str,
    framework: str,
    types: Iterable[str],
    cwe: str,
    description: str,
    remediation: str,
    graph: bool = False,
    tags: Iterable[str] = (),
    precision: str = "high",
    example: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as check `id`. IDs are stable forever; never reuse one."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"{id}: unknown framework {framework!r}")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if id in CHECKS:
            raise ValueError(f"duplicate check id {id}")
        CHECKS[id] = Check(
            id=id,
            title=title,
            severity=Severity(severity),
            framework=framework,
            resource_types=tuple(types),
            cwe=cwe,
            description=description.strip(),
            remediation=remediation.strip(),
            fn=fn,
            graph=graph,
            tags=tuple(tags),
            precision=precision,
            example=example.strip("\n"),
        )
        return fn

    return register


def load_builtin_checks() -> dict[str, Check]:
    """Import every module of the `checks` package so their decorators run (once)."""
    import checks

    for module in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"checks.{module.name}")
    return CHECKS


@dataclass
class Selection:
    """Which checks run: --check / --skip-check / --framework and the config file."""

    only: set[str] = field(default_factory=set)
    skip: set[str] = field(default_factory=set)
    frameworks: set[str] = field(default_factory=lambda: set(FRAMEWORKS))

    def select(self, checks: dict[str, Check]) -> list[Check]:
        chosen = [
            c
            for c in checks.values()
            if c.framework in self.frameworks and (not self.only or c.id in self.only) and c.id not in self.skip
        ]
        return sorted(chosen, key=lambda c: c.id)
