"""Project configuration: `.iacgate.yaml` or `[tool.iacgate]` nearest the scanned paths, or `--config FILE`.

The file is validated against `config.schema.json` (jsonschema), so an unknown key or a wrong type
is an error naming the key rather than a setting that silently does nothing. Relative paths in the
file (`var-files`, `baseline`) are relative to the file's own directory and, in a file found in the
scanned tree, must stay inside it (`confine_paths`). CLI flags win; the CLI does the merging.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pathspec
import yaml

from scanner.discover import scan_root
from scanner.records import Severity
from scanner.suggest import did_you_mean
from scanner.workspace import RootError, report_root

if TYPE_CHECKING:
    import jsonschema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_NAMES = (".iacgate.yaml", ".iacgate.yml")


class ConfigError(Exception):
    """A configuration file that cannot be used; the CLI exits 2 with this message."""


@dataclass
class PathOverride:
    """Settings for findings whose file matches `paths` (gitignore-style, relative to the root)."""

    paths: list[str]
    skip_checks: set[str] = field(default_factory=set)
    severity_overrides: dict[str, Severity] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._spec = pathspec.GitIgnoreSpec.from_lines(self.paths)

    def matches(self, rel: str) -> bool:
        return self._spec.match_file(rel)


@dataclass
class Config:
    source: str | None = None  # the file's name as shown in messages; None: no file
    checks: set[str] = field(default_factory=set)
    skip_checks: set[str] = field(default_factory=set)
    frameworks: set[str] = field(default_factory=set)  # empty: not set
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    severity_threshold: Severity | None = None
    exclude_paths: list[str] = field(default_factory=list)
    per_path: list[PathOverride] = field(default_factory=list)
    var_files: list[Path] = field(default_factory=list)
    helm_values: dict[str, list[Path]] = field(default_factory=dict)  # chart directory or name -> values files
    custom_checks: list[Path] = field(default_factory=list)  # directories of the user's own checks
    sla: dict[Severity, int] = field(default_factory=dict)  # severity -> days
    baseline: Path | None = None
    fail_on_incomplete: bool = False

    def with_check_ids(self, canonical: dict[str, str]) -> Config:
        """A copy naming each check by its registered id (`canonical`: casefolded id -> id), so ids match
        in any case; ids not in `canonical` are kept as written."""

        def ids(values: set[str]) -> set[str]:
            return {canonical.get(v.casefold(), v) for v in values}

        def keyed(mapping: dict[str, Severity]) -> dict[str, Severity]:
            return {canonical.get(k.casefold(), k): v for k, v in mapping.items()}

        return replace(
            self,
            checks=ids(self.checks),
            skip_checks=ids(self.skip_checks),
            severity_overrides=keyed(self.severity_overrides),
            per_path=[
                replace(o, skip_checks=ids(o.skip_checks), severity_overrides=keyed(o.severity_overrides))
                for o in self.per_path
            ],
        )

    def check_ids(self) -> set[str]:
        """Every check ID the file names, so the CLI can reject typos."""
        ids = self.checks | self.skip_checks | set(self.severity_overrides)
        for override in self.per_path:
            ids |= override.skip_checks | set(override.severity_overrides)
        return ids


@cache
def schema() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "config.schema.json").read_text(encoding="utf-8"))


def find_config(root: Path, start: Path | None = None) -> Path | None:
    """The configuration file that applies to a scan of `start` (default `root`), if any.

    Like ruff and pytest, the nearest one wins, looking from `start` up to `root` (the repository):
    `iacgate scan infra` from the repository root applies the team's `.iacgate.yaml` at the top.
    """
    start = root if start is None or not start.is_relative_to(root) else start
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _toml_table(pyproject) is not None:
            return pyproject
        if directory == root:
            break
    return None


def for_scan(paths: list[Path], root: Path | None, explicit: Path | None) -> tuple[Path, Config]:
    """The report root (`--root`, else the repository around the paths) and the configuration that applies."""
    try:
        root = report_root(paths, root)
    except RootError as exc:
        raise ConfigError(str(exc)) from exc
    return root, load_config(root, explicit, start=scan_root(paths))


def load_config(root: Path, explicit: Path | None = None, start: Path | None = None) -> Config:
    """Read and validate the configuration for a scan of `start` under `root` (`explicit` wins over discovery)."""
    path = explicit or find_config(root, start)
    if path is None:
        return Config()
    config = _read_config(path, trusted=explicit is not None)
    base = path.parent.resolve()
    if explicit is None and base != root and base.is_relative_to(root):
        # a file found below the root: its patterns are relative to its own directory, like a .gitignore
        prefix = base.relative_to(root).as_posix()
        config.exclude_paths = [rebase_pattern(p, prefix) for p in config.exclude_paths]
        config.per_path = [
            replace(override, paths=[rebase_pattern(p, prefix) for p in override.paths]) for override in config.per_path
        ]
    return config


def rebase_pattern(pattern: str, prefix: str) -> str:
    """A gitignore pattern of directory `prefix` as the same pattern written at the root.

    A pattern with a slash before its end is anchored to its directory; one without matches at any depth below it.
    """
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    anchored = "/" in body.rstrip("/")
    rebased = f"{prefix}/{body.lstrip('/')}" if anchored else f"{prefix}/**/{body}"
    return ("!" if negated else "") + rebased


def _read_config(path: Path, trusted: bool) -> Config:
    """The configuration in `path`; an untrusted one (found in the scanned tree) keeps its paths inside."""
    name = path.name
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        data = _toml_table(path)
        if data is None:
            raise ConfigError(f"{path}: no [tool.iacgate] table")
        name = f"[tool.iacgate] in {path.name}"
    else:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark else name
            raise ConfigError(f"invalid YAML in {where}: {getattr(exc, 'problem', exc)}") from exc
        data = {} if data is None else data
    if not trusted:
        confine_paths(data, name, path.parent)
    return parse_config(data, name, path.parent)


# Keys whose value is a path or a list of paths, relative to the configuration file's directory.
PATH_KEYS = ("var-files", "baseline", "custom-checks")


def confine_paths(data: Any, name: str, base: Path) -> None:
    """A configuration found in the scanned repository is as untrusted as the rest of it: each of
    its PATH_KEYS must stay inside the directory that holds it (symlinks resolved), or a pull request
    could make the scan read `/home/ci/.terraform.d/credentials.tfrc.json` into a finding message.
    The same paths given on the command line, or in a file passed with --config, may point anywhere.
    """
    if not isinstance(data, dict):
        return  # the schema reports it
    boundary = base.resolve()
    helm = data.get("helm")
    values = helm.get("values") if isinstance(helm, dict) else None
    named = [(key, data.get(key)) for key in PATH_KEYS]
    named += [("helm values", files) for files in (values.values() if isinstance(values, dict) else [])]
    for key, value in named:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue
            if not (boundary / item).resolve().is_relative_to(boundary):
                raise ConfigError(
                    f"{key} of {name} names {item!r}, outside the repository: a configuration found in the "
                    "scanned tree may only name paths inside it (give such a path on the command line)"
                )


def parse_config(data: Any, name: str, base: Path) -> Config:
    """Validate plain data against the schema and turn it into a Config."""
    import jsonschema  # 65 ms of start-up, spent only when there is a configuration to validate

    data = _lowercase_names(data)
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        problems = list(dict.fromkeys(_explain(error, name) for error in errors))
        raise ConfigError(problems[0] if len(problems) == 1 else "\n  ".join([f"{len(problems)} problems:", *problems]))

    def severities(mapping: dict[str, str]) -> dict[str, Severity]:
        return {check_id: Severity(value) for check_id, value in mapping.items()}

    return Config(
        source=name,
        checks=set(data.get("checks", [])),
        skip_checks=set(data.get("skip-checks", [])),
        frameworks=set(data.get("frameworks", [])),
        severity_overrides=severities(data.get("severity-overrides", {})),
        severity_threshold=Severity(data["severity-threshold"]) if "severity-threshold" in data else None,
        exclude_paths=list(data.get("exclude-paths", [])),
        per_path=[
            PathOverride(
                paths=list(item["paths"]),
                skip_checks=set(item.get("skip-checks", [])),
                severity_overrides=severities(item.get("severity-overrides", {})),
            )
            for item in data.get("per-path", [])
        ],
        var_files=[base / p for p in data.get("var-files", [])],
        helm_values={
            chart.rstrip("/"): [base / f for f in files]
            for chart, files in data.get("helm", {}).get("values", {}).items()
        },
        custom_checks=[base / p for p in data.get("custom-checks", [])],
        sla={Severity(sev): parse_days(value) for sev, value in data.get("sla", {}).items()},
        baseline=base / data["baseline"] if "baseline" in data else None,
        fail_on_incomplete=data.get("fail-on-incomplete", False),
    )


def _lowercase_names(data: Any) -> Any:
    """Severities and frameworks in any case (`HIGH`, `Terraform`), as on the command line."""
    if not isinstance(data, dict):
        return data

    def lower(value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    def overrides(mapping: Any) -> Any:
        return {key: lower(value) for key, value in mapping.items()} if isinstance(mapping, dict) else mapping

    out = dict(data)
    if "severity-threshold" in out:
        out["severity-threshold"] = lower(out["severity-threshold"])
    if "severity-overrides" in out:
        out["severity-overrides"] = overrides(out["severity-overrides"])
    if isinstance(out.get("frameworks"), list):
        out["frameworks"] = [lower(item) for item in out["frameworks"]]
    if isinstance(out.get("sla"), dict):
        out["sla"] = {lower(key): value for key, value in out["sla"].items()}
    if isinstance(out.get("per-path"), list):
        out["per-path"] = [
            {**item, "severity-overrides": overrides(item["severity-overrides"])}
            if isinstance(item, dict) and "severity-overrides" in item
            else item
            for item in out["per-path"]
        ]
    return out


def parse_days(value: int | str) -> int:
    """`7`, `"7d"` or `"1w"` as a number of days (the schema has checked the form)."""
    if isinstance(value, int):
        return value
    number, unit = int(value[:-1]), value[-1]
    return number * 7 if unit == "w" else number


def _explain(error: jsonschema.ValidationError, name: str) -> str:
    path = _dotted(error.absolute_path)
    inside = f"{path} of {name}" if path else name
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in known)
        return "\n".join(f"unknown key {key!r} in {inside}{did_you_mean(key, known)}" for key in extra)
    if error.validator == "required":
        return f"{error.message} in {inside}"
    return f"invalid value for {path or 'the top level'!r} in {name}: {_short(error)}"


def _short(error: jsonschema.ValidationError) -> str:
    if error.validator == "oneOf":
        return f"{error.instance!r} is not a number of days (e.g. 7, '7d' or '2w')"
    if error.validator == "type":
        return f"{error.instance!r} is not of type {error.validator_value!r}"
    if error.validator == "enum":
        choices = [str(choice) for choice in error.validator_value]  # type: ignore[union-attr]  # an enum's list
        return f"{error.instance!r} is not one of {', '.join(choices)}{did_you_mean(str(error.instance), choices)}"
    return error.message


def _dotted(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _toml_table(path: Path) -> dict[str, Any] | None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path.name}: {exc}") from exc
    table = document.get("tool", {}).get("iacgate")
    return table if isinstance(table, dict) else None
