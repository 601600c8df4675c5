"""Terraform (.tf, .tf.json, .tfvars) parsing into blocks with exact lines and expression ASTs.

python-hcl2 7.3.1's LALR grammar gives the syntax tree with positions; a lark Transformer turns it
into `Block`/`Attribute` records whose values are small tuple ASTs (see `scanner.evaluate.hcl_expr`)
so the evaluator never re-parses the "${...}" strings python-hcl2's dict output would give. The
result is plain tuples and slotted classes: picklable for the parse cache and worker processes.
"""

from __future__ import annotations

import builtins
import json
import re
from typing import Any

from hcl2.parser import parser as hcl_parser
from lark import Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedInput

from scanner.parsers import ParsedFile
from scanner.records import ScanError

Expr = tuple  # AST node: (kind, ...); see scanner.evaluate.hcl_expr for the kinds


class Attribute:
    __slots__ = ("name", "expr", "line", "end_line")

    def __init__(self, name: str, expr: Expr, line: int, end_line: int) -> None:
        self.name, self.expr, self.line, self.end_line = name, expr, line, end_line

    def __getstate__(self) -> tuple:
        return (self.name, self.expr, self.line, self.end_line)

    def __setstate__(self, state: tuple) -> None:
        self.name, self.expr, self.line, self.end_line = state


class Block:
    """A block: `type "label" ... { attributes; blocks }` with its line range."""

    __slots__ = ("type", "labels", "attributes", "blocks", "line", "end_line")

    def __init__(
        self, type: str, labels: list[str], attributes: dict[str, Attribute], blocks: list[Block], line: int, end: int
    ) -> None:
        self.type, self.labels, self.attributes, self.blocks = type, labels, attributes, blocks
        self.line, self.end_line = line, end

    def __getstate__(self) -> tuple:
        return (self.type, self.labels, self.attributes, self.blocks, self.line, self.end_line)

    def __setstate__(self, state: tuple) -> None:
        self.type, self.labels, self.attributes, self.blocks, self.line, self.end_line = state


class TerraformFile:
    """One parsed file: its top-level attributes (tfvars) and blocks (everything else)."""

    __slots__ = ("rel", "attributes", "blocks", "text")

    def __init__(self, rel: str, attributes: dict[str, Attribute], blocks: list[Block], text: str = "") -> None:
        self.rel, self.attributes, self.blocks, self.text = rel, attributes, blocks, text

    def __getstate__(self) -> tuple:
        return (self.rel, self.attributes, self.blocks, self.text)

    def __setstate__(self, state: tuple) -> None:
        self.rel, self.attributes, self.blocks, self.text = state


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        seq = match.group(1)
        if seq[0] in "uU" and len(seq) > 1:
            return chr(int(seq[1:], 16))
        return _ESCAPES.get(seq, "\\" + seq)

    return _ESCAPE.sub(one, text)


_BINARY = {"==", "!=", "<", ">", "<=", ">=", "-", "*", "/", "%", "&&", "||", "+"}


