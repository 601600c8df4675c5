"""`iacgate fix --write` on a copy of a corpus, then a rescan: what was fixed, and what it broke.

    python bench/fix_corpus.py ../shared/corpus [--unsafe] [--json results/fix.json]

The corpus is copied to a temporary directory (never into the repository), scanned with every
check, fixed and written, then scanned again. Reported: findings before and after, each fix status,
files changed, rescan regressions (per check and resource, more findings than expected: a fix that
did not clear, or a new finding), scan errors the edits introduced, and the time of each step.
Exit status 1 when there is any regression or new scan error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.fix.stage import fix_regressions, propose, write  # noqa: E402
from scanner.registry import Selection  # noqa: E402
from scanner.scan import ScanOptions, scan  # noqa: E402


def _scan(root: Path):
    return scan(ScanOptions(paths=[root], selection=Selection(), cache_dir=None, root=root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--unsafe", action="store_true", help="also make the fixes that need --unsafe")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="iacgate-fix-corpus-") as scratch:
        root = Path(scratch) / "corpus"
        shutil.copytree(args.corpus, root, symlinks=True)
        started = time.perf_counter()
        before = _scan(root)
        scanned = time.perf_counter()
        run = propose(before, unsafe=args.unsafe)
        proposed = time.perf_counter()
        write_errors = write(run)
        after = _scan(root)
        rescanned = time.perf_counter()
        regressions = fix_regressions(run, after)
        new_errors = sorted(
            {(e.file, e.message) for e in after.errors if e.level == "error"}
            - {(e.file, e.message) for e in before.errors if e.level == "error"}
        )
    statuses = Counter(f.fix.status for f in run.result.findings if f.fix is not None)
    fixed_by_check = Counter(f.check_id for f in run.result.findings if f.fix is not None and f.fix.applied)
    figures = {
        "unsafe": args.unsafe,
        "findings_before": len(before.findings),
        "findings_after": len(after.findings),
        "fix_status": dict(sorted(statuses.items())),
        "files_changed": len(run.changes),
        "checks_that_fixed": len(fixed_by_check),
        "regressions": regressions,
        "new_scan_errors": [f"{file}: {message}" for file, message in new_errors],
        "write_errors": [f"{e.file}: {e.message}" for e in write_errors],
        "seconds": {
            "scan": round(scanned - started, 1),
            "propose": round(proposed - scanned, 1),
            "write_and_rescan": round(rescanned - proposed, 1),
        },
        "top_fixed_checks": dict(fixed_by_check.most_common(15)),
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 1 if regressions or new_errors or write_errors else 0


if __name__ == "__main__":
    sys.exit(main())
