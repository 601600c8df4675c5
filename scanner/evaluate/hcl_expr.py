"""Evaluate the tuple expression ASTs built by `scanner.parsers.terraform` on plain Python values.

Node kinds: lit, tmpl (parts: str | expr | ("if", c, then, else) | ("tfor", k, v, coll, body)),
tmpl1 (a lone "${x}" keeping x's type), ref (root name, steps), path (expr, steps), splat, call,
tuple, object, cond, chain (operands and operators, precedence applied here because the grammar
has none), unary, for_t, for_o, group, unknown. Steps are ("attr", name) or ("index", expr).

An `Unknown` input makes only what depends on it unknown; an error raises `EvalError`, which the
caller turns into an Unknown carrying the message.

Partly known JSON (policies whose ARNs are known only after apply) keeps its structure: `jsonencode`
of a structure with unknown leaves, a JSON template whose unknown interpolations sit inside strings
(a heredoc policy), and `replace` of a placeholder in such JSON give a `PartialDocument` (still an
Unknown) carrying the decoded structure, so policy checks can judge the known part; `jsondecode`
gives the structure back. Any other computation on one gives a plain Unknown (`opaque`), because
the document no longer describes the result.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from scanner.evaluate import budget
from scanner.evaluate.budget import OverBudget, check_length, check_size
from scanner.evaluate.tf_functions import (
    DEEP_UNKNOWN,
    FUNCTIONS,
    EvalError,
    first_unknown,
    to_bool,
    to_number,
    to_string,
)
from scanner.records import Location, PartialDocument, Unknown


class Computed(dict):
    """A resource or data source instance: attributes not set in configuration are known after apply.

    `reason` is a message template with `{key}` for the attribute read."""

    __slots__ = ("address", "reason")

    def __init__(self, values: dict[str, Any], address: str, reason: str) -> None:
        super().__init__(values)
        self.address = address
        self.reason = reason

    def __reduce__(self) -> tuple:
        return (Computed, (dict(self), self.address, self.reason))


class Resolver(Protocol):
    def resolve(self, root: str, steps: tuple, env: Env) -> tuple[Any, int]:
        """Value of a reference rooted at `root`, and how many of `steps` it consumed."""

    def call(self, name: str, args: list[Any], env: Env) -> Any:
        """Functions that need the module (file, templatefile...); raise KeyError if not one."""


class Env:
    """What an expression sees: the module resolver, bound names (each, count, for variables),
    and where the values it used came from (`trace`) and which resources it referenced (`refs`)."""

    __slots__ = ("resolver", "names", "trace", "refs")

    def __init__(self, resolver: Resolver, names: dict[str, Any] | None = None) -> None:
        self.resolver = resolver
        self.names = names or {}
        self.trace: list[Location] = []
        self.refs: list[str] = []

    def child(self, extra: dict[str, Any]) -> Env:
        env = Env(self.resolver, {**self.names, **extra})
        env.trace = self.trace
        env.refs = self.refs
        return env


def opaque(value: Unknown) -> Unknown:
    """The Unknown to return for a computation on `value`: a partial document describes only itself."""
    return Unknown(value.reason) if isinstance(value, PartialDocument) else value


TRACE_PREFIX = "\0trace:"  # names[TRACE_PREFIX + "each"]: where the for_each/count value came from
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5}
_PRECEDENCE.update({"*": 6, "/": 6, "%": 6})


def evaluate(node: tuple, env: Env) -> Any:
    budget.current.charge()
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        if node[1] in env.names:
            origin = env.names.get(TRACE_PREFIX + node[1])
            if origin:
                env.trace.extend(origin)
            return apply_steps(env.names[node[1]], node[2], env)
        value, used = env.resolver.resolve(node[1], node[2], env)
        return apply_steps(value, node[2][used:], env)
    if kind == "tmpl1":
        return evaluate(node[1], env)
    if kind == "tmpl":
        return render_template(node[1], env)
    if kind == "group":
        return evaluate(node[1], env)
    if kind == "call":
        return _call(node, env)
    if kind == "tuple":
        return [evaluate(item, env) for item in node[1]]
    if kind == "object":
        out: dict[str, Any] = {}
        for _, key_node, value_node, _line in node[1]:
            key = evaluate(key_node, env)
            if isinstance(key, Unknown):
                return opaque(key)
            out[to_string(key)] = evaluate(value_node, env)
        return out
    if kind == "path":
        return apply_steps(evaluate(node[1], env), node[2], env)
    if kind == "splat":
        return _splat(evaluate(node[1], env), node[2], env)
    if kind == "cond":
        cond = evaluate(node[1], env)
        if isinstance(cond, Unknown):
            return opaque(cond)
        return evaluate(node[2] if to_bool(cond) else node[3], env)
    if kind == "chain":
        return _chain(list(node[1]), list(node[2]), env)
    if kind == "unary":
        value = evaluate(node[2], env)
        if isinstance(value, Unknown):
            return opaque(value)
        return (not to_bool(value)) if node[1] == "!" else -to_number(value)
    if kind == "for_t":
        return _for(node[1], node[2], node[3], node[5], env, lambda e: evaluate(node[4], e), None)
    if kind == "for_o":
        return _for(node[1], node[2], node[3], node[7], env, lambda e: evaluate(node[5], e), (node[4], node[6]))
    if kind == "unknown":
        return Unknown(node[1])
    raise EvalError(f"unsupported expression {kind}")


def apply_steps(value: Any, steps: tuple, env: Env) -> Any:
    for step in steps:
        if isinstance(value, Unknown):
            return opaque(value)
        if isinstance(value, Computed):  # `each.value.id` over a resource map still references it
            env.refs.append(value.address)
        if step[0] == "attr":
            key: Any = step[1]
        else:
            key = evaluate(step[1], env)
            if isinstance(key, Unknown):
                return opaque(key)
        value = get_item(value, key)
    return value


def get_item(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            key = to_string(key)
        if key in value:
            return value[key]
        if isinstance(value, Computed):
            return Unknown(value.reason.format(key=key))
        raise EvalError(f"no attribute or key {key!r}")
    if isinstance(value, list):
        try:
            index = int(key)
        except (TypeError, ValueError):
            raise EvalError(f"cannot index a list with {key!r}") from None
        if not 0 <= index < len(value):
            raise EvalError(f"index {index} out of range")
        return value[index]
    if value is None:
        raise EvalError(f"attribute {key!r} of null value")
    raise EvalError(f"cannot read {key!r} from {type(value).__name__}")


def _splat(value: Any, steps: tuple, env: Env) -> Any:
    if isinstance(value, Unknown):
        return opaque(value)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [apply_steps(item, steps, env) for item in items]


def render_template(parts: tuple, env: Env, whole: bool = True) -> Any:
    """The rendered string; with unknown interpolations, Unknown (a PartialDocument when the `whole`
    template is JSON with them only inside strings, as in a heredoc policy)."""
    out: list[str] = []
    holes: list[Unknown] = []
    length = 0  # checked as the parts come, so "${local.big}${local.big}..." is refused before it is built
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            length += len(part)
            check_length(length)
            continue
        kind = part[0]
        if kind == "if":
            cond = evaluate(part[1], env)
            if isinstance(cond, Unknown):
                return opaque(cond)
            value: Any = render_template(part[2] if to_bool(cond) else part[3], env, whole=False)
        elif kind == "tfor":
            collection = evaluate(part[3], env)
            if isinstance(collection, Unknown):
                return opaque(collection)
            pieces = []
            for key, item in _iterate(collection):
                names = {part[2]: item}
                if part[1]:
                    names[part[1]] = key
                pieces.append(render_template(part[4], env.child(names), whole=False))
                length += len(pieces[-1]) if isinstance(pieces[-1], str) else 0
                check_length(length)
            if any(isinstance(p, Unknown) for p in pieces):
                return opaque(next(p for p in pieces if isinstance(p, Unknown)))
            value = "".join(pieces)
        else:
            value = evaluate(part, env)
        if isinstance(value, Unknown):
            out.append(_HOLE.format(len(holes)))
            holes.append(value)
            continue
        out.append(to_string(value))
        length += len(out[-1])
        check_length(length)
    if holes:
        return _template_document("".join(out), holes) if whole else opaque(holes[0])
    return "".join(out)


_HOLE = "\0{}\0"  # stands for an unknown interpolation while the rendered text is parsed as JSON


def _template_document(text: str, holes: list[Unknown]) -> Unknown:
    """A JSON template whose unknown interpolations all sit inside string values: the decoded structure,
    each string that had one unknown. Anything else (not JSON, a hole in a key or outside a string) is opaque."""
    if not text.lstrip().startswith(("{", "[")):
        return opaque(holes[0])
    try:
        document = json.loads(text, strict=False)  # strict=False: the holes are control characters
    except ValueError:
        return opaque(holes[0])

    def walk(value: Any) -> Any:
        if isinstance(value, str) and "\0" in value:
            return opaque(holes[int(value.split("\0")[1])])
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            if any("\0" in key for key in value):
                raise EvalError("unknown interpolation in a key")
            return {key: walk(item) for key, item in value.items()}
        return value

    try:
        result = walk(document)
    except EvalError:
        return opaque(holes[0])
    unknown = first_unknown(result)
    return PartialDocument(unknown.reason, result) if unknown is not None else opaque(holes[0])


def _iterate(collection: Any) -> list[tuple[Any, Any]]:
    if isinstance(collection, dict):
        return [(k, collection[k]) for k in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    if collection is None:
        raise EvalError("for expression over null")
    raise EvalError(f"cannot iterate over {type(collection).__name__}")


def _for(key_name, value_name, coll_node, cond_node, env: Env, value_fn, key_spec) -> Any:
    collection = evaluate(coll_node, env)
    if isinstance(collection, Unknown):
        return opaque(collection)
    tuple_out: list[Any] = []
    object_out: dict[str, Any] = {}
    for key, item in _iterate(collection):
        names = {value_name: item}
        if key_name:
            names[key_name] = key
        inner = env.child(names)
        if cond_node is not None:
            keep = evaluate(cond_node, inner)
            if isinstance(keep, Unknown):
                return opaque(keep)
            if not to_bool(keep):
                continue
        if key_spec is None:
            tuple_out.append(value_fn(inner))
            continue
        out_key = evaluate(key_spec[0], inner)
        if isinstance(out_key, Unknown):
            return opaque(out_key)
        out_key = to_string(out_key)
        value = value_fn(inner)
        if key_spec[1]:
            object_out.setdefault(out_key, []).append(value)
        elif out_key in object_out:
            raise EvalError(f"duplicate key {out_key!r} in for expression")
        else:
            object_out[out_key] = value
    return tuple_out if key_spec is None else object_out


def _chain(operands: list[tuple], operators: list[str], env: Env) -> Any:
    """Precedence climbing over a flat `a op b op c` chain (python-hcl2's grammar nests right)."""
    values = [evaluate(o, env) for o in operands]
    ops = list(operators)
    for level in (6, 5, 4, 3, 2, 1):
        i = 0
        while i < len(ops):
            if _PRECEDENCE[ops[i]] == level:
                values[i : i + 2] = [_binary(ops[i], values[i], values[i + 1])]
                del ops[i]
            else:
                i += 1
    return values[0]


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "&&":
        if left is False or right is False:
            return False
    elif op == "||" and (left is True or right is True):
        return True
    if isinstance(left, Unknown):
        return opaque(left)
    if isinstance(right, Unknown):
        return opaque(right)
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op == "&&":
        return to_bool(left) and to_bool(right)
    if op == "||":
        return to_bool(left) or to_bool(right)
    a, b = to_number(left), to_number(right)
    if op in ("+", "-", "*"):
        return check_size(a + b if op == "+" else a - b if op == "-" else a * b)  # repeated squaring
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        result = a / b
        return int(result) if result.is_integer() else result
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return a % b
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return left == right


def _call(node: tuple, env: Env) -> Any:
    name, arg_nodes, expand = node[1], node[2], node[3]
    if name == "try":
        for arg in arg_nodes:
            try:
                return evaluate(arg, env)
            except EvalError:
                continue
        raise EvalError("try: no argument could be evaluated")
    if name == "can":
        try:
            value = evaluate(arg_nodes[0], env)
        except EvalError:
            return False
        return opaque(value) if isinstance(value, Unknown) else True
    args = [evaluate(a, env) for a in arg_nodes]
    if expand and args:
        tail = args.pop()
        if isinstance(tail, Unknown):
            return opaque(tail)
        args.extend(tail if isinstance(tail, list) else list((tail or {}).values()))
    for arg in args:
        check_size(arg)  # a list of shared references may be far bigger than the memory it takes
    if name == "jsondecode" and len(args) == 1 and isinstance(args[0], PartialDocument):
        return args[0].document  # the structure, unknown where the encoded value was
    if name == "replace" and len(args) == 3:
        replaced = replace_in_document(*args)
        if replaced is not None:
            return replaced
    for arg in args:
        if isinstance(arg, Unknown):
            return opaque(arg)
    if name in DEEP_UNKNOWN:
        for arg in args:
            found = first_unknown(arg)
            if found is not None:
                if name == "jsonencode" and len(args) == 1:
                    return PartialDocument(found.reason, decoded(arg))
                return opaque(found)
    function = FUNCTIONS.get(name)
    if function is None:
        try:
            return check_size(env.resolver.call(name, args, env))
        except KeyError:
            return Unknown(f"function {name}() is not evaluated")
    try:
        return check_size(function(*args))
    except OverBudget:
        raise
    except Exception as exc:
        found = first_unknown(args)
        if found is not None:  # failed on an unknown nested in a collection: the result is unknown
            return opaque(found)
        if isinstance(exc, EvalError):
            raise
        raise EvalError(f"{name}(): {exc}") from None  # a wrong argument type or count


def decoded(value: Any) -> Any:
    """What `jsondecode(jsonencode(value))` gives, Unknown leaves kept: plain dicts and lists."""
    if isinstance(value, dict):
        return {str(key): decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decoded(item) for item in value]
    return value


_JSON_PLAIN = re.compile(r"[A-Za-z0-9_:./*@-]+")  # characters JSON never escapes and no JSON syntax


def replace_in_document(text: Any, search: Any, replacement: Any) -> Any:
    """`replace(json, "_PLACEHOLDER_", value)` when the JSON or the value is unknown: a placeholder-style
    substring can only occur inside keys and string values, so replacing it there keeps the structure
    known (a string that contained it becomes unknown when the value is). None when that does not hold.
    """
    if not isinstance(search, str) or not _JSON_PLAIN.fullmatch(search) or search.startswith("/"):
        return None
    if not search.strip("0123456789.eE+-") or any(search in word for word in ("true", "false", "null")):
        return None  # could match inside a number or a literal
    if isinstance(replacement, str):
        if isinstance(text, str) or any(c in replacement for c in '"\\') or not replacement.isprintable():
            return None  # fully known: the plain function; or a value JSON would escape
    elif not isinstance(replacement, Unknown):
        return None
    if isinstance(text, PartialDocument):
        document = text.document
    elif isinstance(text, str):
        try:
            document = json.loads(text)
        except ValueError:
            return None
    else:
        return None

    def walk(value: Any) -> Any:
        if isinstance(value, Unknown):
            return opaque(value)
        if isinstance(value, str):
            if search not in value:
                return value
            return value.replace(search, replacement) if isinstance(replacement, str) else opaque(replacement)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            if any(search in key for key in value) and not isinstance(replacement, str):
                raise EvalError("placeholder in a key")
            return {key.replace(search, replacement) if search in key else key: walk(v) for key, v in value.items()}
        return value

    try:
        result = walk(document)
    except EvalError:
        return None
    unknown = first_unknown(result)
    if unknown is None:
        return text  # the placeholder does not occur: the text is unchanged
    return PartialDocument(unknown.reason, result)