class _ToAst(Transformer):
    """Syntax tree -> Block/Attribute records and tuple expression ASTs."""

    def __init__(self, text: str) -> None:
        super().__init__(visit_tokens=False)
        self.text = text  # source, for what lark's tree drops (the `...` of an expanded call)

    # structure -------------------------------------------------------------------------------
    def start(self, args: list) -> Any:
        return args[0]

    def body(self, args: list) -> tuple[dict[str, Attribute], list[Block]]:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for item in args:
            if isinstance(item, Attribute):
                attributes[item.name] = item
            elif isinstance(item, Block):
                blocks.append(item)
        return attributes, blocks

    @v_args(meta=True)
    def block(self, meta: Any, args: list) -> Block:
        parts = [a for a in args if a is not None]
        attributes, blocks = parts[-1]
        labels = [_label(p) for p in parts[1:-1]]
        return Block(_label(parts[0]), labels, attributes, blocks, meta.line, meta.end_line)

    @v_args(meta=True)
    def attribute(self, meta: Any, args: list) -> Attribute:
        return Attribute(_label(args[0]), args[2], meta.line, meta.end_line)

    def new_line_or_comment(self, args: list) -> None:
        return None

    def identifier(self, args: list) -> Expr:
        return ("name", str(args[0]))

    # literals --------------------------------------------------------------------------------
    def int_lit(self, args: list) -> Expr:
        return ("lit", int("".join(str(a) for a in args)))

    def float_lit(self, args: list) -> Expr:
        return ("lit", float("".join(str(a) for a in args)))

    def string(self, args: list) -> Expr:
        parts: list[Any] = []
        raw_directive = False
        for part in args:
            if isinstance(part, str):
                if "%{" in part and "%%{" not in part:
                    raw_directive = True
                if parts and isinstance(parts[-1], str):
                    parts[-1] += part
                else:
                    parts.append(part)
            else:
                parts.append(part)
        if raw_directive:
            return ("tmpl", parse_template(unescape_parts(parts)))
        parts = [unescape(p) if isinstance(p, str) else p for p in parts]
        if not parts:
            return ("lit", "")
        if len(parts) == 1 and isinstance(parts[0], str):
            return ("lit", parts[0])
        if len(parts) == 1:
            return ("tmpl1", parts[0])  # "${x}" alone keeps x's type, as in Terraform
        return ("tmpl", tuple(parts))

    def string_part(self, args: list) -> Any:
        part = args[0]
        if isinstance(part, Token):
            text = str(part)
            if part.type == "ESCAPED_INTERPOLATION":
                return text[1:]
            return text.replace("%%{", "%{")
        return part

    def interpolation(self, args: list) -> Expr:
        return args[0]

    def heredoc_template(self, args: list) -> Expr:
        return self._heredoc(args[0], trim=False)

    def heredoc_template_trim(self, args: list) -> Expr:
        return self._heredoc(args[0], trim=True)

    def _heredoc(self, token: Token, trim: bool) -> Expr:
        raw = str(token)
        first_newline = raw.index("\n")
        lines = raw[first_newline + 1 :].split("\n")
        # last element is "" after the final newline; the one before is the closing marker
        body_lines = lines[:-2] if len(lines) >= 2 else []
        if trim:
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in body_lines if ln.strip()]
            cut = min(indents) if indents else 0
            body_lines = [ln[cut:] for ln in body_lines]
        body = "\n".join(body_lines) + ("\n" if body_lines else "")
        if "${" not in body and "%{" not in body:
            return ("lit", body)
        return ("tmpl", parse_template(body))

    # collections -----------------------------------------------------------------------------
    def tuple(self, args: list) -> Expr:
        return ("tuple", tuple(a for a in args if a is not None))

    def object(self, args: list) -> Expr:
        return ("object", tuple(a for a in args if isinstance(a, tuple) and a and a[0] == "elem"))

    @v_args(meta=True)
    def object_elem(self, meta: Any, args: list) -> Expr:
        return ("elem", args[0], args[2], meta.line)

    def object_elem_key(self, args: list) -> Expr:
        key = args[0]
        if key[0] == "name":
            return ("lit", key[1])
        return key

    def object_elem_key_dot_accessor(self, args: list) -> Expr:
        return ("lit", ".".join(a[1] for a in args if isinstance(a, tuple)))

    def object_elem_key_expression(self, args: list) -> Expr:
        return next(a for a in args if isinstance(a, tuple))

    # expressions -----------------------------------------------------------------------------
    def expr_term(self, args: list) -> Expr:
        inner = [a for a in args if a is not None and not isinstance(a, Token)]
        if len(args) > 1 or (args and isinstance(args[0], Token)):
            return ("group", inner[0])
        node = inner[0]
        if node[0] == "name":
            return _CONSTANTS.get(node[1]) or ("ref", node[1], ())
        return node

    def get_attr_expr_term(self, args: list) -> Expr:
        return _traverse(args[0], ("attr", args[1]))

    def get_attr(self, args: list) -> str:
        return args[0][1]

    def index_expr_term(self, args: list) -> Expr:
        return _traverse(args[0], args[1])

    def index(self, args: list) -> Expr:
        values = [a for a in args if a is not None]
        if values and isinstance(values[0], Token):
            return ("index", ("lit", int("".join(str(v) for v in values))))
        return ("index", values[0])

    def attr_splat_expr_term(self, args: list) -> Expr:
        return ("splat", args[0], args[1])

    def attr_splat(self, args: list) -> builtins.tuple:
        return tuple(("attr", a) for a in args if isinstance(a, str))

    def full_splat_expr_term(self, args: list) -> Expr:
        return ("splat", args[0], args[1])

    def full_splat(self, args: list) -> builtins.tuple:
        return tuple(("attr", a) if isinstance(a, str) else a for a in args if a is not None)

    @v_args(meta=True)
    def function_call(self, meta: Any, args: list) -> Expr:
        name = args[0][1]
        arguments = next((a for a in args[1:] if isinstance(a, list)), [])
        # "..." is an anonymous token lark drops: look at the source text before ")"
        expand = bool(arguments) and self.text[meta.start_pos : meta.end_pos - 1].rstrip().endswith("...")
        return ("call", name, tuple(arguments), expand)

    def provider_function_call(self, args: list) -> Expr:
        names = [a[1] for a in args if isinstance(a, tuple) and a and a[0] == "name"]
        return ("unknown", f"provider function {'::'.join(names)}")

    def colons(self, args: list) -> None:
        return None

    def arguments(self, args: list) -> list:
        return [a for a in args if isinstance(a, tuple)]

    def conditional(self, args: list) -> Expr:
        values = [a for a in args if a is not None]
        return ("cond", values[0], values[1], values[2])

    def binary_op(self, args: list) -> Expr:
        left = args[0]
        op, right = args[1]
        if right[0] == "cond":
            # the grammar nests `a && b ? x : y` as `a && (b ? x : y)`; HCL's conditional binds loosest
            return ("cond", _join(left, op, right[1]), right[2], right[3])
        return _join(left, op, right)

    def binary_term(self, args: list) -> builtins.tuple:
        values = [a for a in args if a is not None]
        return values[0], values[1]

    def binary_operator(self, args: list) -> str:
        return str(args[0])

    def unary_op(self, args: list) -> Expr:
        return ("unary", str(args[0]), args[1])

    def for_intro(self, args: list) -> builtins.tuple:
        names = [a[1] for a in args if isinstance(a, tuple) and a[0] == "name"]
        collection = [a for a in args if isinstance(a, tuple) and a[0] != "name"]
        key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return ("intro", key, value, collection[0])

    def for_cond(self, args: list) -> Expr:
        return ("forcond", next(a for a in args if isinstance(a, tuple)))

    def for_tuple_expr(self, args: list) -> Expr:
        intro = next(a for a in args if isinstance(a, tuple) and a[0] == "intro")
        exprs = [a for a in args if _is_expr(a)]
        cond = next((a[1] for a in args if isinstance(a, tuple) and a and a[0] == "forcond"), None)
        return ("for_t", intro[1], intro[2], intro[3], exprs[0], cond)

    def for_object_expr(self, args: list) -> Expr:
        intro = next(a for a in args if isinstance(a, tuple) and a[0] == "intro")
        exprs = [a for a in args if _is_expr(a)]
        cond = next((a[1] for a in args if isinstance(a, tuple) and a and a[0] == "forcond"), None)
        group = any(isinstance(a, Token) and str(a) == "..." for a in args)
        return ("for_o", intro[1], intro[2], intro[3], exprs[0], exprs[1], group, cond)


