"""The configuration file: every key does what it says, typos are errors, CLI flags win."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import cli
from scanner.config import ConfigError, load_config, parse_config
from scanner.records import Severity
from scanner.scan import ScanOptions, ScanResult
from scanner.scan import scan as real_scan
from tests.conftest import FIXTURES

CONFIGS = FIXTURES / "config"
PROJECT = CONFIGS / "project"
SCAN_PROJECT = (str(PROJECT), "--root", str(PROJECT))  # paths relative to the project, not to this checkout


@dataclass
class Run:
    exit_code: int
    output: str
    options: ScanOptions | None
    result: ScanResult | None

    def findings(self) -> list[tuple[str, int, str]]:
        assert self.result is not None
        return [(f.location.file, f.location.start_line, f.severity.value) for f in self.result.findings]


@pytest.fixture
def iacgate(monkeypatch: pytest.MonkeyPatch):
    """Run the CLI in-process and keep the ScanOptions it built and the result it got."""

    def run(*args: str, only: bool = True) -> Run:
        """`only`: run just IG-AWS-001, so checks added later do not change these fixtures' results, and
        IG-AWS-002, which finds nothing here but leaves a check to run when a config skips IG-AWS-001."""
        seen: list[ScanOptions] = []
        results: list[ScanResult] = []

        def spy(options: ScanOptions, progress=None) -> ScanResult:
            seen.append(options)
            results.append(real_scan(options, progress))
            return results[-1]

        monkeypatch.setattr(cli, "scan", spy)
        selected = ["--check", "IG-AWS-001,IG-AWS-002"] if only else []
        out = CliRunner().invoke(cli.main, ["scan", "--no-cache", *args, *selected])
        if out.exception and not isinstance(out.exception, SystemExit):
            raise out.exception
        return Run(out.exit_code, out.output, seen[0] if seen else None, results[0] if results else None)

    return run


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


def test_every_key_is_read_into_the_config() -> None:
    config = load_config(PROJECT, CONFIGS / "full.yaml")
    assert config.source == "full.yaml"
    assert config.checks == {"IG-AWS-001"}
    assert config.skip_checks == set()
    assert config.frameworks == {"terraform", "kubernetes"}
    assert config.severity_overrides == {"IG-AWS-001": Severity.CRITICAL}
    assert config.severity_threshold is Severity.MEDIUM
    assert config.exclude_paths == ["vendor/", "*.generated.tf"]
    assert [(o.paths, o.skip_checks, o.severity_overrides) for o in config.per_path] == [
        (["legacy/"], {"IG-AWS-001"}, {}),
        (["sandbox/**/*.tf"], set(), {"IG-AWS-001": Severity.LOW}),
    ]
    assert config.var_files == [CONFIGS / "env/prod.tfvars"]  # relative to the config file
    assert config.sla == {Severity.CRITICAL: 1, Severity.HIGH: 7, Severity.MEDIUM: 30, Severity.LOW: 90}
    assert config.baseline == CONFIGS / ".iacgate-baseline.json"


def test_cli_passes_every_key_to_the_scan(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "full.yaml"), only=False)
    options = run.options
    assert options is not None
    assert options.selection.only == {"IG-AWS-001"}
    assert options.selection.frameworks == {"terraform", "kubernetes"}
    assert options.excludes == ["vendor/", "*.generated.tf"]
    assert options.var_files == [CONFIGS / "env/prod.tfvars"]
    assert options.filters.sla[Severity.HIGH] == 7
    assert options.filters.baseline == CONFIGS / ".iacgate-baseline.json"
    assert options.filters.baseline_mode == "use"
    assert run.exit_code == 2  # the configured baseline does not exist: an error, not a silent full gate
    assert "cannot read baseline" in run.output


def test_unknown_key_is_an_error_naming_the_key(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "unknown-key.yaml"))
    assert run.exit_code == 2
    assert "unknown key 'skip_checks' in unknown-key.yaml" in run.output


def test_unknown_key_in_the_root_config_file_names_the_file(iacgate, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".iacgate.yaml").write_text("severity-threshold: high\nfoo: 1\n")
    run = iacgate(str(root))
    assert run.exit_code == 2
    assert "unknown key 'foo' in .iacgate.yaml" in run.output


def test_unknown_key_inside_per_path_names_the_entry() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'skip' in per-path\[0\] of \.iacgate\.yaml"):
        parse_config({"per-path": [{"paths": ["a/"], "skip": ["IG-AWS-001"]}]}, ".iacgate.yaml", PROJECT)


def test_wrong_type_is_an_error_naming_the_key(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "wrong-type.yaml"))
    assert run.exit_code == 2
    assert "invalid value for 'exclude-paths' in wrong-type.yaml: 'legacy/' is not of type 'array'" in run.output


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"severity-threshold": "urgent"}, "invalid value for 'severity-threshold'"),
        ({"sla": {"high": "1 week"}}, "invalid value for 'sla.high' in c.yaml: '1 week' is not a number of days"),
        ({"sla": {"urgent": "1d"}}, "unknown key 'urgent' in sla of c.yaml"),
        ({"per-path": [{"skip-checks": ["IG-AWS-001"]}]}, "'paths' is a required property in per-path[0] of c.yaml"),
        (["checks"], "invalid value for 'the top level' in c.yaml"),
    ],
)
def test_invalid_values_are_errors(data: object, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(data, "c.yaml", PROJECT)
    assert message in str(error.value)


def test_unknown_check_id_in_the_config_is_an_error(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "unknown-check.yaml"))
    assert run.exit_code == 2
    assert "unknown check id(s) IG-AWS-999 in unknown-check.yaml" in run.output


def test_invalid_yaml_is_an_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / ".iacgate.yaml").write_text("skip-checks: [IG-AWS-001\nseverity-threshold: high\n")
    with pytest.raises(ConfigError, match=r"invalid YAML in \.iacgate\.yaml:\d"):
        load_config(tmp_path)


def test_without_config_every_finding_is_reported(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT)
    assert run.exit_code == 1
    assert run.findings() == [("legacy/main.tf", 4, "high"), ("main.tf", 12, "high")]


def test_skip_checks_skips_the_check(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "skip.yaml"))
    assert run.exit_code == 0
    assert run.findings() == []
    assert run.result is not None and [c.id for c in run.result.checks] == ["IG-AWS-002"]


def test_skipping_the_only_selected_check_is_a_usage_error_naming_both(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "skip.yaml"), "--check", "IG-AWS-001", only=False)
    assert run.exit_code == 2
    assert "no check left to run: IG-AWS-001 is selected by --check and skipped by skip-checks in skip.yaml" in (
        run.output
    )


def test_frameworks_key_limits_what_is_scanned_and_the_cli_flag_wins(iacgate) -> None:
    config = ["--config", str(CONFIGS / "only-kubernetes.yaml")]
    run = iacgate(*SCAN_PROJECT, *config, only=False)
    assert run.exit_code == 0 and run.result is not None and run.result.files == []
    run = iacgate(*SCAN_PROJECT, *config)  # --check IG-AWS-001,IG-AWS-002: Terraform checks, none would run
    assert run.exit_code == 2 and "IG-AWS-001 is a terraform check, but only kubernetes is scanned" in run.output
    run = iacgate(*SCAN_PROJECT, *config, "--framework", "terraform")
    assert run.exit_code == 1 and len(run.findings()) == 2


def test_severity_overrides_change_the_severity_and_the_gate(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "downgrade.yaml"))
    assert run.findings() == [("legacy/main.tf", 4, "low"), ("main.tf", 12, "low")]
    assert run.exit_code == 0  # low is below the configured medium threshold


def test_severity_threshold_from_config_and_cli_flag_wins(iacgate) -> None:
    config = ["--config", str(CONFIGS / "threshold-critical.yaml")]
    assert iacgate(*SCAN_PROJECT, *config).exit_code == 0
    assert iacgate(*SCAN_PROJECT, *config, "--severity-threshold", "high").exit_code == 1
    downgraded = ["--config", str(CONFIGS / "downgrade.yaml"), "--severity-threshold", "low"]
    assert iacgate(*SCAN_PROJECT, *downgraded).exit_code == 1


def test_exclude_paths_are_not_scanned(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "exclude-legacy.yaml"))
    assert run.result is not None and [f.rel for f in run.result.files] == ["main.tf"]
    assert run.findings() == [("main.tf", 12, "high")]


def test_per_path_skip_checks_apply_only_under_those_paths(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "skip-legacy.yaml"))
    assert run.result is not None and len(run.result.files) == 2  # legacy is scanned (graph stays whole)
    assert run.findings() == [("main.tf", 12, "high")]


def test_per_path_severity_overrides_apply_only_under_those_paths(iacgate) -> None:
    run = iacgate(*SCAN_PROJECT, "--config", str(CONFIGS / "legacy-low.yaml"))
    assert run.findings() == [("legacy/main.tf", 4, "low"), ("main.tf", 12, "high")]
    assert run.exit_code == 1


def test_iacgate_yaml_at_the_scanned_root_is_found(iacgate, tmp_path: Path) -> None:
    root = _project(tmp_path)
    shutil.copy(CONFIGS / "skip-legacy.yaml", root / ".iacgate.yaml")
    assert iacgate(str(root)).findings() == [("main.tf", 12, "high")]


def test_pyproject_tool_table_is_used_when_there_is_no_iacgate_yaml(iacgate, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "infra"\n\n[tool.iacgate]\nskip-checks = ["IG-AWS-001"]\nseverity-threshold = "high"\n'
    )
    run = iacgate(str(root))
    assert run.findings() == [] and run.exit_code == 0
    (root / ".iacgate.yaml").write_text("severity-threshold: critical\n")
    assert len(iacgate(str(root)).findings()) == 2  # .iacgate.yaml wins over pyproject.toml


def test_pyproject_unknown_key_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.iacgate]\nskip-check = []\n")
    with pytest.raises(ConfigError, match=r"unknown key 'skip-check' in \[tool.iacgate\] in pyproject.toml"):
        load_config(tmp_path)


def test_config_flag_wins_over_the_root_file(iacgate, tmp_path: Path) -> None:
    root = _project(tmp_path)
    shutil.copy(CONFIGS / "skip.yaml", root / ".iacgate.yaml")
    assert iacgate(str(root)).findings() == []
    run = iacgate(str(root), "--config", str(CONFIGS / "skip-legacy.yaml"))
    assert run.findings() == [("main.tf", 12, "high")]


def test_no_config_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.source is None and config.checks == set() and config.severity_threshold is None
