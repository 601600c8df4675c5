"""Stage 6: the filter. Turns raw check findings into what the team has decided to see and gate on.

In order: severity overrides and per-path skips from the config; copies of one module finding from
several roots merged into one (`dedupe`); fingerprints; inline
suppressions (kept, marked `suppression`); the baseline (kept, marked `baseline_state`,
`first_seen`, `overdue`); and `--diff-base` (findings outside the change are dropped and
counted). Nothing here drops a finding silently: every removal is counted or configured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scanner.config import PathOverride
from scanner.filter import baseline, dedupe, diff, suppress
from scanner.fingerprint import assign_fingerprints
from scanner.records import Finding, ScanResult, Severity
from scanner.registry import load_builtin_checks

BASELINE_MODES = ("use", "create", "update")


@dataclass
class FilterOptions:
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    per_path: list[PathOverride] = field(default_factory=list)
    baseline: Path | None = None
    baseline_mode: str = "use"  # use: read it; create: write the current findings; update: rewrite, keep dates
    sla: dict[Severity, int] = field(default_factory=dict)  # days a baselined finding may stay open
    diff_base: str | None = None  # git ref; report only findings touching lines changed since it
    today: Callable[[], date] = date.today  # injectable clock for first-seen dates and expiries


def apply(result: ScanResult, options: FilterOptions) -> ScanResult:
    """A new ScanResult. The check stage's findings are left as they are: the filter marks copies
    of them (fingerprint, severity, suppression, baseline state) that it makes here."""
    today = options.today()
    findings = [f for f in (_override(f, options) for f in result.findings) if f is not None]
    findings = dedupe.merge_module_copies(findings)  # before fingerprints: a merged finding keeps its first root's
    assign_fingerprints(findings)  # first: suppressions and baselines match on them
    known = set(load_builtin_checks()) | {c.id for c in result.checks}  # the user's checks too
    warnings = suppress.apply(findings, result.files, result.resources, today, known)
    if options.baseline is not None:
        if options.baseline_mode not in BASELINE_MODES:
            raise ValueError(f"unknown baseline mode {options.baseline_mode!r}")
        if options.baseline_mode == "use":
            entries = baseline.load(options.baseline)
        else:
            previous = (
                baseline.load(options.baseline)
                if options.baseline_mode == "update" and options.baseline.exists()
                else None
            )
            entries = baseline.build(findings, today, previous)
            baseline.write(entries, options.baseline)
        baseline.mark(findings, entries, options.sla, today)
    outside = 0
    if options.diff_base is not None:
        changed = diff.changed_lines(result.root, options.diff_base)
        kept = [f for f in findings if diff.touches(f, changed)]
        outside = len(findings) - len(kept)
        findings = kept
    errors = sorted([*result.errors, *warnings], key=lambda e: (e.file, e.line or 0, e.message))
    return dataclasses.replace(
        result, findings=sorted(findings, key=lambda f: f.sort_key), errors=errors, outside_diff=outside
    )


def _override(finding: Finding, options: FilterOptions) -> Finding | None:
    """The filter's copy of a finding with severity overrides applied (per-path ones win); None when a
    per-path skip drops it."""
    severity = options.severity_overrides.get(finding.check_id, finding.severity)
    for override in options.per_path:
        if override.matches(finding.location.file):
            if finding.check_id in override.skip_checks:
                return None
            severity = override.severity_overrides.get(finding.check_id, severity)
    return dataclasses.replace(finding, severity=severity)
