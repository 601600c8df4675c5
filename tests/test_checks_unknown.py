"""Graph checks answer unknown, never pass, when a link they depend on cannot be followed: every
graph check has an `unknown/` fixture (run by tests/test_checks.py) where it must answer unknown."""

from __future__ import annotations

import pytest

from scanner.registry import load_builtin_checks
from tests.conftest import FIXTURES

GRAPH_CHECKS = sorted(c.id for c in load_builtin_checks().values() if c.graph)
# graph checks whose graph question cannot be unknown, and why
NEVER_UNKNOWN = {
    "IG-DKR-036": "compares the stage aliases of one file, which BuildKit never substitutes",
    "IG-DKR-037": "asks only whether a workload runs the image; an image no workload is linked to is reported",
    "IG-K8S-011": "asks only whether a Skaffold config in the scanned files builds the image",
    "IG-K8S-014": "the graph only lowers the severity (ingress controller, Ingress backend); exposure is read",
    "IG-K8S-045": "the graph only hands subjects IG-K8S-021 reports to it; the binding's roleRef is read",
    "IG-K8S-067": "asks only whether a Skaffold config or kustomization in the scanned files sets the tag",
    "IG-K8S-070": "asks only whether a declared Service selects the workload; none means no readiness need",
    "IG-K8S-079": "reports a selector that matches nothing declared, and only where the pods are declared",
    "IG-AWS-100": 'its link (the endpoint service) only sets the severity: a "*" principal fails whatever it says',
}


@pytest.mark.parametrize("check_id", [c for c in GRAPH_CHECKS if c not in NEVER_UNKNOWN])
def test_every_graph_check_has_an_unknown_fixture(check_id: str) -> None:
    assert (FIXTURES / "checks" / check_id / "unknown").is_dir(), f"{check_id} has no unknown/ fixture"
