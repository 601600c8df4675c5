"""YAML checks: a check that is a condition on attributes, written as data instead of Python.

A YAML file holds one check per document (`---` between several). Each is compiled into an
ordinary registry `Check` whose function evaluates the condition tree three-valued (true, false,
unknown) over `Resource.get`, so the engine, suppressions and reports treat it exactly like a
Python check. The format is described in CONTRIBUTING.md and by `schemas/check.schema.json`.

Every problem in a file (bad YAML, an unknown field or operator, a bad regex or CIDR, a duplicate
id) is a `CheckFileError` naming the file and the line, never a check that silently does nothing.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from checks._helpers import block_paths, dynamic_blocks, is_false, is_true, is_world_cidr, written
from scanner.fix.spec import SetValue
from scanner.graph import EDGE_KINDS, ResourceGraph
from scanner.kube import containers, pod_spec
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import CHECKS, Check, CheckDefinitionError, Fail, check, collecting

SCHEMA_FILE = Path(__file__).parent / "schemas" / "check.schema.json"
BUILTIN_PREFIX = "IG-"
# A check file may come from the scanned repository (`custom-checks` in its configuration): bounded.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40  # nested conditions; real checks use fewer than 6
_MISSING = object()


class CheckFileError(Exception):
    """A check file that cannot be used: its path, the line (1-based, None if unknown) and the problem."""

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}" if line else f"{file}: {problem}")
        self.file, self.line, self.problem = file, line, problem


# Operators -----------------------------------------------------------------------------------------
# Each takes the attribute's value (None when absent) and the operand, and answers True or False; an
# Unknown element that could change the answer raises `_Undecided`.


class _Undecided(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _known(value: Any) -> Any:
    """`value` if nothing inside it is unknown; raises `_Undecided` otherwise."""
    if isinstance(value, Unknown):
        raise _Undecided(value.reason)
    if isinstance(value, list):
        for item in value:
            _known(item)
    elif isinstance(value, dict):
        for item in value.values():
            _known(item)
    return value


def _same(value: Any, wanted: Any) -> bool:
    """Equality that lets a string stand for a number or a boolean, as Terraform does ("80" == 80,
    "true" == true), but never a number for a boolean (1 is not true)."""
    for a, b in ((value, wanted), (wanted, value)):
        if isinstance(a, str) and isinstance(b, bool):
            return a == _text(b)
        if isinstance(a, str) and isinstance(b, int | float):
            return _number(a) == b
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    return bool(value == wanted)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _elements(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _some(value: Any, test: Callable[[Any], bool]) -> bool:
    """Some element (a scalar is one) passes `test`; undecided when none does but one is unknown."""
    if isinstance(value, Unknown):
        raise _Undecided(value.reason)
    items = _elements(value)
    if any(test(item) for item in items if not isinstance(item, Unknown)):
        return True
    unknown = next((item for item in items if isinstance(item, Unknown)), None)
    if unknown is not None:
        raise _Undecided(unknown.reason)
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _compare(test: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, operand: Any) -> bool:
        number = _number(_known(value))
        return number is not None and test(number, float(operand))

    return compare


def _length(value: Any) -> int:
    value = _known(value)
    return len(value) if isinstance(value, str | list | dict) else 0


def _contains(value: Any, operand: Any) -> bool:
    if isinstance(value, Unknown):
        raise _Undecided(value.reason)
    if isinstance(value, str):
        return str(operand) in value
    if isinstance(value, dict):
        return str(operand) in value
    return _some(value, lambda item: _same(item, operand))


def _network(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _cidr_contains(value: Any, operand: str) -> bool:
    wanted = ipaddress.ip_network(operand, strict=False)

    def holds(item: Any) -> bool:
        network = _network(item)
        return network is not None and network.version == wanted.version and wanted.subnet_of(network)  # type: ignore[arg-type]

    return _some(value, holds)


def _flag(test: Callable[[Any], bool]) -> Callable[[Any, Any], bool]:
    """A unary operator (`exists: true`); `false` as its operand asks for the opposite."""
    return lambda value, operand: test(value) == bool(operand)


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda value, operand: _same(_known(value), operand),
    "not_equals": lambda value, operand: not _same(_known(value), operand),
    "in": lambda value, operand: all(any(_same(v, o) for o in operand) for v in _elements(_known(value))),
    "not_in": lambda value, operand: not any(_same(v, o) for v in _elements(_known(value)) for o in operand),
    "exists": _flag(lambda value: value is not None),
    "absent": _flag(lambda value: value is None),
    "is_true": _flag(lambda value: is_true(_known(value))),
    "is_false": _flag(lambda value: is_false(_known(value))),
    "contains": _contains,
    "not_contains": lambda value, operand: not _contains(value, operand),
    "regex": lambda value, operand: _some(
        value, lambda item: isinstance(item, str | int | float) and operand.search(_text(item)) is not None
    ),
    "greater_than": _compare(lambda a, b: a > b),
    "greater_or_equal": _compare(lambda a, b: a >= b),
    "less_than": _compare(lambda a, b: a < b),
    "less_or_equal": _compare(lambda a, b: a <= b),
    "length_equals": lambda value, operand: _length(value) == operand,
    "min_length": lambda value, operand: _length(value) >= operand,
    "max_length": lambda value, operand: _length(value) <= operand,
    "world_open": _flag(lambda value: _some(value, is_world_cidr)),
    "cidr_contains": _cidr_contains,
}
UNARY = {"exists", "absent", "is_true", "is_false", "world_open"}
ATTRIBUTE_KEYS = {"attribute", "default", "message"}
QUANTIFIERS = ("any", "all", "none")
CONTAINERS, POD_SPEC = "containers", "pod_spec"  # `for_each` targets of Kubernetes checks


# Evaluation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blame:
    """An attribute that decided a result: where a finding points, and what it says."""

    path: str | None  # absolute attribute path; None: the resource itself
    fallback: str | None  # where to point when `path` is not written (the enclosing block or container)
    message: str | None = None
    related: tuple[Resource, ...] = ()
    container: str | None = None  # the container's label, for `{container}` in messages


@dataclass(frozen=True)
class Outcome:
    value: bool | None  # None: unknown
    blame: tuple[Blame, ...] = ()  # for False, what made it false; for True, what made it true (for `not`)
    unknown: UnknownValue | None = None


@dataclass(frozen=True)
class Scope:
    """The resource being judged, and the block or container a condition's paths are relative to."""

    resource: Resource
    graph: ResourceGraph | None
    base: str = ""
    fallback: str | None = None
    container: str | None = None  # label of the container being judged (`for_each: containers`)

    def path(self, relative: str) -> str:
        return f"{self.base}.{relative}" if self.base else relative


