"""iacgate: infrastructure-as-code misconfiguration scanner."""

__version__ = "0.1.0"
