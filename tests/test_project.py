"""Project hygiene: one version everywhere users and tools read it, and the declared licence shipped."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from scanner import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent


def test_package_metadata_reads_the_version_from_the_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "scanner.__version__"}
    assert metadata.version("iacgate") == __version__


def test_readme_pins_the_release_tag_of_this_version():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    pins = re.findall(r"iacgate/iacgate@(v[\w.]+)", readme) + re.findall(r"^\s*rev: (v[\w.]+)", readme, re.M)
    assert len(pins) >= 3
    assert set(pins) == {f"v{__version__}"}


def test_changelog_starts_with_this_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## \[([^\]]+)\]", changelog, re.M)
    assert first is not None and first.group(1) == __version__


def test_license_file_is_the_declared_licence():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text.splitlines()) == 202
