"""Benchmark: iacgate against Checkov on the BENCH.md subset, and iacgate alone on the full corpus.

Run it from the checkout to measure, with the project's interpreter (`.venv/bin/python
bench/run.py`): iacgate is run as `python -m scanner.cli` from the working directory. Both tools run in the
same invocation on the same machine, alternating, so the ratio is not skewed by machine load
that changes between runs. Each figure is the median of N runs (`--runs`). Checkov is
installed into its own venv (`bench/.venv-checkov`) on first use. Results are printed as a
table and written to `bench/results/<UTC timestamp>.json`.

Peak RSS is the largest single process of the run (the tool or one of its workers), from
`os.wait4`, which on Linux includes the descendants the tool has waited for.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CHECKOV_VENV = HERE / ".venv-checkov"
CHECKOV_VERSION = "3.3.30"

# The "bench subset" of ../shared/corpus/BENCH.md, per framework.
SUBSET: dict[str, list[str]] = {
    "terraform": [
        "bridgecrewio+terragoat",
        "terraform-aws-modules+terraform-aws-vpc",
        "terraform-aws-modules+terraform-aws-s3-bucket",
        "terraform-aws-modules+terraform-aws-ec2-instance",
        "terraform-aws-modules+terraform-aws-autoscaling",
        "terraform-aws-modules+terraform-aws-alb",
    ],
    "kubernetes": ["kubernetes+examples", "madhuakula+kubernetes-goat"],
    "dockerfile": ["docker-library+python", "nginxinc+docker-nginx"],
}


@dataclass
class Timing:
    """Median wall time and the largest peak RSS over the runs of one command."""

    tool: str
    target: str
    runs: list[float] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    exit_codes: list[int] = field(default_factory=list)
    per_repo: dict[str, float] = field(default_factory=dict)  # framework totals: median per repository

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")


def default_corpus() -> Path:
    for candidate in (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "corpus"


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float, int]:
    """Run `cmd`; return (wall seconds, peak RSS MiB of its process tree's largest process, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    assert proc.stderr is not None
    stderr = proc.stderr.read()  # drain before waiting so a chatty tool cannot block on a full pipe
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode not in (0, 1, 4, 5):
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
        raise SystemExit(f"command failed with exit status {proc.returncode}: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def ensure_checkov() -> Path:
    """Path of the checkov executable, creating its venv and installing the pinned release if missing."""
    exe = CHECKOV_VENV / "bin" / "checkov"
    if exe.exists():
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.strip()
        if version == CHECKOV_VERSION:
            return exe
    print(f"installing checkov=={CHECKOV_VERSION} into {CHECKOV_VENV} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
    pip = [str(CHECKOV_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=True)
    return exe


def iacgate_format() -> str:
    """SARIF when this checkout has the SARIF renderer (same output as Checkov's), else JSON."""
    import importlib.util

    return "sarif" if importlib.util.find_spec("scanner.report.sarif") else "json"


def iacgate_cmd(dirs: list[Path], framework: str | None, out: Path, fmt: str) -> list[str]:
    cmd = [sys.executable, "-m", "scanner.cli", "scan", *map(str, dirs), "--format", fmt, "--output", str(out)]
    return [*cmd, "--framework", framework] if framework else cmd


def checkov_cmd(exe: Path, dirs: list[Path], framework: str, out_dir: Path) -> list[str]:
    cmd = [str(exe)]
    for d in dirs:
        cmd += ["-d", str(d)]
    # --skip-download: no Prisma Cloud calls, so the network cannot skew the timing
    return [
        *cmd,
        "--framework",
        framework,
        "-o",
        "sarif",
        "--quiet",
        "--skip-download",
        "--output-file-path",
        str(out_dir),
    ]


def env_with_cache(cache: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def run_subset(corpus: Path, runs: int, with_checkov: bool, work: Path) -> list[tuple[Timing, Timing | None]]:
    """Per repository of the subset: iacgate (cold cache) and Checkov alternating, `runs` times each.

    One invocation per repository for both tools: Checkov 3.3.30 given several `-d` reports
    only the first directory's results (measured: 6 Terraform repositories in 16 s, SARIF only
    from terragoat), so one multi-directory run would flatter it. A framework's figure is the sum
    of its repositories' medians.
    """
    fmt = iacgate_format()
    checkov = ensure_checkov() if with_checkov else None
    pairs = []
    for framework, repos in SUBSET.items():
        ours = Timing("iacgate", framework)
        theirs = Timing("checkov", framework) if checkov else None
        for repo in repos:
            directory = corpus / repo
            if not directory.is_dir():
                raise SystemExit(f"bench subset repository missing: {directory}")
            mine = Timing("iacgate", repo)
            other = Timing("checkov", repo)
            for index in range(runs):
                cache = work / f"cache-{repo}-{index}"  # fresh: every iacgate run is a cold-cache run
                cmd = iacgate_cmd([directory], framework, work / f"iacgate.{fmt}", fmt)
                record(mine, *timed(cmd, env_with_cache(cache)))
                if checkov:
                    record(other, *timed(checkov_cmd(checkov, [directory], framework, work / "checkov")))
            note = f", checkov {other.median:.2f}s" if checkov else ""
            print(f"  {repo}: iacgate {mine.median:.2f}s{note}", file=sys.stderr)
            add_repo(ours, mine)
            if theirs:
                add_repo(theirs, other)
        pairs.append((ours, theirs))
    return pairs


def record(timing: Timing, elapsed: float, rss: float, code: int) -> None:
    timing.runs.append(elapsed)
    timing.peak_rss_mib = max(timing.peak_rss_mib, rss)
    timing.exit_codes.append(code)


def add_repo(total: Timing, repo: Timing) -> None:
    """Fold one repository's runs into its framework's total: the sum of medians is the median figure."""
    total.per_repo[repo.target] = round(repo.median, 3)
    total.runs = [sum(total.per_repo.values())]
    total.peak_rss_mib = max(total.peak_rss_mib, repo.peak_rss_mib)
    total.exit_codes += repo.exit_codes


def run_full(corpus: Path, runs: int, work: Path, checkouts: dict[str, Path]) -> dict[str, tuple[Timing, Timing]]:
    """iacgate alone on the whole corpus in one invocation: cold (fresh cache each run) and warm.

    Each checkout (name -> directory; "" is the one measured) runs as `python -m scanner.cli` from its
    directory with this interpreter, the checkouts alternating run by run so that a change in machine
    load hits all of them: a before/after ratio is then measured under the same conditions.
    """
    fmt = iacgate_format()
    out = work / f"full.{fmt}"
    timings: dict[str, tuple[Timing, Timing]] = {}
    for position, (name, directory) in enumerate(checkouts.items()):
        suffix = f" ({name})" if name else ""
        timings[name] = (
            Timing("iacgate", f"full corpus, cold cache{suffix}"),
            Timing("iacgate", f"full corpus, warm cache{suffix}"),
        )
        fill = env_with_cache(work / f"cache-full-warm-{position}")
        timed(iacgate_cmd([corpus], None, out, fmt), fill, directory)  # fill the warm cache
    for index in range(runs):
        for position, (name, directory) in enumerate(checkouts.items()):
            cold, warm = timings[name]
            for timing, cache in ((cold, f"cache-full-cold-{position}-{index}"), (warm, f"cache-full-warm-{position}")):
                record(timing, *timed(iacgate_cmd([corpus], None, out, fmt), env_with_cache(work / cache), directory))
        print(f"  full corpus run {index + 1}/{runs} done", file=sys.stderr)
    return timings


def stage_profile(paths: list[Path], cache: Path | None) -> dict[str, Any]:
    """Time each pipeline stage in this process by wrapping the functions `scanner.scan` calls.

    Wrapping (rather than re-implementing the pipeline) keeps the profile true to `scan()` as
    other stages are added to it; time not spent in a wrapped stage is reported as "other".
    """
    import scanner.scan as pipeline
    from scanner.registry import Selection
    from scanner.report import FORMATS, ReportContext, renderer

    stages: dict[str, float] = {}
    names = {
        "discover": "discover",
        "parse": "parse_all",
        "evaluate": "evaluate_parsed",
        "graph": "build_graph",
        "checks": "run_checks",
    }

    def wrap(stage: str, fn: Any) -> Any:
        def timed_stage(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - start

        return timed_stage

    for stage, attr in names.items():
        if hasattr(pipeline, attr):
            setattr(pipeline, attr, wrap(stage, getattr(pipeline, attr)))
    options = pipeline.ScanOptions(paths=paths, selection=Selection(), cache_dir=cache if cache else None)
    start = time.perf_counter()
    result = pipeline.scan(options)
    total = time.perf_counter() - start
    stages["other"] = max(0.0, total - sum(stages.values()))
    for fmt in FORMATS:
        try:
            render = renderer(fmt)
        except ImportError:
            continue  # that renderer is not in this checkout yet
        start = time.perf_counter()
        render(result, ReportContext())
        stages[f"report:{fmt}"] = time.perf_counter() - start
    unknown, total_values = count_unknown(result.resources)
    return {
        "stages": {k: round(v, 3) for k, v in stages.items()},
        "files": len(result.files),
        "resources": len(result.resources),
        "findings": len(result.findings),
        "errors": len([e for e in result.errors if e.level == "error"]),
        "terraform_values_unknown": unknown,
        "terraform_values_total": total_values,
    }


def count_unknown(resources: list[Any]) -> tuple[int, int]:
    """(unknown, total) attribute leaf values of Terraform resources; the evaluator's own count if it has one."""
    try:
        from scanner.evaluate.terraform import count_unknown as evaluator_count
    except ImportError:
        evaluator_count = None
    if evaluator_count is not None:
        return evaluator_count(resources)
    from scanner.records import Unknown

    unknown = total = 0

    def walk(value: Any) -> None:
        nonlocal unknown, total
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            total += 1
            unknown += isinstance(value, Unknown)

    for resource in resources:
        if resource.framework == "terraform":
            walk(resource.attributes)
    return unknown, total


def stage_profile_in_child(paths: list[Path], cache: Path | None) -> dict[str, Any]:
    """A fresh interpreter per profile, so imports and the parser pool are paid as in a real run."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stages-of", *map(str, paths)]
    if cache:
        cmd += ["--stages-cache", str(cache)]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}  # same checkout as the timed `python -m scanner.cli` runs
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout)


def fmt_row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(fmt_row(header, widths))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt_row(row, widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus(), help="the shared corpus directory")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--no-checkov", action="store_true", help="time iacgate only")
    parser.add_argument("--no-full", action="store_true", help="skip the full-corpus timings")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. `git archive` of the commit before a change) timed on the full corpus "
        "in the same run, alternating with this one",
    )
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON result goes")
    parser.add_argument("--stages-of", nargs="+", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stages-cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    sys.path.insert(0, os.getcwd())  # the checkout being measured is the one we are run from
    if args.stages_of:
        print(json.dumps(stage_profile(args.stages_of, args.stages_cache)))
        return 0
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found: {args.corpus}")

    result: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": os.getloadavg()},
        "runs": args.runs,
        "corpus": str(args.corpus),
        "iacgate_format": iacgate_format(),
        "checkov_version": None if args.no_checkov else CHECKOV_VERSION,
    }
    with tempfile.TemporaryDirectory(prefix="iacgate-bench-") as tmp:
        work = Path(tmp)
        print("bench subset (iacgate cold cache vs Checkov, alternating) ...", file=sys.stderr)
        pairs = run_subset(args.corpus, args.runs, not args.no_checkov, work)
        subset_dirs = [args.corpus / r for r in SUBSET["terraform"]]
        result["subset"] = [{"iacgate": asdict(o), "checkov": asdict(c) if c else None} for o, c in pairs]
        result["subset_terraform_profile"] = stage_profile_in_child(subset_dirs, None)
        if not args.no_full:
            print("full corpus (iacgate alone) ...", file=sys.stderr)
            checkouts = {"": Path.cwd()}
            if args.baseline:
                checkouts["baseline"] = args.baseline.resolve()
            timings = run_full(args.corpus, args.runs, work, checkouts)
            cold, warm = timings[""]
            result["full"] = {"cold": asdict(cold), "warm": asdict(warm)}
            if args.baseline:
                base_cold, base_warm = timings["baseline"]
                result["baseline"] = {
                    "checkout": str(args.baseline),
                    "cold": asdict(base_cold),
                    "warm": asdict(base_warm),
                }
            result["full_profile_cold"] = stage_profile_in_child([args.corpus], work / "cache-profile")
            result["full_profile_warm"] = stage_profile_in_child([args.corpus], work / "cache-profile")

    result["machine"]["load_after"] = os.getloadavg()  # other work on the machine inflates both tools' times
    rows = []
    total_ours = total_theirs = 0.0
    for ours, theirs in pairs:
        total_ours += ours.median
        row = [f"subset {ours.target}", f"{ours.median:.2f}", f"{ours.peak_rss_mib:.0f}"]
        if theirs:
            total_theirs += theirs.median
            row += [f"{theirs.median:.2f}", f"{theirs.peak_rss_mib:.0f}", f"{theirs.median / ours.median:.1f}x"]
        rows.append(row)
    if total_theirs:
        rows.append(
            ["subset total", f"{total_ours:.2f}", "", f"{total_theirs:.2f}", "", f"{total_theirs / total_ours:.1f}x"]
        )
        result["subset_ratio"] = round(total_theirs / total_ours, 2)
    for section in ("full", "baseline"):
        for key in ("cold", "warm") if section in result else ():
            timing = result[section][key]
            rows.append([timing["target"], f"{statistics.median(timing['runs']):.2f}", f"{timing['peak_rss_mib']:.0f}"])
    if "baseline" in result:
        result["baseline_ratio"] = {
            key: round(
                statistics.median(result["baseline"][key]["runs"]) / statistics.median(result["full"][key]["runs"]), 2
            )
            for key in ("cold", "warm")
        }
    header = ["target", "iacgate s", "RSS MiB"] + (["checkov s", "RSS MiB", "ratio"] if total_theirs else [])
    rows = [r + [""] * (len(header) - len(r)) for r in rows]
    print(f"\nmedian of {args.runs} runs; iacgate output {result['iacgate_format']}; RSS = largest process")
    print_table(header, rows)
    for key in ("subset_terraform_profile", "full_profile_cold", "full_profile_warm"):
        if key in result:
            profile = result[key]
            stages = ", ".join(f"{k} {v:.2f}s" for k, v in profile["stages"].items())
            unknown, total = profile["terraform_values_unknown"], profile["terraform_values_total"]
            print(f"{key}: {stages}")
            print(
                f"  {profile['files']} files, {profile['resources']} resources, {profile['findings']} findings, "
                f"{profile['errors']} errors; Terraform values unknown: {unknown:,} of {total:,}"
            )
    if "baseline_ratio" in result:
        ratios = result["baseline_ratio"]
        print(f"full corpus, baseline / this checkout: cold {ratios['cold']:.2f}x, warm {ratios['warm']:.2f}x")
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
