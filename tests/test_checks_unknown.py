"""Graph checks answer unknown, never pass, when a link they depend on cannot be followed: every
graph check has an `unknown/` fixture where it must report neither a finding nor a pass."""

from __future__ import annotations

import pytest

from scanner.registry import load_builtin_checks
from tests.conftest import FIXTURES, run_scan

GRAPH_CHECKS = sorted(c.id for c in load_builtin_checks().values() if c.graph)
WITH_UNKNOWN = sorted(p.parent.name for p in (FIXTURES / "checks").glob("*/unknown") if p.is_dir())


@pytest.mark.parametrize("check_id", GRAPH_CHECKS)
def test_every_graph_check_has_an_unknown_fixture(check_id: str) -> None:
    assert (FIXTURES / "checks" / check_id / "unknown").is_dir(), f"{check_id} has no unknown/ fixture"


@pytest.mark.parametrize("check_id", WITH_UNKNOWN)
def test_check_answers_unknown_on_its_unknown_fixture(check_id: str) -> None:
    result = run_scan(FIXTURES / "checks" / check_id / "unknown", checks={check_id})
    assert not [e for e in result.errors if e.level == "error"], result.errors
    assert [f for f in result.findings if f.check_id == check_id] == []
    assert [u for u in result.unknowns if u.check_id == check_id], f"{check_id} decided on its unknown fixture"
