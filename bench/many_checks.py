"""Check dispatch with many checks: a warm full-corpus scan with the built-in checks against the same
scan with N checks registered in total (synthetic ones added), alternating run by run.

    .venv/bin/python bench/many_checks.py                 # 500 checks, median of 5 warm runs each
    .venv/bin/python bench/many_checks.py --total 1000 --runs 3

A synthetic check copies the framework and resource types of a built-in check (round robin, so the
types the catalogue grows on get more checks, as they will) and reads one attribute through
`Resource.get`, the cost of a simple predicate; it never fails, so the reports are the same size.
The budget (issue 10): with 500 checks the warm scan takes at most 1.25x the built-in one. Both
run as `python bench/many_checks.py --serve N scan ...` with the interpreter that runs this script,
on one warm parse cache filled first. Wall time and CPU time (user + system of the scan and the
workers it waited for) are both reported; on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import REPO, default_corpus, env_with_cache

# one attribute per framework that most resources have, so the synthetic predicate does real work
_READ = {"terraform": "tags", "kubernetes": "metadata.labels", "dockerfile": "instructions"}


def register_synthetic(total: int) -> int:
    """Register synthetic checks until `total` checks are registered; returns how many were added."""
    from scanner.registry import check, load_builtin_checks

    builtin = sorted(load_builtin_checks().values(), key=lambda c: c.id)
    added = 0
    while len(builtin) + added < total:
        model = builtin[added % len(builtin)]
        path = _READ[model.framework]

        def predicate(resource, *_graph, path=path):
            resource.get(path)
            return None

        check(
            id=f"IG-SYN-{added + 1:04d}",
            title=f"Synthetic check {added + 1} on the types of {model.id}",
            severity="info",
            framework=model.framework,
            types=model.resource_types,
            cwe="CWE-16",
            description="Synthetic check for the dispatch benchmark.",
            remediation="None.",
            graph=model.graph,
        )(predicate)
        added += 1
    return added


def serve(total: int, args: list[str]) -> None:
    """Run the CLI in this process with `total` checks registered (it exits with the CLI's status)."""
    sys.path.insert(0, str(REPO))
    register_synthetic(total)
    from scanner.cli import main

    main(args)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `cmd` run from the repository; exit statuses 0/1/4/5 are scans."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1, 4, 5):
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--total", type=int, default=500, help="checks registered in total in the measured run")
    parser.add_argument("--runs", type=int, default=5, help="warm runs of each; the medians are compared")
    args, rest = parser.parse_known_args()
    if rest[:1] == ["--serve"]:
        serve(int(rest[1]), rest[2:])
    script = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory(prefix="iacgate-many-checks-") as work:
        env = env_with_cache(Path(work) / "cache")
        out = Path(work) / "report.json"

        def command(total: int) -> list[str]:
            scan = ["scan", str(args.corpus), "--format", "json", "--output", str(out)]
            return [sys.executable, script, "--serve", str(total), *scan]

        timed(command(0), env)  # fill the parse cache: every timed run is warm
        times: dict[int, list[tuple[float, float]]] = {0: [], args.total: []}
        for _ in range(args.runs):
            for total in times:
                times[total].append(timed(command(total), env))
    print(f"warm full-corpus scan, median of {args.runs} runs (alternating), built-in checks vs {args.total}:")
    for index, what in enumerate(("wall", "CPU")):
        base = statistics.median(t[index] for t in times[0])
        many = statistics.median(t[index] for t in times[args.total])
        runs = [round(t[index], 2) for t in times[args.total]]
        print(f"  {what:4}: {base:6.2f} s -> {many:6.2f} s  ratio {many / base:.3f}x (budget 1.25x)  {runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