_CONSTANTS = {"true": ("lit", True), "false": ("lit", False), "null": ("lit", None)}


_EXPR_KINDS = {
    "lit", "tmpl", "tmpl1", "ref", "path", "splat", "call", "tuple", "object", "cond", "chain", "unary",
    "for_t", "for_o", "group", "unknown",
}  # fmt: skip


def _is_expr(node: Any) -> bool:
    return isinstance(node, tuple) and bool(node) and node[0] in _EXPR_KINDS


def _join(left: Expr, op: str, right: Expr) -> Expr:
    if right[0] == "chain":
        return ("chain", (left, *right[1]), (op, *right[2]))
    return ("chain", (left, right), (op,))


def _traverse(base: Expr, step: tuple) -> Expr:
    """Flatten `a.b[0].c` into ("ref", "a", (("attr","b"), ("index", 0), ("attr","c")))."""
    if base[0] == "ref":
        return ("ref", base[1], (*base[2], step))
    return ("path", base, (step,)) if base[0] != "path" else ("path", base[1], (*base[2], step))


def _label(node: Any) -> str:
    if isinstance(node, tuple):
        if node[0] in ("name", "lit"):
            return str(node[1])
        if node[0] == "ref" and not node[2]:
            return node[1]
    return str(node)


def unescape_parts(parts: list[Any]) -> str:
    """Source text of a quoted string that holds %{ } directives, for the template parser."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(unescape(part))
        else:
            out.append("${" + _INTERP_TOKEN.format(len(_PENDING)) + "}")
            _PENDING.append(part)
    return "".join(out)


_INTERP_TOKEN = "__iacgate_interp_{}"
_PENDING: list[Any] = []  # interpolations already parsed, spliced back by parse_template


# templates -------------------------------------------------------------------------------------
_DIRECTIVE = re.compile(r"^~?\s*(if|else|endif|for|endfor)\b(.*?)\s*~?$", re.S)


def _scan_close(text: str, start: int) -> int:
    """Index of the `}` closing the interpolation/directive opened just before `start`."""
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "{[(":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise ValueError("unclosed template interpolation")


def parse_expression(source: str) -> Expr:
    """Parse one HCL expression (inside a template) with the same grammar."""
    stripped = source.strip()
    match = re.fullmatch(r"__iacgate_interp_(\d+)", stripped)
    if match:
        return _PENDING[int(match.group(1))]
    source = f"x = {stripped}\n"
    body = _ToAst(source).transform(hcl_parser().parse(source))
    return body[0]["x"].expr


def parse_template(text: str) -> tuple:
    """Template text -> parts: str, expression, ("if", cond, then, else), ("for", k, v, coll, body)."""
    tokens: list[Any] = []
    i, n, buf = 0, len(text), []
    while i < n:
        if text.startswith("$${", i) or text.startswith("%%{", i):
            buf.append(text[i + 1 : i + 3])
            i += 3
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            close = _scan_close(text, i + 2)
            inner = text[i + 2 : close]
            strip_before = inner.startswith("~")
            if strip_before and buf:
                buf[-1] = buf[-1].rstrip()
            if buf:
                tokens.append("".join(buf))
                buf = []
            if text[i] == "$":
                tokens.append(("expr", parse_expression(inner.strip("~"))))
            else:
                match = _DIRECTIVE.match(inner.strip())
                if not match:
                    raise ValueError(f"unsupported template directive %{{{inner}}}")
                tokens.append(("dir", match.group(1), match.group(2).strip()))
            i = close + 1
            if inner.endswith("~"):
                while i < n and text[i] in " \t\r\n":
                    i += 1
            continue
        buf.append(text[i])
        i += 1
    if buf:
        tokens.append("".join(buf))
    return tuple(_nest(tokens, 0, ())[0])


def _nest(tokens: list[Any], pos: int, stop: tuple[str, ...]) -> tuple[list[Any], int]:
    out: list[Any] = []
    while pos < len(tokens):
        token = tokens[pos]
        if isinstance(token, str):
            out.append(token)
            pos += 1
            continue
        if token[0] == "expr":
            out.append(token[1])
            pos += 1
            continue
        _, kind, arg = token
        if kind in stop:
            return out, pos
        if kind == "if":
            then, pos = _nest(tokens, pos + 1, ("else", "endif"))
            other: list[Any] = []
            if pos < len(tokens) and tokens[pos][1] == "else":
                other, pos = _nest(tokens, pos + 1, ("endif",))
            out.append(("if", parse_expression(arg), tuple(then), tuple(other)))
            pos += 1
        elif kind == "for":
            match = re.match(r"([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*))?\s+in\s+(.*)$", arg, re.S)
            if not match:
                raise ValueError(f"bad template for: {arg}")
            body, pos = _nest(tokens, pos + 1, ("endfor",))
            key, value = (match.group(1), match.group(2)) if match.group(2) else (None, match.group(1))
            out.append(("tfor", key, value, parse_expression(match.group(3)), tuple(body)))
            pos += 1
        else:
            raise ValueError(f"unexpected template directive {kind}")
    return out, pos


# entry points ----------------------------------------------------------------------------------
_NEWLINE_BEFORE_QUESTION = re.compile(r"\n([ \t]*)\?(?=[^?])")


def _parse_tree(text: str) -> Tree:
    try:
        return hcl_parser().parse(text + "\n")
    except UnexpectedInput:
        # python-hcl2 7.3.1's grammar does not allow a newline before `?` in a conditional,
        # which HCL accepts inside parentheses; move the newline after it (same line count).
        if "?" not in text:
            raise
        return hcl_parser().parse(_NEWLINE_BEFORE_QUESTION.sub(r" \1?\n", text) + "\n")


def _json_file(text: str, rel: str) -> ParsedFile:
    """`.tf.json`: blocks from JSON objects; string values are templates as in Terraform."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedFile(rel, "terraform", errors=[ScanError(rel, exc.lineno, f"invalid JSON: {exc.msg}")])
    if not isinstance(data, dict):
        return ParsedFile(rel, "terraform", errors=[ScanError(rel, 1, "Terraform JSON must be an object")])
    depth = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}
    blocks: list[Block] = []
    attributes: dict[str, Attribute] = {}
    for kind, value in data.items():
        labels = depth.get(kind)
        if kind == "locals" and isinstance(value, dict):
            blocks.append(Block("locals", [], _json_attrs(value), [], 1, 1))
        elif labels is None:
            attributes[kind] = Attribute(kind, _json_expr(value), 1, 1)
        else:
            _json_labelled(kind, [], value, labels, blocks)
    return ParsedFile(rel, "terraform", payload=TerraformFile(rel, attributes, blocks))


