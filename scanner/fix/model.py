"""A fix judged on the evaluated resource before any file is touched.

The declared value is written into a copy of the resource's attributes and the checks are run again:
the fix is kept only if it clears its finding and no check that passed on the resource now fails. So a
declaration that names the wrong path, or a value that trips another check, is refused here instead of
being written into someone's repository.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scanner.graph import ResourceGraph
from scanner.records import Finding, Resource, UnknownValue
from scanner.registry import Check, Fail


def target_path(attribute: str | None, path: str) -> str:
    """`path` anchored on the finding's attribute: the longest leading part of `path` that the attribute
    already ends with is not repeated (see `SetValue`)."""
    have = attribute.split(".") if attribute else []
    want = path.split(".")
    for overlap in range(min(len(have), len(want)), 0, -1):
        if have[len(have) - overlap :] == want[:overlap]:
            return ".".join([*have, *want[overlap:]])
    if want[0] in have:  # a sibling of the path: `securityContext.runAsUser` for `securityContext.runAsNonRoot`
        return ".".join([*have[: len(have) - have[::-1].index(want[0]) - 1], *want])
    return ".".join([*have, *want])


def with_value(resource: Resource, path: str, value: Any) -> Resource | None:
    """A copy of `resource` with `value` at `path`, creating missing maps (and a first block for a
    Terraform `name.0`); None when the path runs through something that is not a map or list."""
    attributes = copy.deepcopy(resource.attributes)
    node: Any = attributes
    parts = path.split(".")
    for position, part in enumerate(parts[:-1]):
        following = parts[position + 1]
        if isinstance(node, dict):
            if part not in node or node[part] is None:
                node[part] = [{}] if following == "0" and resource.framework == "terraform" else {}
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) <= len(node):
            if int(part) == len(node):
                node.append({})
            node = node[int(part)]
        else:
            return None
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    else:
        return None
    return replace(resource, attributes=attributes)


def _fails(check: Check, resource: Resource, graph: ResourceGraph | None) -> set[tuple[str, str | None, str]] | None:
    """(check, attribute, message) of each failure; None when the check cannot decide or errs."""
    try:
        if check.graph:
            if graph is None:
                return None
            verdict = check.fn(resource, graph)
        else:
            verdict = check.fn(resource)
    except UnknownValue:
        return None
    except Exception:  # a check bug on an unusual value: the fix is not judged safe
        return None
    fails = [verdict] if isinstance(verdict, Fail) else list(verdict or [])
    return {(check.id, f.attribute, f.message or check.title) for f in fails}


def judge(
    finding: Finding, check: Check, patched: Resource, others: Iterable[Check], graph: ResourceGraph | None
) -> str:
    """ "" when the patched resource clears the finding and fails no check it passed; else why not."""
    before = _fails(check, finding.resource, graph) or set()
    after = _fails(check, patched, graph)
    if after is None:
        return "the check cannot decide on the fixed value"
    if (check.id, finding.attribute, finding.message) in after or len(after) >= len(before):
        return "the declared fix does not clear this finding"
    for other in others:
        if other.id == check.id:
            continue
        was = _fails(other, finding.resource, graph)
        now = _fails(other, patched, graph)
        if now and len(now) > len(was or ()):  # counted: a failure may move (a container -> its securityContext)
            return f"the fix would make {other.id} fail"
    return ""
