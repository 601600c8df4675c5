"""The user's own checks, loaded from directories next to the built-in ones (`--checks-dir`, `custom-checks`).

A directory holds YAML checks (`*.yaml`, `*.yml`) and Python checks (`*.py` using the same `@check`
decorator as the built-in ones; files starting with `_` are skipped). Custom ids must not use the
built-in `IG-` namespace. Every problem (bad YAML, an unknown operator or field, a duplicate id, a
Python file that raises on import) is collected with its file and line and raised together as one
`CustomChecksError`: a broken check never silently disables the others.

Python files are programs. They are run only from a directory the person running iacgate named
(on the command line or in a `--config` file they chose), never from one that a configuration file
found inside the scanned repository names: that repository is untrusted input.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner.registry import Check, CheckDefinitionError, collecting, load_builtin_checks
from scanner.yamlcheck import BUILTIN_PREFIX, CheckFileError, load_yaml_checks

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ChecksDirectory:
    path: Path
    run_python: bool  # named by the person running iacgate, not by the scanned repository


class CustomChecksError(Exception):
    """One or more custom check files cannot be used; the CLI exits 2 listing each with file and line."""

    def __init__(self, problems: list[CheckFileError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_custom_checks(directories: Iterable[ChecksDirectory]) -> dict[str, Check]:
    """Every check in the directories (in path order), or CustomChecksError naming every problem."""
    builtin = load_builtin_checks()
    found: dict[str, Check] = {}
    problems: list[CheckFileError] = []
    for directory in _distinct(directories):
        if not directory.path.is_dir():
            problems.append(CheckFileError(directory.path.as_posix(), None, "custom checks directory not found"))
            continue
        for path in _check_files(directory.path):
            try:
                if not directory.run_python and not path.resolve().is_relative_to(directory.path.resolve()):
                    raise CheckFileError(path.as_posix(), None, "a link to a file outside the directory; not read")
                if path.suffix in YAML_SUFFIXES:
                    loaded = load_yaml_checks(path, known={**builtin, **found})
                elif directory.run_python:
                    loaded = _load_python(path, found)
                else:
                    raise CheckFileError(
                        path.as_posix(),
                        None,
                        "Python checks are not run from a directory named by the scanned repository's "
                        "configuration; pass it with --checks-dir (or in a --config file) to run it",
                    )
            except CheckFileError as problem:
                problems.append(problem)
                continue
            found.update(loaded)
    if problems:
        raise CustomChecksError(problems)
    return found


def _distinct(directories: Iterable[ChecksDirectory]) -> list[ChecksDirectory]:
    """Each directory once (named both by --checks-dir and the config), trusted if either naming is."""
    by_path: dict[Path, ChecksDirectory] = {}
    for directory in directories:
        key = directory.path.resolve()
        seen = by_path.get(key)
        if seen is None or (directory.run_python and not seen.run_python):
            by_path[key] = directory if seen is None else ChecksDirectory(seen.path, run_python=True)
    return list(by_path.values())


def _check_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and (p.suffix in YAML_SUFFIXES or (p.suffix == ".py" and not p.name.startswith("_")))
        and not any(part.startswith((".", "__")) for part in p.relative_to(directory).parts[:-1])
    )


def _load_python(path: Path, taken: dict[str, Check]) -> dict[str, Check]:
    """Import one Python check file into a fresh collection; its problems become CheckFileErrors."""
    file = path.as_posix()
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(f"iacgate_custom_{digest}", path)
    if spec is None or spec.loader is None:
        raise CheckFileError(file, None, "cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # while it runs: dataclasses and typing look their module up there
    with collecting() as found:
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            raise CheckFileError(file, exc.lineno, f"syntax error: {exc.msg}") from None
        except CheckDefinitionError as exc:
            raise CheckFileError(file, _line_in(exc, path), str(exc)) from None
        except Exception as exc:  # a user's module may raise anything while it is imported
            raise CheckFileError(file, _line_in(exc, path), f"raises {type(exc).__name__} on import: {exc}") from None
        finally:
            sys.modules.pop(spec.name, None)
    for check_id, chk in found.items():
        line = chk.fn.__code__.co_firstlineno
        if check_id.upper().startswith(BUILTIN_PREFIX):
            problem = f"check id {check_id!r} uses the built-in {BUILTIN_PREFIX} namespace; choose your own prefix"
            raise CheckFileError(file, line, problem)
        if check_id in taken:
            raise CheckFileError(file, line, f"duplicate check id {check_id} (also in {taken[check_id].source})")
    return {check_id: dataclasses.replace(chk, source=file) for check_id, chk in found.items()}


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The deepest line of the traceback that is in `path`: where the user's file went wrong."""
    target = str(path)
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == target]
    return lines[-1] if lines else None
