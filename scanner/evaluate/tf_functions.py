"""Terraform's built-in functions that real configurations use, on plain Python values.

Every function takes evaluated arguments; `Unknown` arguments make the result unknown (the
caller checks top-level arguments; functions that serialise check deeply). Bad input raises
`EvalError`, which the evaluator turns into an Unknown with the message as the reason.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import posixpath
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2
import yaml

from scanner.evaluate.budget import MAX_NUMBER_BITS, check_count, check_length
from scanner.records import Unknown, excerpt


class EvalError(Exception):
    """An expression that Terraform would reject or that we cannot compute."""


def first_unknown(value: Any) -> Unknown | None:
    """The first Unknown anywhere inside `value` (deep), or None."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        for item in value.values():
            found = first_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = first_unknown(item)
            if found is not None:
                return found
    return None


def to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    if value is None:
        raise EvalError("null value in string")
    raise EvalError(f"cannot convert {type(value).__name__} to string")


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError("cannot convert bool to number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise EvalError(f"cannot convert {value!r} to number") from None
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    raise EvalError(f"cannot convert {type(value).__name__} to number")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"cannot convert {value!r} to bool")


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    raise EvalError(f"expected a list, got {type(value).__name__}")


def _set_key(value: Any) -> Any:
    """A hashable stand-in equal for equal values, so set operations are linear, not quadratic."""
    try:
        hash(value)
        return value
    except TypeError:
        return ("\0", json.dumps(value, sort_keys=True, default=repr))


def _distinct(items: Any) -> list[Any]:
    """The items in their order, each first occurrence only."""
    seen: dict[Any, Any] = {}
    for item in as_list(items):
        seen.setdefault(_set_key(item), item)
    return list(seen.values())


def _members(items: Any) -> set[Any]:
    return {_set_key(item) for item in as_list(items)}


def to_set(value: Any) -> list[Any]:
    """Sets are sorted, de-duplicated lists (Terraform iterates sets of strings in lexical order)."""
    out = _distinct(value)
    try:
        return sorted(out, key=lambda v: (str(type(v)), v))
    except TypeError:
        return out


def _json_default(value: Any) -> Any:
    raise EvalError(f"cannot encode {type(value).__name__}")


def jsonencode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_json_default)


def _format(fmt: str, *args: Any) -> str:
    out: list[str] = []
    arg_iter = iter(args)
    pos = 0
    for match in re.finditer(r"%(?:(\[\d+\])?([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%]))", fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        verb = match.group(5)
        if verb == "%":
            out.append("%")
            continue
        try:
            value = args[int(match.group(1)[1:-1]) - 1] if match.group(1) else next(arg_iter)
        except (StopIteration, IndexError):
            raise EvalError("format: not enough arguments") from None
        flags, width, precision = match.group(2), match.group(3) or "", match.group(4)
        check_length(max(int(width or 0), int(precision or 0)))  # `%999999999d` is refused, not allocated
        if verb in "sv":
            text = to_string(value) if not isinstance(value, (list, dict)) else jsonencode(value)
        elif verb == "q":
            text = json.dumps(to_string(value))
        elif verb == "d":
            text = str(int(to_number(value)))
        elif verb in "fFeEgG":
            spec = f".{precision}{verb}" if precision else verb
            text = format(float(to_number(value)), spec)
        elif verb in "xXob":
            text = format(int(to_number(value)), verb)
        elif verb == "t":
            text = to_string(to_bool(value))
        else:
            raise EvalError(f"format: unsupported verb %{verb}")
        if width:
            text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width), "0" if "0" in flags else " ")
        out.append(text)
    out.append(fmt[pos:])
    return "".join(out)


def _cidrsubnet(prefix: str, newbits: Any, netnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    new_prefix = network.prefixlen + int(newbits)
    if new_prefix > network.max_prefixlen:
        raise EvalError("cidrsubnet: not enough bits")
    size = 1 << (network.max_prefixlen - new_prefix)
    if int(netnum) >= 1 << int(newbits):
        raise EvalError("cidrsubnet: netnum out of range")
    address = int(network.network_address) + int(netnum) * size
    return f"{ipaddress.ip_address(address) if network.version == 4 else ipaddress.IPv6Address(address)}/{new_prefix}"


def _cidrhost(prefix: str, hostnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    number = int(hostnum)
    base = int(network.broadcast_address) + 1 if number < 0 else int(network.network_address)
    return str(ipaddress.ip_address(base + number))


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict):
        raise EvalError("lookup: first argument must be a map")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key!r}")


def _element(items: Any, index: Any) -> Any:
    items = as_list(items)
    if not items:
        raise EvalError("element: empty list")
    return items[int(to_number(index)) % len(items)]


def _flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in as_list(items):
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise EvalError("merge: arguments must be maps")
        out.update(item)
    return out


def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise EvalError(f"length of {type(value).__name__}")


def _keys(value: Any) -> list[str]:
    if not isinstance(value, dict):
        raise EvalError("keys: argument must be a map")
    return sorted(value)


