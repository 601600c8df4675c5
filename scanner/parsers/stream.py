"""Kubernetes YAML from a stream (`helm template … | iacgate scan -`, `kustomize build … | iacgate scan -`).

`helm template` writes `# Source: chart/templates/deployment.yaml` before the documents of each
template: the documents after such a comment are reported in that file, at their line among the
documents that template rendered (the rendered text, not the template's own `{{ }}` lines, which
Helm does not say). Documents before any such comment, and all of `kustomize build`'s output, are
reported in the stream's name at their line in the stream.
"""

from __future__ import annotations

import re

from scanner.parsers import ParsedFile
from scanner.parsers.kubernetes import parse
from scanner.records import ScanError

MAX_STREAM_BYTES = 64_000_000  # a whole rendered platform (kubeflow's example) is about 10 MB
_SOURCE = re.compile(r"^# Source: (?P<path>\S.*?)\s*$")
_SEPARATOR = re.compile(r"^---(\s|$)")


def parse_stream(text: str, name: str) -> list[ParsedFile]:
    """One ParsedFile per source the stream names (`# Source:`), one for the rest under `name`."""
    if len(text) > MAX_STREAM_BYTES:
        parsed = ParsedFile(name, "kubernetes")
        parsed.errors.append(ScanError(name, None, f"standard input is larger than {MAX_STREAM_BYTES:,} bytes"))
        return [parsed]
    lines = text.splitlines()
    own = list(lines)  # the stream's own documents at their line; a named source's lines are blanked
    named: dict[str, list[str]] = {}
    source: str | None = None
    start = 0  # index of the current document's first line
    for index, line in enumerate([*lines, "---"]):
        if _SEPARATOR.match(line):
            if source is not None:
                body = named.setdefault(source, [])
                body.extend(["---"] if body else [])
                body.extend(lines[start:index])
                own[start:index] = [""] * (index - start)
            source, start = None, index + 1
            continue
        match = _SOURCE.match(line)
        if (
            match
            and source is None
            and not any(item.strip() and not item.startswith("#") for item in lines[start:index])
        ):
            source, start = match.group("path"), index + 1
            own[index] = ""
    streams = [(name, own), *sorted(named.items())]
    return [parse("\n".join(body) + "\n", rel) for rel, body in streams if any(_content(item) for item in body)]


def _content(line: str) -> bool:
    return bool(line.strip()) and not line.startswith("#") and not _SEPARATOR.match(line)
