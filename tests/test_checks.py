"""Every registered check proves itself on its own fixtures: fails where expected, passes clean."""

from __future__ import annotations

import pytest
import yaml

from scanner.registry import load_builtin_checks
from tests.conftest import FIXTURES, run_scan

CHECKS = sorted(load_builtin_checks())


@pytest.mark.parametrize("check_id", CHECKS)
def test_check_fails_on_exactly_the_expected_lines(check_id: str) -> None:
    folder = FIXTURES / "checks" / check_id
    expected_file = folder / "expected.yaml"
    assert (folder / "fail").is_dir() and expected_file.is_file(), f"{check_id} has no failing fixture"
    expected = {(file, line) for file, lines in yaml.safe_load(expected_file.read_text()).items() for line in lines}
    assert expected, f"{check_id}: expected.yaml lists no failing line"
    result = run_scan(folder / "fail", checks={check_id})
    assert not [e for e in result.errors if e.level == "error"], result.errors
    found = {(f.location.file, f.location.start_line) for f in result.findings if f.check_id == check_id}
    assert found == expected


@pytest.mark.parametrize("check_id", CHECKS)
def test_check_passes_on_its_passing_fixture(check_id: str) -> None:
    folder = FIXTURES / "checks" / check_id / "pass"
    assert folder.is_dir(), f"{check_id} has no passing fixture"
    result = run_scan(folder, checks={check_id})
    assert not [e for e in result.errors if e.level == "error"], result.errors
    assert [f for f in result.findings if f.check_id == check_id] == []
    assert result.passed > 0, f"{check_id}: the passing fixture has no resource the check looked at"


def test_every_check_has_complete_metadata() -> None:
    for chk in load_builtin_checks().values():
        assert chk.title and chk.description and chk.remediation and chk.cwe.startswith("CWE-"), chk.id
        assert chk.resource_types, chk.id