def _values(value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise EvalError("values: argument must be a map")
    return [value[k] for k in sorted(value)]


def _tomap(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EvalError("tomap: argument must be an object or map")
    return dict(value)


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce: no non-null argument")


def _coalescelist(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, list) and arg:
            return arg
    return []


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is an EvalError, not a line on stderr


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    """RE2, as Terraform uses: linear time whatever the pattern (no catastrophic backtracking)."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise EvalError(f"invalid regular expression {excerpt(pattern, 60)!r}: {reason}") from None


def _replace(text: str, search: str, replacement: str) -> str:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        pattern = _compiled(search[1:-1])
        template = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement)
        matches = sum(1 for _ in pattern.finditer(text))
        check_length(len(text) + matches * len(template))
        return pattern.sub(template, text)
    if search:
        check_length(len(text) + text.count(search) * len(replacement))
    else:
        check_length(len(text) + (len(text) + 1) * len(replacement))
    return text.replace(search, replacement)


def _regex(pattern: str, text: str) -> Any:
    match = _compiled(pattern).search(text)
    if not match:
        raise EvalError("regex: no match")
    if match.groupdict():
        return match.groupdict()
    if match.groups():
        return list(match.groups())
    return match.group(0)


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    return dict(zip(as_list(keys), as_list(values), strict=False))


def _slice(items: Any, start: Any, end: Any) -> list[Any]:
    return as_list(items)[int(start) : int(end)]


def _substr(text: str, offset: Any, length: Any) -> str:
    offset, length = int(offset), int(length)
    if offset < 0:
        offset += len(text)
    return text[offset:] if length < 0 else text[offset : offset + length]


def _setproduct(*sets: Any) -> list[list[Any]]:
    check_count(math.prod(len(as_list(items)) for items in sets) * max(len(sets), 1))
    out: list[list[Any]] = [[]]
    for items in sets:
        out = [[*prefix, item] for prefix in out for item in as_list(items)]
    return out


def _range(*args: Any) -> list[int | float]:
    numbers = [to_number(a) for a in args]
    start: int | float
    stop: int | float
    step: int | float
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (numbers[0], numbers[1], 1)
    if len(numbers) == 3:
        step = numbers[2]
    if step == 0 or abs((stop - start) / step) > 100_000:
        raise EvalError("range: too many elements")
    out, value = [], start
    while (value < stop) if step > 0 else (value > stop):
        out.append(value)
        value += step
    return out


def _transpose(mapping: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, values in mapping.items():
        for value in as_list(values):
            out.setdefault(value, []).append(key)
    return {k: sorted(v) for k, v in sorted(out.items())}


def _yamlencode(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=True, default_flow_style=False)


def _yamldecode(text: str) -> Any:
    return yaml.safe_load(text)


def _jsondecode(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode: {exc.msg}") from None


def _tolist(value: Any) -> list[Any]:
    return list(as_list(value))


def _split(sep: str, text: str) -> list[str]:
    return text.split(sep) if text else [""]


def _join(sep: str, *lists: Any) -> str:
    check_length(len(sep) * sum(len(as_list(items)) for items in lists))
    return sep.join(to_string(v) for items in lists for v in as_list(items))


def _indent(spaces: Any, text: str) -> str:
    width = int(to_number(spaces))
    check_length(len(text) + max(width, 0) * text.count("\n"))
    return text.replace("\n", "\n" + " " * width)


def _formatlist(fmt: str, *lists: Any) -> list[str]:
    out: list[str] = []
    length = 0
    for row in zip(*[as_list(x) for x in lists], strict=False):
        out.append(_format(fmt, *row))
        length += len(out[-1])
        check_length(length)
    return out


def _pow(base: Any, exponent: Any) -> int | float:
    a, b = to_number(base), to_number(exponent)
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 and b * a.bit_length() > MAX_NUMBER_BITS:
        a = float(a)  # a float overflows at once, where an integer power would run for ever
    try:
        return a**b
    except OverflowError:
        raise EvalError("pow: result too large") from None


def _index(items: Any, value: Any) -> int:
    try:
        return as_list(items).index(value)
    except ValueError:
        raise EvalError("index: value not found") from None


def _one(items: Any) -> Any:
    items = as_list(items)
    if len(items) > 1:
        raise EvalError("one: more than one element")
    return items[0] if items else None


def _alltrue(items: Any) -> bool:
    return all(to_bool(v) for v in as_list(items))


def _anytrue(items: Any) -> bool:
    return any(to_bool(v) for v in as_list(items))


def _sum(items: Any) -> int | float:
    return sum(to_number(v) for v in as_list(items))


def _chunklist(items: Any, size: Any) -> list[list[Any]]:
    items, size = as_list(items), int(size)
    return [items[i : i + size] for i in range(0, len(items), size)] if size > 0 else [items]


def _trimprefix(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


def _trimsuffix(text: str, suffix: str) -> str:
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


def _setintersection(first: Any, *rest: Any) -> list[Any]:
    others = [_members(items) for items in rest]
    return [v for v in to_set(first) if all(_set_key(v) in members for members in others)]


def _setsubtract(items: Any, removed: Any) -> list[Any]:
    members = _members(removed)
    return [v for v in to_set(items) if _set_key(v) not in members]


def _matchkeys(values: Any, keys: Any, search: Any) -> list[Any]:
    wanted = as_list(search)
    return [v for v, k in zip(as_list(values), as_list(keys), strict=False) if k in wanted]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "alltrue": _alltrue,
    "anytrue": _anytrue,
    "basename": lambda p: posixpath.basename(p.rstrip("/")) if p.rstrip("/") else p,
    "dirname": lambda p: posixpath.dirname(p) or ".",
    "abspath": lambda p: p,
    "pathexpand": lambda p: p,
    "base64decode": lambda s: base64.b64decode(s).decode("utf-8"),
    "base64encode": lambda s: base64.b64encode(to_string(s).encode()).decode(),
    "base64sha256": lambda s: base64.b64encode(hashlib.sha256(to_string(s).encode()).digest()).decode(),
    "ceil": lambda n: math.ceil(to_number(n)),
    "chomp": lambda s: s.rstrip("\r\n"),
    "chunklist": _chunklist,
    "cidrhost": _cidrhost,
    "cidrnetmask": lambda p: str(ipaddress.ip_network(p, strict=False).netmask),
    "cidrsubnet": _cidrsubnet,
    "cidrsubnets": lambda prefix, *bits: _cidrsubnets(prefix, *bits),
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "compact": lambda items: [v for v in as_list(items) if v not in (None, "")],
    "concat": lambda *lists: [v for items in lists for v in as_list(items)],
    "contains": lambda items, value: value in as_list(items),
    "distinct": _distinct,
    "element": _element,
    "endswith": lambda s, suffix: s.endswith(suffix),
    "flatten": _flatten,
    "floor": lambda n: math.floor(to_number(n)),
    "format": lambda fmt, *args: _format(fmt, *args),
    "formatlist": _formatlist,
    "index": _index,
    "indent": _indent,
    "join": _join,
    "jsondecode": _jsondecode,
    "jsonencode": jsonencode,
    "keys": _keys,
    "length": _length,
    "lookup": _lookup,
    "lower": lambda s: to_string(s).lower(),
    "matchkeys": _matchkeys,
    "max": lambda *n: max(to_number(x) for x in n),
    "md5": lambda s: hashlib.md5(to_string(s).encode()).hexdigest(),
    "merge": _merge,
    "min": lambda *n: min(to_number(x) for x in n),
    "one": _one,
    "parseint": lambda s, base: int(s, int(base)),
    "pow": _pow,
    "range": _range,
    "regex": _regex,
    "regexall": lambda p, s: [m.group(0) if not m.groups() else list(m.groups()) for m in _compiled(p).finditer(s)],
    "replace": _replace,
    "reverse": lambda items: list(reversed(as_list(items))),
    "setintersection": lambda first, *rest: _setintersection(first, *rest),
    "setproduct": _setproduct,
    "setsubtract": lambda a, b: _setsubtract(a, b),
    "setunion": lambda *sets: to_set([v for s in sets for v in as_list(s)]),
    "sha1": lambda s: hashlib.sha1(to_string(s).encode()).hexdigest(),
    "sha256": lambda s: hashlib.sha256(to_string(s).encode()).hexdigest(),
    "signum": lambda n: (to_number(n) > 0) - (to_number(n) < 0),
    "slice": _slice,
    "sort": lambda items: sorted(to_string(v) for v in as_list(items)),
    "split": _split,
    "startswith": lambda s, prefix: s.startswith(prefix),
    "strrev": lambda s: s[::-1],
    "substr": _substr,
    "sum": _sum,
    "title": lambda s: s.title(),
    "tobool": lambda v: None if v is None else to_bool(v),
    "tolist": _tolist,
    "tomap": _tomap,
    "tonumber": lambda v: None if v is None else to_number(v),
    "toset": to_set,
    "tostring": lambda v: None if v is None else to_string(v),
    "transpose": _transpose,
    "trim": lambda s, chars: s.strip(chars),
    "trimprefix": _trimprefix,
    "trimspace": lambda s: s.strip(),
    "trimsuffix": _trimsuffix,
    "upper": lambda s: to_string(s).upper(),
    "urlencode": lambda s: __import__("urllib.parse").parse.quote(s, safe=""),
    "values": _values,
    "yamldecode": _yamldecode,
    "yamlencode": _yamlencode,
    "zipmap": _zipmap,
}


def _cidrsubnets(prefix: str, *newbits: Any) -> list[str]:
    network = ipaddress.ip_network(prefix, strict=False)
    out: list[str] = []
    cursor = int(network.network_address)
    for bits in newbits:
        new_prefix = network.prefixlen + int(bits)
        size = 1 << (network.max_prefixlen - new_prefix)
        cursor = (cursor + size - 1) // size * size
        out.append(f"{ipaddress.ip_address(cursor)}/{new_prefix}")
        cursor += size
    return out


# serialising functions see unknowns anywhere inside their arguments
DEEP_UNKNOWN = {"jsonencode", "yamlencode", "join", "format", "formatlist", "base64encode", "md5", "sha1", "sha256"}
