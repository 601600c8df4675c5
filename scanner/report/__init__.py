"""Stage 7: renderers. Each module exposes `render(result, context) -> str`; output is deterministic."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from scanner.records import Severity
from scanner.scan import ScanResult

FORMATS = ("console", "json", "sarif", "junit")


@dataclass(frozen=True)
class ReportContext:
    threshold: Severity = Severity.LOW
    color: bool = False
    show_unknown: bool = False


def renderer(name: str) -> Callable[[ScanResult, ReportContext], str]:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name}")
    return importlib.import_module(f"scanner.report.{name}").render
