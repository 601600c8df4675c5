"""Check that a change left every result alone: the full-corpus JSON report of this checkout and of
a baseline checkout must be identical byte for byte.

    git archive <commit before> | tar -x -C /tmp/before
    .venv/bin/python bench/same_results.py /tmp/before

Both run as `python -m scanner.cli scan CORPUS --format json --no-cache` from their own directory
with this interpreter. Exit status 0 when identical, 1 with the first differing line otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from run import default_corpus


def report(checkout: Path, corpus: Path) -> bytes:
    cmd = [sys.executable, "-m", "scanner.cli", "scan", str(corpus), "--format", "json", "--no-cache"]
    return subprocess.run(cmd, cwd=checkout, capture_output=True, check=False).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="the checkout to compare with")
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    args = parser.parse_args()
    ours, theirs = report(Path.cwd(), args.corpus), report(args.baseline.resolve(), args.corpus)
    if not ours or not theirs:
        raise SystemExit("a scan wrote no report")
    if ours == theirs:
        print(f"identical: {len(ours):,} bytes")
        return 0
    for number, (a, b) in enumerate(zip(ours.splitlines(), theirs.splitlines(), strict=False), start=1):
        if a != b:
            print(f"line {number} differs:\n  this:     {a.decode()[:300]}\n  baseline: {b.decode()[:300]}")
            break
    else:
        print(f"one report is a prefix of the other ({len(ours):,} vs {len(theirs):,} bytes)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