def _undecided(path: str, reason: str) -> Outcome:
    return Outcome(None, unknown=UnknownValue(path, reason))


@dataclass(frozen=True)
class Attribute:
    path: str
    operator: str
    operand: Any
    default: Any = _MISSING
    message: str | None = None

    def evaluate(self, scope: Scope) -> Outcome:
        path = scope.path(self.path)
        try:
            value = scope.resource.get(path)
        except UnknownValue as exc:
            return Outcome(None, unknown=exc)
        if value is None and self.default is not _MISSING:
            value = self.default
        try:
            result = OPERATORS[self.operator](value, self.operand)
        except _Undecided as exc:
            return _undecided(path, exc.reason)
        return Outcome(result, (Blame(path, scope.fallback, self.message, container=scope.container),))


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]

    def evaluate(self, scope: Scope) -> Outcome:
        return _all([c.evaluate(scope) for c in self.conditions])


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def evaluate(self, scope: Scope) -> Outcome:
        return _any([c.evaluate(scope) for c in self.conditions], ())


@dataclass(frozen=True)
class Not:
    condition: Condition

    def evaluate(self, scope: Scope) -> Outcome:
        inner = self.condition.evaluate(scope)
        return inner if inner.value is None else Outcome(not inner.value, inner.blame)


def _all(outcomes: list[Outcome], unknown: UnknownValue | None = None) -> Outcome:
    """Three-valued AND: false as soon as one is false, even when another is unknown."""
    false = [o for o in outcomes if o.value is False]
    if false:
        return Outcome(False, tuple(b for o in false for b in o.blame))
    unknown = unknown or next((o.unknown for o in outcomes if o.value is None), None)
    if unknown is not None:
        return Outcome(None, unknown=unknown)
    return Outcome(True, tuple(b for o in outcomes for b in o.blame))


