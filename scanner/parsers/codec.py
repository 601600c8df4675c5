"""Parse results as bytes, for the on-disk cache and the worker processes: MessagePack, never pickle.

Whoever can write the cache directory could plant a pickle that runs code when it is loaded.
MessagePack has no such thing: a record (ParsedFile, Resource, a Terraform Block, a tuple, an
`Unknown`...) is an extension type whose payload this module unpacks and checks field by field, so
loading an entry can only ever build these records, and an entry that does not decode into them,
garbled or planted, is `Corrupt`: the caller treats it as a cache miss and parses again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgpack

from scanner.parsers import ParsedFile
from scanner.parsers.tfplan import PlanInfo
from scanner.records import (
    DockerfileMeta,
    KubernetesMeta,
    Location,
    PartialDocument,
    PlanChange,
    Resource,
    ScanError,
    TerraformMeta,
    Unknown,
)

if TYPE_CHECKING:  # imported when first decoded: lark and hcl2 cost 60 ms of a scan without Terraform
    from scanner.parsers.terraform import Attribute, Block, TerraformFile


class Corrupt(ValueError):
    """Bytes that are not an encoded ParsedFile."""


class Unencodable(ValueError):
    """A parse result that cannot be encoded (nested deeper than MessagePack's limit, a foreign type)."""


def _fields(obj: Any, names: tuple[str, ...]) -> list[Any]:
    return [getattr(obj, name) for name in names]


_LOCATION = ("file", "start_line", "end_line", "start_column", "note")
_ERROR = ("file", "line", "message", "level")
_RESOURCE = (
    "framework",
    "type",
    "address",
    "attributes",
    "location",
    "scope",
    "attribute_lines",
    "provenance",
    "references",
    "attribute_files",
    "meta",
)
_KUBERNETES_META = ("name", "namespace", "namespace_explicit", "api_version", "kustomize_resource", "kustomization")
_DOCKERFILE_META = ("stage_name", "final", "base_image", "directives")
_TERRAFORM_META = ("module", "called_by", "instances", "provider_versions", "plan")
_PLAN_CHANGE = ("mode", "actions", "gated", "index")
_PARSED = ("rel", "kind", "resources", "payload", "errors")
_PLAN_INFO = ("format_version", "terraform_version", "changes", "module_sources")

# qualified type name -> (ext code, the fields to encode); names, so encoding imports no parser
_ENCODERS: dict[str, tuple[int, Callable[[Any], Any]]] = {
    "builtins.tuple": (1, list),
    "scanner.records.Unknown": (2, lambda u: [u.reason]),
    "scanner.records.PartialDocument": (3, lambda u: [u.reason, u.document]),
    "scanner.records.Location": (4, lambda o: _fields(o, _LOCATION)),
    "scanner.records.ScanError": (5, lambda o: _fields(o, _ERROR)),
    "scanner.records.Resource": (6, lambda o: _fields(o, _RESOURCE)),
    "scanner.parsers.ParsedFile": (7, lambda o: _fields(o, _PARSED)),
    "scanner.parsers.terraform.TerraformFile": (8, lambda o: list(o.__getstate__())),
    "scanner.parsers.terraform.Block": (9, lambda o: list(o.__getstate__())),
    "scanner.parsers.terraform.Attribute": (10, lambda o: [o.name, _tuple_tree(o.expr), o.line, o.end_line]),
    "scanner.parsers.tfplan.PlanInfo": (11, lambda o: _fields(o, _PLAN_INFO)),
    "datetime.datetime": (12, lambda d: [d.isoformat()]),
    "datetime.date": (13, lambda d: [d.isoformat()]),
    "builtins.int": (14, lambda n: [str(n)]),  # only integers beyond 64 bits reach `default`
    "scanner.records.KubernetesMeta": (16, lambda o: _fields(o, _KUBERNETES_META)),
    "scanner.records.DockerfileMeta": (17, lambda o: [*_fields(o, _DOCKERFILE_META[:3]), dict(o.directives)]),
    "scanner.records.TerraformMeta": (
        18,
        lambda o: [o.module, o.called_by, o.instances, dict(o.provider_versions), o.plan],
    ),
    "scanner.records.PlanChange": (19, lambda o: _fields(o, _PLAN_CHANGE)),
    "scanner.parsers.kubernetes.Kustomization": (20, lambda o: [o.resources]),
}


_TUPLE_TREE = 15
_PLAIN = (str, int, float, bool, type(None))


class _TupleTree:
    """An expression AST of tuples and plain scalars only (nearly all of them): packed as MessagePack
    arrays that unpack straight to tuples, instead of one extension per tuple (7x slower to load)."""

    __slots__ = ("value",)

    def __init__(self, value: tuple) -> None:
        self.value = value


def _tuple_tree(expr: tuple) -> Any:
    stack: list[Any] = [expr]
    while stack:
        item = stack.pop()
        if type(item) is tuple:
            stack.extend(item)
        elif type(item) not in _PLAIN or (type(item) is int and not -(2**63) <= item < 2**64):
            return expr  # a list or a record inside: each tuple is its own extension
    return _TupleTree(expr)


def _default(value: Any) -> msgpack.ExtType:
    if type(value) is _TupleTree:
        return msgpack.ExtType(_TUPLE_TREE, msgpack.packb(value.value, use_bin_type=True))
    kind = type(value)
    found = _ENCODERS.get(f"{kind.__module__}.{kind.__qualname__}")
    if found is None:
        raise Unencodable(f"cannot encode {type(value).__name__}")
    code, fields = found
    return msgpack.ExtType(code, _pack(fields(value)))


def _pack(value: Any) -> bytes:
    # strict_types: a tuple or a dict subclass goes to `default` instead of passing for a list or dict
    return msgpack.packb(value, default=_default, strict_types=True, use_bin_type=True)


def encode(parsed: ParsedFile) -> bytes:
    """The bytes of `parsed`; Unencodable when it cannot be stored (the scan still uses it)."""
    try:
        return _pack(parsed)
    except (Unencodable, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise Unencodable(str(exc) or type(exc).__name__) from None


def _check(value: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind):
        raise Corrupt(f"expected {kind}, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    return _check(value, str)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise Corrupt("expected an integer, got a bool")
    return _check(value, int)


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _list_of(value: Any, kind: type) -> list[Any]:
    for item in _check(value, list):
        _check(item, kind)
    return value


def _arity(fields: list[Any], n: int) -> list[Any]:
    if len(fields) != n:
        raise Corrupt(f"expected {n} fields, got {len(fields)}")
    return fields


def _location(f: list[Any]) -> Location:
    file, start, end, column, note = _arity(f, 5)
    return Location(_str(file), _int(start), _opt_int(end), _opt_int(column), _str(note))


def _error(f: list[Any]) -> ScanError:
    file, line, message, level = _arity(f, 4)
    return ScanError(_str(file), _opt_int(line), _str(message), _str(level))


def _str_map(value: Any) -> dict[str, str]:
    for key, item in _check(value, dict).items():
        _str(key), _str(item)
    return value


def _kubernetes_meta(f: list[Any]) -> KubernetesMeta:
    name, namespace, explicit, api_version, listed, kustomization = _arity(f, 6)
    return KubernetesMeta(
        _str(name),
        None if namespace is None else _str(namespace),
        _check(explicit, bool),
        _str(api_version),
        _check(listed, bool),
        _str(kustomization),
    )


def _dockerfile_meta(f: list[Any]) -> DockerfileMeta:
    stage_name, final, base_image, directives = _arity(f, 4)
    return DockerfileMeta(_str(stage_name), _check(final, bool), _str(base_image), _str_map(directives))


def _terraform_meta(f: list[Any]) -> TerraformMeta:
    module, called_by, instances, versions, plan = _arity(f, 5)
    if plan is not None:
        _check(plan, PlanChange)
    return TerraformMeta(
        _str(module),
        tuple(_list_of(list(_check(called_by, tuple)), Location)),
        _str(instances),
        _str_map(versions),
        plan,
    )


def _plan_change(f: list[Any]) -> PlanChange:
    mode, actions, gated, index = _arity(f, 4)
    if index is not None and not isinstance(index, str):
        _int(index)
    return PlanChange(_str(mode), tuple(_list_of(list(_check(actions, tuple)), str)), _check(gated, bool), index)


def _resource(f: list[Any]) -> Resource:
    (framework, rtype, address, attributes, location, scope, lines, provenance, references, files, meta) = _arity(f, 11)
    for key, line in _check(lines, dict).items():
        _str(key), _int(line)
    for key, locations in _check(provenance, dict).items():
        _str(key), _list_of(locations, Location)
    if meta is not None:
        _check(meta, (TerraformMeta, KubernetesMeta, DockerfileMeta))
    return Resource(
        framework=_str(framework),
        type=_str(rtype),
        address=_str(address),
        attributes=_check(attributes, dict),
        location=_check(location, Location),
        scope=_str(scope),
        attribute_lines=lines,
        provenance=provenance,
        references=_list_of(references, tuple),
        attribute_files=_str_map(files),
        meta=meta,
    )


def _kustomization(f: list[Any]) -> Any:
    from scanner.parsers.kubernetes import Kustomization

    (resources,) = _arity(f, 1)
    return Kustomization(tuple(_list_of(list(_check(resources, tuple)), str)))


def _parsed(f: list[Any]) -> ParsedFile:
    rel, kind, resources, payload, errors = _arity(f, 5)
    if payload is not None and not isinstance(payload, PlanInfo):
        from scanner.parsers.kubernetes import Kustomization
        from scanner.parsers.terraform import TerraformFile

        _check(payload, (TerraformFile, Kustomization))
    return ParsedFile(_str(rel), _str(kind), _list_of(resources, Resource), payload, _list_of(errors, ScanError))


def _attribute(f: list[Any]) -> Attribute:
    from scanner.parsers.terraform import Attribute

    name, expr, line, end = _arity(f, 4)
    return Attribute(_str(name), _check(expr, tuple), _int(line), _int(end))


def _block(f: list[Any]) -> Block:
    from scanner.parsers.terraform import Attribute, Block

    btype, labels, attributes, blocks, line, end = _arity(f, 6)
    for key, attribute in _check(attributes, dict).items():
        _str(key), _check(attribute, Attribute)
    return Block(_str(btype), _list_of(labels, str), attributes, _list_of(blocks, Block), _int(line), _int(end))


def _terraform_file(f: list[Any]) -> TerraformFile:
    from scanner.parsers.terraform import Attribute, Block, TerraformFile

    rel, attributes, blocks, text = _arity(f, 4)
    for key, attribute in _check(attributes, dict).items():
        _str(key), _check(attribute, Attribute)
    return TerraformFile(_str(rel), attributes, _list_of(blocks, Block), _str(text))


def _plan_info(f: list[Any]) -> PlanInfo:
    format_version, terraform_version, changes, sources = _arity(f, 4)
    return PlanInfo(_str(format_version), _str(terraform_version), _int(changes), _check(sources, dict))


_DECODERS: dict[int, Callable[[list[Any]], Any]] = {
    1: tuple,
    2: lambda f: Unknown(_str(_arity(f, 1)[0])),
    3: lambda f: PartialDocument(_str(_arity(f, 2)[0]), f[1]),
    4: _location,
    5: _error,
    6: _resource,
    7: _parsed,
    8: _terraform_file,
    9: _block,
    10: _attribute,
    11: _plan_info,
    12: lambda f: datetime.datetime.fromisoformat(_str(_arity(f, 1)[0])),
    13: lambda f: datetime.date.fromisoformat(_str(_arity(f, 1)[0])),
    14: lambda f: int(_str(_arity(f, 1)[0])),
    16: _kubernetes_meta,
    17: _dockerfile_meta,
    18: _terraform_meta,
    19: _plan_change,
    20: _kustomization,
}


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _TUPLE_TREE:
        return _check(msgpack.unpackb(data, raw=False, use_list=False), tuple)
    decoder = _DECODERS.get(code)
    if decoder is None:
        raise Corrupt(f"unknown record type {code}")
    return decoder(_check(_unpack(data), list))


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False, use_list=True)


def decode(data: bytes) -> ParsedFile:
    """The ParsedFile encoded in `data`; Corrupt for anything else (the caller parses again)."""
    try:
        return _check(_unpack(data), ParsedFile)
    except Corrupt:
        raise
    except Exception as exc:  # truncated, garbled, too deep, an invalid date...: all the same to the cache
        raise Corrupt(f"{type(exc).__name__}: {exc}") from None
