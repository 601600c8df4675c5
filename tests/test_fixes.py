"""Every built-in check that declares a fix proves it on its own failing fixture.

The fixture is copied, fixed with --unsafe (so every declared fix is exercised) and written, then
scanned again: each finding whose fix was applied is gone, no finding appears that was not there
before, every edited file still parses, and the check's fix clears at least one finding (a
declaration that never applies is dead). tests/test_fix.py covers where edits land and how.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.fix.spec import SetValue
from scanner.fix.stage import fix_regressions, propose, write
from scanner.registry import Selection, load_builtin_checks
from scanner.scan import ScanOptions, scan
from tests.conftest import FIXTURES

CHECKS = load_builtin_checks()
FIXABLE = sorted(check_id for check_id, check in CHECKS.items() if check.fix is not None)
FIX_VALUE_TYPES = (bool, int, float, str)


def _scan(root: Path, framework: str):
    selection = Selection(frameworks={framework})
    return scan(ScanOptions(paths=[root], selection=selection, cache_dir=None, workers=1, root=root))


@pytest.mark.parametrize("check_id", FIXABLE)
def test_fix_clears_its_findings_and_adds_none(check_id: str, tmp_path: Path) -> None:
    check = CHECKS[check_id]
    root = tmp_path / "fail"
    shutil.copytree(FIXTURES / "checks" / check_id / "fail", root)
    before = _scan(root, check.framework)
    run = propose(before, unsafe=True)
    mine = [f for f in run.result.findings if f.check_id == check_id and f.fix is not None]
    applied = [f for f in mine if f.fix and f.fix.applied]
    reasons = sorted({f.fix.reason for f in mine if f.fix and not f.fix.applied})
    assert applied, f"{check_id}: no finding of its failing fixture is fixed ({reasons})"
    assert write(run) == []
    after = _scan(root, check.framework)
    assert not [e for e in after.errors if e.level == "error"], after.errors
    regressions = fix_regressions(run, after)
    assert not regressions, f"{check_id}: {regressions}"


@pytest.mark.parametrize("check_id", FIXABLE)
def test_fix_declaration_is_a_plain_value_and_says_why_when_unsafe(check_id: str) -> None:
    fix = CHECKS[check_id].fix
    if isinstance(fix, SetValue):
        values = fix.value if isinstance(fix.value, list) else [fix.value]
        assert all(isinstance(v, FIX_VALUE_TYPES) for v in values), f"{check_id}: {fix.value!r}"
    assert fix is not None and (not fix.unsafe or len(fix.unsafe.split()) >= 4), f"{check_id}: say why it is unsafe"
