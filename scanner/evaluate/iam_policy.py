"""The JSON an `aws_iam_policy_document` data source renders, from its evaluated arguments.

Follows the AWS provider: statements of `source_policy_documents` (and the older `source_json`)
first, then the `statement` blocks, then `override_policy_documents` (`override_json`); a later
statement with a Sid replaces the earlier one with that Sid, statements without a Sid are appended.

Unknown parts stay where they are: the result is a `PartialDocument` whose `document` has an
Unknown leaf (an ARN known after apply), an Unknown field (`Condition` from an unexpanded dynamic
block) or an Unknown statement (an unknown source document: any statements at all). A statement
that an unknown Sid may replace becomes an Unknown statement, so nothing absent is presented as
present and nothing replaced is presented as still granted.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.evaluate.hcl_expr import decoded, opaque
from scanner.evaluate.tf_functions import EvalError, first_unknown, jsonencode, to_set
from scanner.records import PartialDocument, Unknown

_SOURCES = ("source_policy_documents", "source_json")
_OVERRIDES = ("override_policy_documents", "override_json")


def render(attrs: dict[str, Any], address: str, unexpanded: set[str]) -> str | Unknown:
    """`json` of the data source; `unexpanded` holds the paths of dynamic blocks whose for_each is unknown."""
    statements: list[Any] = []
    document: dict[str, Any] = {"Version": attrs.get("version") or "2012-10-17"}
    for key in _SOURCES:
        for source in _documents(attrs.get(key), f"{address}: {key}"):
            _merge(statements, _statements_of(source))
    own = attrs.get("statement") or []
    current = [_statement(s, f"statement.{i}.", unexpanded) for i, s in enumerate(own)] if isinstance(own, list) else []
    if isinstance(own, Unknown) or "statement" in unexpanded:
        current.append(Unknown(f"{address}: dynamic statement blocks are unknown"))
    _merge(statements, current)
    for key in _OVERRIDES:
        for override in _documents(attrs.get(key), f"{address}: {key}"):
            _merge(statements, _statements_of(override))
    if attrs.get("policy_id"):
        document["Id"] = attrs["policy_id"]
    document["Statement"] = statements
    unknown = first_unknown(document)
    if unknown is None:
        return jsonencode(document)
    return PartialDocument(unknown.reason, document)


def _documents(value: Any, what: str) -> list[Any]:
    """Decoded policy documents of a JSON string or list of them; Unknown where one is not known."""
    if value is None:
        return []
    if isinstance(value, PartialDocument):
        return [value.document]
    if isinstance(value, Unknown):
        return [Unknown(f"{what}: {value.reason}")]
    if isinstance(value, str):
        try:
            return [json.loads(value)]
        except json.JSONDecodeError as exc:
            raise EvalError(f"{what} is not valid JSON: {exc.msg}") from None
    if isinstance(value, list):
        return [doc for item in value for doc in _documents(item, what)]
    raise EvalError(f"{what} must be JSON strings")


def _statements_of(document: Any) -> list[Any]:
    if isinstance(document, Unknown):
        return [opaque(document)]
    if not isinstance(document, dict):
        raise EvalError("policy document is not a JSON object")
    found = document.get("Statement", [])
    if isinstance(found, Unknown):
        return [opaque(found)]
    return [decoded(s) for s in (found if isinstance(found, list) else [found])]


def _sid(statement: Any) -> Any:
    return statement.get("Sid") or "" if isinstance(statement, dict) else statement


def _merge(statements: list[Any], new: list[Any]) -> None:
    """The provider's merge of one document's `new` statements into `statements` (Sid replaces, no Sid
    appends). Sids are unique within a document, so `new` only replaces statements merged before it."""
    earlier = len(statements)
    for statement in new:
        sid = _sid(statement)
        replaced = False
        if sid != "":
            for index, existing in enumerate(statements[:earlier]):
                existing_sid = _sid(existing)
                if existing_sid == "" or isinstance(existing, Unknown):
                    continue
                if isinstance(sid, Unknown) or isinstance(existing_sid, Unknown):
                    statements[index] = Unknown(f"statement {index + 1} may be replaced by one with an unknown Sid")
                elif existing_sid == sid and not replaced:
                    statements[index] = statement
                    replaced = True
        if not replaced:
            statements.append(statement)


def _set(value: Any) -> Any:
    """A set-of-strings argument as the provider writes it: one element alone, else a sorted list."""
    if isinstance(value, Unknown):
        return opaque(value)
    items = to_set(value)
    return items[0] if len(items) == 1 else items


def _statement(block: Any, path: str, unexpanded: set[str]) -> Any:
    if isinstance(block, Unknown) or not isinstance(block, dict):
        return Unknown(f"{path.rstrip('.')} is unknown")
    out: dict[str, Any] = {}
    if block.get("sid"):
        out["Sid"] = block["sid"]
    out["Effect"] = block.get("effect") or "Allow"
    for key, name in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource")):
        if block.get(key) is not None:
            out[name] = _set(block[key])
    if block.get("not_resources") is not None:
        out["NotResource"] = _set(block["not_resources"])
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principal = _principal(block.get(key) or [])
        if path + key in unexpanded:
            principal = Unknown(f"dynamic {key} blocks of {path.rstrip('.')} are unknown")
        if principal:
            out[name] = principal
    condition = _condition(block.get("condition") or [])
    if path + "condition" in unexpanded:
        condition = Unknown(f"dynamic condition blocks of {path.rstrip('.')} are unknown")
    if condition:
        out["Condition"] = condition
    return out


def _principal(blocks: Any) -> Any:
    if isinstance(blocks, Unknown):
        return opaque(blocks)
    principal: dict[str, Any] = {}
    for block in blocks:
        kind, identifiers = block.get("type"), block.get("identifiers") or []
        if isinstance(kind, Unknown):
            return opaque(kind)
        if kind == "*" and identifiers == ["*"]:
            return "*"
        listed = [opaque(identifiers)] if isinstance(identifiers, Unknown) else identifiers
        principal[kind] = _set([*_listed(principal.get(kind)), *listed])  # an Unknown element: maybe more
    return principal


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _condition(blocks: Any) -> Any:
    if isinstance(blocks, Unknown):
        return opaque(blocks)
    condition: dict[str, Any] = {}
    for block in blocks:
        test, variable, values = block.get("test"), block.get("variable"), block.get("values")
        for part in (test, variable):
            if isinstance(part, Unknown):
                return opaque(part)
        if isinstance(values, Unknown):
            condition.setdefault(test, {})[variable] = opaque(values)
            continue
        values = values or []
        condition.setdefault(test, {})[variable] = values[0] if len(values) == 1 else values
    return condition
