from __future__ import annotations

from pathlib import Path

import pytest

from scanner.registry import Selection
from scanner.scan import ScanOptions, ScanResult, scan

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"


def run_scan(*paths: Path, checks: set[str] | None = None, **options) -> ScanResult:
    """Scan without the on-disk cache, in-process, so tests are hermetic."""
    return scan(
        ScanOptions(paths=list(paths), selection=Selection(only=checks or set()), cache_dir=None, workers=1, **options)
    )


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
