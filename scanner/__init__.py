"""iacgate: infrastructure-as-code misconfiguration scanner."""

# The one place the version is written: the package metadata (pyproject.toml reads it), `--version`,
# the reports' tool version, and the release tag `v<version>` that README tells users to pin.
__version__ = "0.1.0"
