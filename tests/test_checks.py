"""Every registered check proves itself on its own fixtures.

`fixtures/checks/<ID>/fail/` must report exactly the lines marked `iacgate:expect <ID>`
(tests/expect.py), `pass/` must report nothing, the optional `unknown/` must make the check answer
unknown, and the corrected `example` in the check's help text must not fail it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.docs import retired_ids
from scanner.registry import load_builtin_checks
from tests.conftest import FIXTURES, REPO, run_scan
from tests.expect import Expectation, read_markers

CHECKS = load_builtin_checks()
IDS = sorted(CHECKS)
CHECK_ID = re.compile(r"^IG-[A-Z][A-Z0-9]{0,4}-\d{3}$")
STAGE_FOR_FRAGMENTS = "FROM debian:12-slim"
EXAMPLE_FILE = {"terraform": "main.tf", "kubernetes": "manifest.yaml", "dockerfile": "Dockerfile"}


def _describe(items: set[tuple[str, int]], folder: Path) -> str:
    return ", ".join(f"{(folder / file).relative_to(REPO)}:{line}" for file, line in sorted(items))


def _no_scan_errors(result) -> None:
    assert not [e for e in result.errors if e.level == "error"], result.errors


@pytest.mark.parametrize("check_id", IDS)
def test_check_fails_on_exactly_the_marked_lines(check_id: str) -> None:
    folder = FIXTURES / "checks" / check_id / "fail"
    assert folder.is_dir(), f"{check_id} has no failing fixture ({folder.relative_to(REPO)})"
    marked = read_markers(folder)
    assert all(m.check_id in CHECKS for m in marked), [m for m in marked if m.check_id not in CHECKS]
    expected = {(m.file, m.line) for m in marked if m.check_id == check_id}
    assert expected, f"{check_id}: no line of {folder.relative_to(REPO)} is marked `iacgate:expect {check_id}`"
    result = run_scan(folder, checks={check_id})
    _no_scan_errors(result)
    found = {(f.location.file, f.location.start_line) for f in result.findings if f.check_id == check_id}
    missed, unexpected = expected - found, found - expected
    assert not missed and not unexpected, (
        f"{check_id}: marked but not reported: [{_describe(missed, folder)}]; "
        f"reported but not marked: [{_describe(unexpected, folder)}]"
    )


@pytest.mark.parametrize("check_id", IDS)
def test_check_passes_on_its_passing_fixture(check_id: str) -> None:
    folder = FIXTURES / "checks" / check_id / "pass"
    assert folder.is_dir(), f"{check_id} has no passing fixture"
    assert not read_markers(folder), f"{folder.relative_to(REPO)} carries expect markers: they belong in fail/"
    result = run_scan(folder, checks={check_id})
    _no_scan_errors(result)
    found = {(f.location.file, f.location.start_line) for f in result.findings if f.check_id == check_id}
    assert not found, f"{check_id} reported on its passing fixture: [{_describe(found, folder)}]"
    assert result.passed > 0, f"{check_id}: the passing fixture has no resource the check looked at"


UNKNOWN_IDS = [i for i in IDS if (FIXTURES / "checks" / i / "unknown").is_dir()]


@pytest.mark.parametrize("check_id", UNKNOWN_IDS)
def test_check_answers_unknown_on_its_unknown_fixture(check_id: str) -> None:
    folder = FIXTURES / "checks" / check_id / "unknown"
    result = run_scan(folder, checks={check_id})
    _no_scan_errors(result)
    found = {(f.location.file, f.location.start_line) for f in result.findings if f.check_id == check_id}
    assert not found, f"{check_id} failed where it should answer unknown: [{_describe(found, folder)}]"
    assert [u for u in result.unknowns if u.check_id == check_id], f"{check_id} did not answer unknown"


@pytest.mark.parametrize("check_id", [i for i in IDS if CHECKS[i].example])
def test_check_example_does_not_fail_the_check(check_id: str, tmp_path: Path) -> None:
    chk = CHECKS[check_id]
    example = chk.example
    if chk.framework == "dockerfile" and not re.search(r"^\s*FROM\s", example, flags=re.M | re.I):
        example = f"{STAGE_FOR_FRAGMENTS}\n{example}"  # a fragment of a stage, as help text shows it
    (tmp_path / EXAMPLE_FILE[chk.framework]).write_text(example + "\n", encoding="utf-8")
    result = run_scan(tmp_path, checks={check_id})
    _no_scan_errors(result)
    assert [f for f in result.findings if f.check_id == check_id] == [], f"{check_id}: its own example fails it"


def test_every_check_has_complete_metadata() -> None:
    for chk in CHECKS.values():
        assert chk.title and chk.description and chk.remediation and chk.cwe.startswith("CWE-"), chk.id
        assert chk.resource_types, chk.id


def test_check_ids_are_well_formed_and_never_reuse_a_retired_id() -> None:
    malformed = [i for i in IDS if not CHECK_ID.match(i)]
    assert not malformed, f"check ids must look like IG-<AREA>-<NNN>: {malformed}"
    reused = sorted(retired_ids() & set(IDS))
    assert not reused, f"retired ids are never reused (checks/RETIRED.md): {reused}"


def test_every_fixture_folder_belongs_to_a_registered_check() -> None:
    orphans = sorted(p.name for p in (FIXTURES / "checks").iterdir() if p.is_dir() and p.name not in CHECKS)
    assert not orphans, f"fixtures of no registered check (retire the id in checks/RETIRED.md): {orphans}"


def test_expect_markers_read_trailing_and_own_line_forms(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:12\n# iacgate:expect IG-DKR-001, IG-DKR-002\n\n# a comment\nRUN make\n", encoding="utf-8"
    )
    (tmp_path / "main.tf").write_text('resource "x" "y" {\n  a = 1  # iacgate:expect IG-AWS-001\n}\n')
    assert read_markers(tmp_path) == [
        Expectation("Dockerfile", 5, "IG-DKR-001", 2),
        Expectation("Dockerfile", 5, "IG-DKR-002", 2),
        Expectation("main.tf", 2, "IG-AWS-001", 2),
    ]


def test_an_expect_marker_without_a_line_to_mark_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "x" "y" {}\n# iacgate:expect IG-AWS-001\n')
    with pytest.raises(ValueError, match=r"main.tf:2"):
        read_markers(tmp_path)