def _any(outcomes: list[Outcome], empty: tuple[Blame, ...], unknown: UnknownValue | None = None) -> Outcome:
    """Three-valued OR: true as soon as one is true, even when another is unknown. A false OR blames
    its first condition (or `empty` when there is none): one finding, not one per alternative."""
    true = [o for o in outcomes if o.value is True]
    if true:
        return Outcome(True, tuple(b for o in true for b in o.blame))
    unknown = unknown or next((o.unknown for o in outcomes if o.value is None), None)
    if unknown is not None:
        return Outcome(None, unknown=unknown)
    return Outcome(False, outcomes[0].blame if outcomes else empty)


@dataclass(frozen=True)
class ForEach:
    """`any` / `all` / `none` of the nested blocks at a path, of a workload's containers or its pod spec."""

    target: str
    quantifier: str
    condition: Condition

    def scopes(self, scope: Scope) -> tuple[list[Scope], UnknownValue | None, str | None]:
        """The element scopes, an unknown that hides more elements (a `dynamic` block), and the path
        a finding points at when no element qualifies."""
        resource = scope.resource
        if self.target == CONTAINERS and resource.framework == "kubernetes":
            found = [Scope(resource, scope.graph, c.path, c.path, c.label) for c in containers(resource)]
            return found, None, None
        if self.target == POD_SPEC and resource.framework == "kubernetes":
            spec = pod_spec(resource)
            return ([Scope(resource, scope.graph, spec[0], spec[0])] if spec else []), None, None
        path = scope.path(self.target)
        paths = block_paths(resource, path)
        parent, _, name = path.rpartition(".")
        hidden = UnknownValue(path, f"dynamic {name} block") if name in dynamic_blocks(resource, parent) else None
        return [Scope(resource, scope.graph, p, p) for p in paths], hidden, path

    def evaluate(self, scope: Scope) -> Outcome:
        try:
            items, hidden, path = self.scopes(scope)
        except UnknownValue as exc:
            return Outcome(None, unknown=exc)
        outcomes = [self.condition.evaluate(item) for item in items]
        if self.quantifier == "all":
            return _all(outcomes, hidden)
        empty = (Blame(path, scope.fallback, container=scope.container),)
        found = _any(outcomes, empty, hidden)
        if self.quantifier == "any":
            return found
        return found if found.value is None else Outcome(not found.value, found.blame)


