"""The fix run for review: a unified diff `git apply` and `patch -p1` accept, with `#` comment headers
naming each fix (check, resource, where the value was set, why it needs review), then the fixes not
made and why. Comment lines outside a file's hunks are ignored by both tools."""

from __future__ import annotations

import difflib
from collections import defaultdict

from scanner.fix.stage import APPLIED, NEEDS_UNSAFE, FixRun
from scanner.records import Finding


def render(run: FixRun) -> str:
    proposed = [f for f in run.result.findings if f.fix is not None]
    applied = [f for f in proposed if f.fix and f.fix.status == APPLIED]
    waiting = [f for f in proposed if f.fix and f.fix.status == NEEDS_UNSAFE]
    refused = [f for f in proposed if f.fix and f.fix.status not in (APPLIED, NEEDS_UNSAFE)]
    out = [
        f"# iacgate fix: {len(applied)} fixed in {len(run.changes)} file(s); "
        f"{len(waiting)} need --unsafe; {len(refused)} not fixable here"
    ]
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in applied:
        assert finding.fix is not None
        for edit in finding.fix.edits[:1]:
            by_file[edit.file].append(finding)
    for rel, (before, after) in sorted(run.changes.items()):
        out.append("#")
        for finding in by_file.get(rel, []):
            assert finding.fix is not None
            note = f"  [unsafe: {finding.fix.warning}]" if finding.fix.warning else ""
            out.append(f"# {finding.fix.summary}{note}")
        diff = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{rel}", f"b/{rel}"
        )
        for line in diff:
            out.append(line.rstrip("\n") if line.endswith("\n") else line + "\n\\ No newline at end of file")
    for title, group in (("needs --unsafe", waiting), ("not fixable here", refused)):
        if group:
            out.append("#")
            out.append(f"# {title}:")
            for finding in group:
                assert finding.fix is not None
                out.append(f"#   {finding.fix.summary}: {finding.fix.reason}")
    return "\n".join(out) + "\n"
