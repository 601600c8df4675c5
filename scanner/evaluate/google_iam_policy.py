"""The `policy_data` a `google_iam_policy` data source renders, from its evaluated arguments.

Follows the google provider: each `binding` block becomes {"role", "members" (a sorted set), "condition"},
each `audit_config` block {"service", "auditLogConfigs": [{"logType", "exemptedMembers"}]}. Unknown parts
stay where they are, so the result is a `PartialDocument` when a member, a role or a dynamic block is not
known; checks judge the known bindings and answer unknown only where an unknown one could matter.
"""

from __future__ import annotations

from typing import Any

from scanner.evaluate.hcl_expr import opaque
from scanner.evaluate.tf_functions import first_unknown, jsonencode, to_set
from scanner.records import PartialDocument, Unknown


def render(attrs: dict[str, Any], address: str, unexpanded: set[str]) -> str | Unknown:
    """`policy_data` of the data source; `unexpanded` holds the paths of dynamic blocks whose for_each is unknown."""
    document: dict[str, Any] = {}
    bindings = [_binding(b, f"{address}: binding {i + 1}") for i, b in enumerate(_blocks(attrs.get("binding")))]
    if "binding" in unexpanded or isinstance(attrs.get("binding"), Unknown):
        bindings.append(Unknown(f"{address}: dynamic binding blocks are unknown"))
    if bindings:
        document["bindings"] = bindings
    audits = [_audit(a, f"{address}: audit_config {i + 1}") for i, a in enumerate(_blocks(attrs.get("audit_config")))]
    if "audit_config" in unexpanded or isinstance(attrs.get("audit_config"), Unknown):
        audits.append(Unknown(f"{address}: dynamic audit_config blocks are unknown"))
    if audits:
        document["auditConfigs"] = audits
    unknown = first_unknown(document)
    if unknown is None:
        return jsonencode(document)
    return PartialDocument(unknown.reason, document)


def _blocks(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _members(value: Any) -> Any:
    if isinstance(value, Unknown):
        return opaque(value)
    return to_set(value)


def _binding(block: Any, what: str) -> Any:
    if not isinstance(block, dict):
        return Unknown(f"{what} is unknown")
    out: dict[str, Any] = {"role": block.get("role"), "members": _members(block.get("members") or [])}
    conditions = _blocks(block.get("condition"))
    if conditions and isinstance(conditions[0], dict):
        out["condition"] = {k: v for k, v in conditions[0].items() if k in ("expression", "title", "description")}
    return out


def _audit(block: Any, what: str) -> Any:
    if not isinstance(block, dict):
        return Unknown(f"{what} is unknown")
    configs = [
        {"logType": c.get("log_type"), "exemptedMembers": _members(c.get("exempted_members") or [])}
        if isinstance(c, dict)
        else Unknown(f"{what}: audit_log_configs is unknown")
        for c in _blocks(block.get("audit_log_configs"))
    ]
    return {"service": block.get("service"), "auditLogConfigs": configs}