@dataclass(frozen=True)
class Connected:
    """Some resource of `types` linked to this one through the attribute `via` satisfies `where`.

    `outgoing`: this resource's `via` links to the other (an instance's `vpc_security_group_ids`);
    `incoming`: the other's `via` links to this one (a public access block's `bucket`, a Service's
    `spec.selector`). `kind` keeps only edges of that kind. A link the graph cannot follow (a value
    from a variable without a value, a data source, a selector it cannot evaluate) makes the answer
    unknown unless a resolved link already decides it.
    """

    via: str
    direction: str
    types: tuple[str, ...]
    kind: str | None
    where: Condition | None

    def evaluate(self, scope: Scope) -> Outcome:
        resource, graph = scope.resource, scope.graph
        if graph is None:
            return _undecided(self.via, "no resource graph")
        via = scope.path(self.via) if self.direction == "outgoing" else self.via
        outcomes = [self._judge(scope, other, via, maybe) for other, maybe in self._neighbours(resource, graph, via)]
        return _any(outcomes, (Blame(via if self.direction == "outgoing" else None, scope.fallback),))

    def _neighbours(self, resource: Resource, graph: ResourceGraph, via: str) -> list[tuple[Resource | str, bool]]:
        """(resource, linked only maybe) pairs; a link to nothing known is its unresolved reason."""
        found: list[tuple[Resource | str, bool]] = []
        if self.direction == "outgoing":
            for type_ in self.types or (None,):
                links = graph.links(resource, via, type_)
                found += [(t, False) for t in links.targets if self._kind(graph, resource, t)]
                found += [(f"{u.path}: {u.reason}", True) for u in links.unresolved]
            return found
        for type_ in self.types:
            for other in graph.same_scope(resource, type_):
                if resource.same(other):
                    continue
                links = graph.links(other, via, resource.type)
                if any(resource.same(t) for t in links.targets):
                    if self._kind(graph, other, resource):
                        found.append((other, False))
                elif any(u.anything for u in links.unresolved):
                    found.append((other, True))
        return found

    def _kind(self, graph: ResourceGraph, source: Resource, target: Resource) -> bool:
        return self.kind is None or bool(graph.edge_attributes(source, target, self.kind))

    def _judge(self, scope: Scope, other: Resource | str, via: str, maybe: bool) -> Outcome:
        if isinstance(other, str):  # an outgoing link the graph cannot follow: any resource could be there
            return _undecided(via, f"link not followed ({other})")
        inner = Outcome(True) if self.where is None else self.where.evaluate(Scope(other, scope.graph))
        attribute = via if self.direction == "outgoing" else None
        blame = (Blame(attribute, scope.fallback, None, (other,), scope.container),)
        if inner.value is False:
            return Outcome(False, blame)
        if inner.unknown is not None:
            reason = f"{other.address} {inner.unknown.path}: {inner.unknown.reason}"
        elif maybe:
            reason = f"{other.address} may link here through {via}, a link that cannot be followed"
        else:
            return Outcome(True, blame)
        return _undecided(attribute or "", reason)


Condition = Attribute | AllOf | AnyOf | Not | ForEach | Connected


# Compiling: YAML node -> condition, with the line of every problem ------------------------------------


