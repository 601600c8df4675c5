"""The check registry: a check is metadata plus one plain predicate, registered by decorator.

A resource check is `fn(resource) -> Fail | list[Fail] | None`; a graph check (`graph=True`) is
`fn(resource, graph) -> ...`. Returning None (or an empty list) means pass. Touching an unknown
value through `Resource.get` raises `UnknownValue`, which the engine records as "unknown".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.compliance import COMPLIANCE_FRAMEWORKS
from scanner.fix.spec import FixSpec, InsertInstruction, RewriteInstruction, SetValue
from scanner.records import FRAMEWORKS, Resource, Severity


class CheckDefinitionError(ValueError):
    """A check's metadata is wrong (unknown framework or compliance framework, a duplicate id)."""


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
    # controls the check gives evidence for, by compliance framework: {"cis-aws-3.0": ("3.5",)}
    compliance: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    source: str = ""  # file that defines the check (`checks/kubernetes.py`, a custom check's path)
    fix: FixSpec | None = None  # what `iacgate fix` may change to clear a finding (scanner/fix/spec.py)

    @property
    def all_tags(self) -> tuple[str, ...]:
        tags = [self.framework, "security", *self.tags]
        if self.cwe:
            tags.append(f"external/cwe/{self.cwe.lower()}")
        return tuple(dict.fromkeys(tags))


CHECKS: dict[str, Check] = {}
# Where `@check` registers: the built-in registry, or the collection a custom check file is loaded into.
_TARGETS: list[dict[str, Check]] = [CHECKS]


@contextmanager
def collecting() -> Iterator[dict[str, Check]]:
    """Register the checks that `@check` sees inside the block into a fresh dict, not the built-ins."""
    found: dict[str, Check] = {}
    _TARGETS.append(found)
    try:
        yield found
    finally:
        _TARGETS.pop()


def source_name(path: str) -> str:
    """A built-in check's file relative to the project (`checks/kubernetes.py`); other files as given."""
    file = Path(path).resolve()
    project = Path(__file__).resolve().parent.parent
    return file.relative_to(project).as_posix() if file.is_relative_to(project) else str(path)


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
    compliance: Mapping[str, Iterable[str]] | None = None,
    source: str | None = None,
    fix: FixSpec | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as check `id`. IDs are stable forever; never reuse one.

    `compliance` names the controls the check evidences, per framework (see `COMPLIANCE_FRAMEWORKS`).
    `fix` declares the safe value `iacgate fix` may write (scanner/fix/spec.py).
    """
    if framework not in FRAMEWORKS:
        raise CheckDefinitionError(f"{id}: unknown framework {framework!r}")
    unknown = set(compliance or {}) - set(COMPLIANCE_FRAMEWORKS)
    if unknown:
        names, known = ", ".join(sorted(unknown)), ", ".join(COMPLIANCE_FRAMEWORKS)
        raise CheckDefinitionError(f"{id}: unknown compliance framework(s) {names} (known: {known})")
    if isinstance(fix, RewriteInstruction | InsertInstruction) and framework != "dockerfile":
        raise CheckDefinitionError(f"{id}: {type(fix).__name__} fixes only Dockerfile checks")
    if isinstance(fix, SetValue) and (framework == "dockerfile" or not all(_plain_value(v) for _, v in fix.settings)):
        raise CheckDefinitionError(f"{id}: SetValue sets a scalar or a list of scalars on Terraform or Kubernetes")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        target = _TARGETS[-1]
        if id in target or id in CHECKS:
            raise CheckDefinitionError(f"duplicate check id {id}")
        target[id] = Check(
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
            compliance={name: tuple(controls) for name, controls in sorted((compliance or {}).items())},
            source=source or source_name(fn.__code__.co_filename),
            fix=fix,
        )
        return fn

    return register


def _plain_value(value: Any) -> bool:
    scalars = (bool, int, float, str)
    return isinstance(value, scalars) or (isinstance(value, list) and all(isinstance(v, scalars) for v in value))


def load_builtin_checks() -> dict[str, Check]:
    """Import every module of the `checks` package so their decorators run, and compile the package's
    YAML checks (`checks/*.yaml`), once."""
    global _builtins_loaded
    if not _builtins_loaded:
        import checks
        from scanner.yamlcheck import load_yaml_checks

        for module in pkgutil.iter_modules(checks.__path__):
            importlib.import_module(f"checks.{module.name}")
        for path in sorted(Path(checks.__path__[0]).glob("*.yaml")):
            load_yaml_checks(path, builtin=True)
        _builtins_loaded = True
    return CHECKS


_builtins_loaded = False


@dataclass
class Selection:
    """Which checks run: --check / --skip-check / --framework and the config file."""

    only: set[str] = field(default_factory=set)
    skip: set[str] = field(default_factory=set)
    frameworks: set[str] = field(default_factory=lambda: set(FRAMEWORKS))
    custom: dict[str, Check] = field(default_factory=dict)  # the user's checks (--checks-dir, custom-checks)
    compliance: str | None = None  # --compliance: only checks that evidence a control of this framework

    def select(self, checks: dict[str, Check]) -> list[Check]:
        chosen = [
            c
            for c in checks.values()
            if c.framework in self.frameworks
            and (not self.only or c.id in self.only)
            and c.id not in self.skip
            and (self.compliance is None or self.compliance in c.compliance)
        ]
        return sorted(chosen, key=lambda c: c.id)