def _json_labelled(kind: str, labels: list[str], value: Any, remaining: int, out: list[Block]) -> None:
    if remaining == 0:
        for body in value if isinstance(value, list) else [value]:
            if isinstance(body, dict):
                nested = [
                    Block(k, [], _json_attrs(item), [], 1, 1)
                    for k, v in body.items()
                    if k in ("lifecycle", "provisioner", "connection")
                    for item in (v if isinstance(v, list) else [v])
                    if isinstance(item, dict)
                ]
                attrs = {k: v for k, v in body.items() if k not in ("lifecycle", "provisioner", "connection")}
                out.append(Block(kind, labels, _json_attrs(attrs), nested, 1, 1))
        return
    if isinstance(value, dict):
        for label, inner in value.items():
            _json_labelled(kind, [*labels, label], inner, remaining - 1, out)


def _json_attrs(body: dict[str, Any]) -> dict[str, Attribute]:
    return {k: Attribute(k, _json_expr(v), 1, 1) for k, v in body.items()}


def _json_expr(value: Any) -> Expr:
    if isinstance(value, str):
        if "${" in value or "%{" in value:
            try:
                parts = parse_template(value)
            except Exception:
                return ("unknown", "unparsable template in JSON")
            if len(parts) == 1 and not isinstance(parts[0], str):
                return ("tmpl1", parts[0])
            return ("tmpl", parts)
        return ("lit", value)
    if isinstance(value, list):
        return ("tuple", tuple(_json_expr(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple(("elem", ("lit", k), _json_expr(v), 1) for k, v in value.items()))
    return ("lit", value)


def _hcl_file(text: str, rel: str, kind: str) -> ParsedFile:
    try:
        tree = _parse_tree(text)
    except UnexpectedInput as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return ParsedFile(rel, kind, errors=[ScanError(rel, getattr(exc, "line", None), f"invalid HCL: {first}")])
    try:
        attributes, blocks = _ToAst(text).transform(tree)
    except Exception as exc:  # lark wraps transformer errors (bad template...) in VisitError
        cause = getattr(exc, "orig_exc", exc)
        return ParsedFile(rel, kind, errors=[ScanError(rel, None, f"invalid HCL: {cause}")])
    finally:
        _PENDING.clear()
    return ParsedFile(rel, kind, payload=TerraformFile(rel, attributes, blocks))


def parse(text: str, rel: str) -> ParsedFile:
    if rel.endswith(".json"):
        return _json_file(text, rel)
    return _hcl_file(text, rel, "terraform")


def parse_tfvars(text: str, rel: str) -> ParsedFile:
    if rel.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return ParsedFile(rel, "tfvars", errors=[ScanError(rel, exc.lineno, f"invalid JSON: {exc.msg}")])
        lines = text.splitlines()
        attributes = {}
        for key, value in (data if isinstance(data, dict) else {}).items():
            line = next((i + 1 for i, ln in enumerate(lines) if f'"{key}"' in ln), 1)
            attributes[key] = Attribute(key, ("lit", value), line, line)
        return ParsedFile(rel, "tfvars", payload=TerraformFile(rel, attributes, []))
    return _hcl_file(text, rel, "tfvars")