class _Compiler:
    def __init__(self, file: str, framework: str) -> None:
        self.file, self.framework = file, framework
        self.graph = False
        self.depth = 0

    def error(self, node: Any, problem: str, key: Any = None) -> CheckFileError:
        return CheckFileError(self.file, _line(node, key), problem)

    def condition(self, node: Any, where: str) -> Condition:
        self.depth += 1
        try:
            return self._condition(node, where)
        finally:
            self.depth -= 1

    def _condition(self, node: Any, where: str) -> Condition:
        if self.depth > MAX_DEPTH:
            raise self.error(node, f"conditions nested more than {MAX_DEPTH} deep")
        if not isinstance(node, dict) or not node:
            raise self.error(node, f"{where} must be a mapping with one condition")
        keys = set(node)
        if "attribute" in keys:
            return self.attribute(node)
        if "for_each" in keys:
            return self.for_each(node)
        if "connected" in keys:
            return self.connected(node)
        logical = keys & {"all", "any", "not"}
        if len(keys) != 1 or not logical:
            known = "attribute, all, any, not, for_each or connected"
            extra = sorted(str(k) for k in keys - {"all", "any", "not"}) or sorted(map(str, keys))
            raise self.error(node, f"unknown condition {extra[0]!r} in {where} (expected {known})", extra[0])
        (key,) = logical
        value = node[key]
        if key == "not":
            return Not(self.condition(value, "not"))
        if not isinstance(value, list) or not value:
            raise self.error(node, f"{key} takes a non-empty list of conditions", key)
        parts = tuple(self.condition(item, key) for item in value)
        return AllOf(parts) if key == "all" else AnyOf(parts)

    def attribute(self, node: dict[str, Any]) -> Attribute:
        path = node["attribute"]
        if not isinstance(path, str) or not path.strip() or path.startswith(".") or ".." in path:
            raise self.error(node, f"attribute must be a dotted path such as a.0.b, not {path!r}", "attribute")
        operators = [k for k in node if k not in ATTRIBUTE_KEYS]
        if len(operators) != 1:
            for key in operators:
                if key not in OPERATORS:
                    known = ", ".join(OPERATORS)
                    raise self.error(node, f"unknown operator {key!r} (known: {known})", key)
            problem = "no operator" if not operators else f"several operators ({', '.join(map(str, operators))})"
            raise self.error(node, f"{problem} for attribute {path!r}: give exactly one")
        (operator,) = operators
        if operator not in OPERATORS:
            raise self.error(node, f"unknown operator {operator!r} (known: {', '.join(OPERATORS)})", operator)
        operand = self.operand(node, operator, _plain(node[operator]))
        message = node.get("message")
        if message is not None and not isinstance(message, str):
            raise self.error(node, "message must be a string", "message")
        default = _plain(node["default"]) if "default" in node else _MISSING
        return Attribute(str(path), operator, operand, default, message)

    def operand(self, node: dict[str, Any], operator: str, operand: Any) -> Any:
        def bad(expected: str) -> CheckFileError:
            return self.error(node, f"{operator} takes {expected}, not {operand!r}", operator)

        if operator in UNARY:
            if not isinstance(operand, bool):
                raise bad("true or false")
        elif operator in ("in", "not_in"):
            if not isinstance(operand, list):
                raise bad("a list of values")
        elif operator == "regex":
            if not isinstance(operand, str):
                raise bad("a regular expression")
            try:
                return re.compile(operand)
            except re.error as exc:
                raise bad(f"a valid regular expression ({exc})") from None
        elif operator in ("greater_than", "greater_or_equal", "less_than", "less_or_equal"):
            if isinstance(operand, bool) or not isinstance(operand, int | float):
                raise bad("a number")
        elif operator in ("length_equals", "min_length", "max_length"):
            if isinstance(operand, bool) or not isinstance(operand, int) or operand < 0:
                raise bad("a count (0 or more)")
        elif operator == "cidr_contains":
            if _network(operand) is None:
                raise bad("an IP address or CIDR block")
        elif isinstance(operand, dict | list) and operator in ("contains", "not_contains"):
            raise bad("a single value")
        return operand

    def for_each(self, node: dict[str, Any]) -> ForEach:
        target = node["for_each"]
        if not isinstance(target, str) or not target.strip():
            raise self.error(node, "for_each takes a path of nested blocks, containers or pod_spec", "for_each")
        if target in (CONTAINERS, POD_SPEC) and self.framework != "kubernetes":
            raise self.error(node, f"for_each: {target} is for Kubernetes checks", "for_each")
        extra = sorted(str(k) for k in node if k not in ("for_each", *QUANTIFIERS))
        if extra:
            raise self.error(node, f"unknown key {extra[0]!r} in for_each (expected any, all or none)", extra[0])
        chosen = [q for q in QUANTIFIERS if q in node]
        if len(chosen) != 1:
            raise self.error(node, "for_each needs exactly one of any, all or none")
        (quantifier,) = chosen
        return ForEach(target, quantifier, self.condition(node[quantifier], f"for_each {quantifier}"))

    def connected(self, node: dict[str, Any]) -> Connected:
        if set(node) != {"connected"}:
            extra = sorted(str(k) for k in node if k != "connected")
            raise self.error(node, f"unknown key {extra[0]!r} next to connected", extra[0])
        spec = node["connected"]
        if not isinstance(spec, dict):
            raise self.error(node, "connected takes a mapping (via, direction, types, kind, where)", "connected")
        extra = sorted(str(k) for k in spec if k not in ("via", "direction", "types", "kind", "where"))
        if extra:
            raise self.error(spec, f"unknown key {extra[0]!r} in connected", extra[0])
        via = spec.get("via")
        if not isinstance(via, str) or not via.strip():
            raise self.error(spec, "connected needs via: the attribute that makes the link", "via")
        direction = spec.get("direction", "outgoing")
        if direction not in ("outgoing", "incoming"):
            raise self.error(spec, "connected direction must be outgoing or incoming", "direction")
        types = spec.get("types", [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise self.error(spec, "connected types must be a list of resource types", "types")
        if direction == "incoming" and not types:
            raise self.error(spec, "an incoming connection names the types that link here", "types")
        kind = spec.get("kind")
        if kind is not None and kind not in EDGE_KINDS:
            raise self.error(spec, f"connected kind must be one of {', '.join(EDGE_KINDS)}, not {kind!r}", "kind")
        where = self.condition(spec["where"], "connected where") if "where" in spec else None
        self.graph = True
        return Connected(via, str(direction), tuple(str(t) for t in types), kind, where)


def _line(node: Any, key: Any = None) -> int | None:
    """1-based line of `key` inside a mapping node (or of the node), from ruamel's round-trip marks."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None and isinstance(node, dict) and key in node:
            return lc.key(key)[0] + 1
        if key is not None and isinstance(node, list) and isinstance(key, int) and key < len(node):
            return lc.item(key)[0] + 1
    except (KeyError, TypeError, AttributeError):
        pass
    return lc.line + 1


def _plain(value: Any) -> Any:
    """ruamel's round-trip types (CommentedMap, ScalarFloat...) as plain Python data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _node_at(root: Any, path: Any) -> tuple[Any, Any]:
    """(parent node, key) of a jsonschema error path, for its line."""
    node, key = root, None
    for part in path:
        if key is not None:
            node = node[key]
        key = part
    return node, key


def _schema_problem(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "the check"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in known)
        return f"unknown field {extra[0]!r}" + ("" if where == "the check" else f" in {where}")
    if error.validator == "required":
        return f"{error.message} in {where}"
    if where.startswith("compliance.") and error.validator == "type":
        return f"invalid {where}: control ids are strings; quote {error.instance!r} so YAML keeps it as written"
    return f"invalid {where}: {error.message}"


def _validate(document: Any, file: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(_plain(document)), key=lambda e: (len(e.absolute_path), e.message))
    if errors:
        error = errors[0]
        node, key = _node_at(document, error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            key = sorted((k for k in error.instance if k not in known), key=str)[0]
            node = node[error.absolute_path[-1]] if error.absolute_path else document
        raise CheckFileError(file, _line(node, key), _schema_problem(error))


def _fast_documents(path: Path, file: str) -> Iterator[Any]:
    """The documents as plain data, without lines (PyYAML's C loader)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        yield from (d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader) if d is not None)
    except yaml.YAMLError as exc:
        raise CheckFileError(file, None, f"invalid YAML: {exc}") from None


def _documents(path: Path, file: str) -> Iterator[Any]:
    """The documents as ruamel round-trip nodes, which know the line of every key and item."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.events import AliasEvent

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CheckFileError(file, None, f"larger than {MAX_FILE_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckFileError(file, None, f"cannot read: {exc}") from exc
    try:
        alias = next((e for e in YAML(typ="rt").parse(text) if isinstance(e, AliasEvent)), None)
        if alias is not None:  # an alias can multiply a small file into an enormous document
            line = alias.start_mark.line + 1 if alias.start_mark else None
            raise CheckFileError(file, line, "anchors and aliases (*name) are not allowed in check files")
        for document in YAML(typ="rt").load_all(text):
            if document is not None:
                yield document
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CheckFileError(file, mark.line + 1 if mark else None, f"invalid YAML: {exc.problem}") from None
    except RecursionError:
        raise CheckFileError(file, None, "nested too deeply") from None


def load_yaml_checks(path: Path, *, builtin: bool = False, known: dict[str, Check] | None = None) -> dict[str, Check]:
    """Compile every check in the YAML file at `path`.

    Built-in files register into the built-in registry and must use `IG-` ids; a user's file must
    not, and returns its checks without registering them. `known` are the ids already taken.
    """
    file = path.as_posix() if not builtin else f"checks/{path.name}"
    taken = {**CHECKS, **(known or {})}
    if not builtin:
        return _load(_documents(path, file), file, taken, builtin=False, validate=True)
    # The package's own files are read at every start-up: PyYAML's C loader and no schema pass (the
    # test suite validates them against the schema) take ~30 ms instead of ~300 ms. On a problem, the
    # careful pass names its line.
    try:
        found = _load(_fast_documents(path, file), file, taken, builtin=True, validate=False)
    except CheckFileError:
        found = _load(_documents(path, file), file, taken, builtin=True, validate=True)
    CHECKS.update(found)
    return found


def _load(
    documents: Iterator[Any], file: str, taken: dict[str, Check], *, builtin: bool, validate: bool
) -> dict[str, Check]:
    with collecting() as found:
        for document in documents:
            if not isinstance(document, dict):
                raise CheckFileError(file, _line(document), "a check is a mapping (id, title, ... condition)")
            # conditions first: the compiler names the exact operator or key that is wrong, and its line
            compiled = _compile(document, file) if isinstance(document.get("condition"), dict) else None
            if validate or compiled is None:
                _validate(document, file)
            assert compiled is not None  # the schema requires a condition mapping
            check_id = str(document["id"])
            if builtin != check_id.upper().startswith(BUILTIN_PREFIX):
                problem = (
                    f"built-in check id {check_id!r} must start with {BUILTIN_PREFIX}"
                    if builtin
                    else f"check id {check_id!r} uses the built-in {BUILTIN_PREFIX} namespace; choose your own prefix"
                )
                raise CheckFileError(file, _line(document, "id"), problem)
            if check_id in found:
                raise CheckFileError(file, _line(document, "id"), f"duplicate check id {check_id}")
            if check_id in taken:
                problem = f"duplicate check id {check_id} (also in {taken[check_id].source})"
                raise CheckFileError(file, _line(document, "id"), problem)
            try:
                _register(compiled, document, file)
            except (CheckDefinitionError, ValueError, KeyError, TypeError) as exc:
                raise CheckFileError(file, _line(document), f"invalid check: {exc}") from None
    return found


def _compile(document: Any, file: str) -> tuple[Callable[..., Any], bool]:
    compiler = _Compiler(file, str(document.get("framework")))
    condition = compiler.condition(document["condition"], "condition")
    when = compiler.condition(document["when"], "when") if "when" in document else None
    message = str(document.get("message") or document.get("title"))

    def judge(resource: Resource, graph: ResourceGraph | None = None) -> list[Fail] | None:
        scope = Scope(resource, graph)
        outcome = condition.evaluate(scope)
        if outcome.value is True:
            return None
        applies = when.evaluate(scope) if when is not None else Outcome(True)
        if applies.value is False:
            return None
        if outcome.unknown is not None or applies.unknown is not None:
            raise outcome.unknown or applies.unknown  # type: ignore[misc]
        # one finding per line and message: the parts of one negated `all` (`cmd` and `value` of one
        # Dockerfile instruction) are one problem at one place
        fails: dict[tuple[int, str], Fail] = {}
        for blame in outcome.blame:
            at = written(resource, blame.path, _written_parent(resource, blame)) if blame.path else blame.fallback
            text = (blame.message or message).replace("{container}", blame.container or "container")
            fails.setdefault((resource.line_of(at), text), Fail(at, text, blame.related))
        return list(fails.values()) or [Fail(None, message)]

    return judge, compiler.graph


def _written_parent(resource: Resource, blame: Blame) -> str | None:
    """Where a finding about a setting that is not written points: the closest enclosing block or map
    that is written (`tags` for a missing `tags.owner`), else the blamed block or container."""
    assert blame.path is not None
    parts = blame.path.split(".")[:-1]
    while parts and ".".join(parts) != blame.fallback:
        if ".".join(parts) in resource.attribute_lines:
            return ".".join(parts)
        parts.pop()
    return blame.fallback


def _fix(declared: dict[str, Any] | None) -> SetValue | None:
    """The `fix:` of a YAML check: `set` (the path), `value`, `unsafe` (why it needs --unsafe) and `also`
    (other settings made with it)."""
    if not declared:
        return None
    also = tuple((extra["set"], extra["value"]) for extra in declared.get("also", ()))
    return SetValue(declared["set"], declared["value"], declared.get("unsafe", ""), also)


def _register(compiled: tuple[Callable[..., Any], bool], document: Any, file: str) -> None:
    judge, graph = compiled
    data = _plain(document)
    check(
        id=data["id"],
        title=data["title"],
        severity=data["severity"],
        framework=data["framework"],
        types=data["resource_types"],
        cwe=data["cwe"],
        description=data["description"],
        remediation=data["remediation"],
        graph=graph,
        tags=data.get("tags", ()),
        precision=data.get("precision", "high"),
        example=data.get("example", ""),
        compliance=data.get("compliance"),
        source=file,
        fix=_fix(data.get("fix")),
    )(judge)
