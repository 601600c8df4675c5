"""Graph checks answer unknown, never pass, when a link they depend on cannot be followed: every
graph check has an `unknown/` fixture (run by tests/test_checks.py) where it must answer unknown."""

from __future__ import annotations

import pytest

from scanner.registry import load_builtin_checks
from tests.conftest import FIXTURES

GRAPH_CHECKS = sorted(c.id for c in load_builtin_checks().values() if c.graph)


@pytest.mark.parametrize("check_id", GRAPH_CHECKS)
def test_every_graph_check_has_an_unknown_fixture(check_id: str) -> None:
    assert (FIXTURES / "checks" / check_id / "unknown").is_dir(), f"{check_id} has no unknown/ fixture"
