"""Helm charts rendered offline with their default values, through helm-python-sdk (`iacgate[helm]`).

helm-python-sdk (Apache-2.0) embeds Helm's own Go engine as a native library: no `helm` binary, no
cluster (`lookup` returns nothing), no network, and nothing is executed (hooks are rendered as
manifests like any template, never run). It is 75 MB, hence an optional extra; without it every chart
is one visible notice. A chart that fails to render is an error naming the chart and Helm's message
(which names the template and line); the rest of the scan continues.

Locations: Helm says which template rendered a document (its `# Source:` path), not which template line
wrote a value, so each rendered line is aligned with the template line that writes the same key at the
same indentation, in order; a line that no later template line writes literally (the output of `toYaml`,
`include`, `tpl`, `range`) goes to the directive that produced it. When that template line reads
`.Values.x`, the line of the values file that set it is the finding's "value from" trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from scanner.parsers.kubernetes import documents_with_lines, parse
from scanner.records import Location, Resource, ScanError

EXTRA = "iacgate[helm]"
MAX_RENDERED_BYTES = 32_000_000  # one chart's output; the largest public umbrella charts render to a few MB
_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z0-9_.\-/\"']+):(?:\s|$)")
_DIRECTIVE = re.compile(r"\{\{-?\s*(?:toYaml|include|tpl|range|with|template)\b|\|\s*nindent|\|\s*indent")
_TEMPLATE_AT = re.compile(r"\((?P<path>[^():\s]+):(?P<line>\d+):\d+\)")  # Helm's "(chart/templates/x.yaml:17:20)"
_IF = re.compile(r"\{\{-?\s*(?:if|with)\b")
_END = re.compile(r"\{\{-?\s*end\b")
_VALUES = re.compile(r"\.Values\.([A-Za-z0-9_.]+)")


@dataclass
class HelmResult:
    resources: list[Resource]
    errors: list[ScanError]
    # chart directories whose per-template "not scanned" notices this replaces: rendered, or one notice each
    covered: set[str]


def available() -> bool:
    try:
        import helm_python  # noqa: F401
    except ImportError:
        return False
    return True


def top_level(charts: list[str]) -> list[str]:
    """Charts that are not vendored subcharts (`charts/` of another chart): Helm renders those with their parent."""
    return [c for c in charts if not any(c.startswith(f"{_prefix(other)}charts/") for other in charts if other != c)]


def _prefix(chart: str) -> str:
    """`chart/`, or "" for a chart at the scan root."""
    return f"{chart}/" if chart not in ("", ".") else ""


def render_charts(root: Path, charts: list[str], values_files: dict[str, list[Path]] | None = None) -> HelmResult:
    """Render every top-level chart (root-relative directories) with its default values and then the
    values files given for it (`--helm-values CHART=FILE`, CHART its directory or its name; later wins)."""
    result = HelmResult([], [], set())
    if not charts:
        return result
    if not available():
        for chart in top_level(charts):
            result.errors.append(
                ScanError(f"{_prefix(chart)}Chart.yaml", None, f"chart {chart} not rendered: install {EXTRA}", "info")
            )
            result.covered.add(chart)
        return result
    import helm_python

    for chart in top_level(charts):
        try:
            with helm_python.Chart.load(str(root / chart)) as loaded:
                name = str(loaded.name)
                overrides = [*(values_files or {}).get(chart, []), *(values_files or {}).get(name, [])]
                merged = _merged_values(overrides)
                manifests = loaded.render(values=merged or None, name=name, namespace="default")
        except ValueError as exc:
            result.errors.append(ScanError(f"{_prefix(chart)}Chart.yaml", None, f"chart {chart} not rendered: {exc}"))
            continue
        except helm_python.HelmError as exc:
            message = " ".join(str(exc).split())
            file, line = f"{_prefix(chart)}Chart.yaml", None
            where = _TEMPLATE_AT.search(message)
            if where and "/" in where.group("path"):
                file, line = _prefix(chart) + where.group("path").split("/", 1)[1], int(where.group("line"))
            result.errors.append(ScanError(file, line, f"chart {chart} not rendered: {message}"))
            continue
        if sum(len(text) for text in manifests.values()) > MAX_RENDERED_BYTES:
            result.errors.append(
                ScanError(
                    f"{_prefix(chart)}Chart.yaml", None, f"chart {chart} renders more than {MAX_RENDERED_BYTES:,} bytes"
                )
            )
            continue
        result.covered.add(chart)
        values = _Values(root, chart, [_report_path(root, file) for file in overrides])
        for source, text in sorted(manifests.items()):
            if not source.endswith((".yaml", ".yml", ".json")):
                continue  # NOTES.txt and helpers
            rel = _prefix(chart) + (source[len(name) + 1 :] if source.startswith(name + "/") else source)
            parsed = parse(text, rel)
            result.errors.extend(parsed.errors)
            template = _read(root / rel)
            lines = _align(text, template) if template is not None else {}
            for resource in parsed.resources:
                result.resources.append(_located(resource, lines, template, values, rel))
    return result


def template_notice_of(notice: ScanError, covered: set[str]) -> bool:
    """A discovery notice about a template of a chart that was rendered or has a notice of its own."""
    return notice.level == "info" and any(notice.file.startswith(_prefix(chart)) for chart in covered)


def _merged_values(files: list[Path]) -> dict[str, Any]:
    """The values files deep-merged in order (later wins), as `helm template -f a -f b` does."""
    merged: dict[str, Any] = {}
    for file in files:
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"values file {file}: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"values file {file} is not a mapping")
        _deep_merge(merged, loaded)
    return merged


def _deep_merge(into: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _report_path(root: Path, file: Path) -> str:
    resolved = file.resolve()
    return resolved.relative_to(root.resolve()).as_posix() if resolved.is_relative_to(root.resolve()) else str(file)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _align(rendered: str, template: str) -> dict[int, int]:
    """rendered line -> template line (1-based), matching literal keys in order (see the module docstring)."""
    template_lines = template.splitlines()
    mapping: dict[int, int] = {}
    pointer, last = 0, 1
    for number, line in enumerate(rendered.splitlines(), start=1):
        match = _KEY.match(line)
        found = None
        if match:
            for index in range(pointer, len(template_lines)):
                candidate = _KEY.match(template_lines[index])
                if candidate and candidate.group("key", "indent") == match.group("key", "indent"):
                    found = index
                    break
        if found is not None:
            mapping[number] = last = found + 1
            pointer = found + 1
            continue
        directive = next((i for i in range(pointer, len(template_lines)) if _DIRECTIVE.search(template_lines[i])), None)
        if match and directive is not None:
            mapping[number] = last = directive + 1
            pointer = directive  # the directive may write more lines
        else:
            mapping[number] = last
    return mapping


class _Values:
    """The values files of a chart and its vendored subcharts, with the line of every path."""

    def __init__(self, root: Path, chart: str, overrides: list[str]) -> None:
        self.root, self.chart, self.overrides = root, chart, overrides
        self.files: dict[str, dict[str, int]] = {}

    def lines(self, rel: str) -> dict[str, int]:
        if rel not in self.files:
            text = _read(self.root / rel if not Path(rel).is_absolute() else Path(rel))
            lines: dict[str, int] = {}
            if text is not None:
                try:
                    documents = documents_with_lines(text)
                except (yaml.YAMLError, ValueError):
                    documents = []
                lines = documents[0][1] if documents else {}
            self.files[rel] = lines
        return self.files[rel]

    def where(self, template_rel: str, values_path: str) -> Location | None:
        """The line that sets `.Values.<values_path>` for a template of this chart or of a subchart;
        the parent's `<subchart>.<path>` wins over the subchart's own default, as in Helm."""
        candidates: list[tuple[str, str]] = []
        inner = template_rel[len(_prefix(self.chart)) :]
        parts = inner.split("/")
        chain: list[str] = []
        while len(parts) > 2 and parts[0] == "charts":
            chain.append(parts[1])
            parts = parts[2:]
        candidates += [(file, ".".join([*chain, values_path])) for file in reversed(self.overrides)]
        for depth in range(len(chain) + 1):
            directory = _prefix(self.chart) + "".join(f"charts/{c}/" for c in chain[:depth])
            key = ".".join([*chain[depth:], values_path])
            candidates.append((f"{directory}values.yaml", key))
        for rel, key in candidates:
            line = self.lines(rel).get(key)
            if line:
                return Location(rel, line, line, note=f"value from {rel}")
        return None


def _located(resource: Resource, lines: dict[int, int], template: str | None, values: _Values, rel: str) -> Resource:
    """The rendered object with its lines moved to the template and `.Values` provenance."""
    if template is None:
        return resource
    template_lines = template.splitlines()
    attribute_lines = {path: lines.get(line, line) for path, line in resource.attribute_lines.items()}
    provenance: dict[str, list[Location]] = {}
    for path, line in attribute_lines.items():
        text = template_lines[line - 1] if 0 < line <= len(template_lines) else ""
        references = _VALUES.findall(text) or _VALUES.findall(_condition(template_lines, line))
        for reference in references:
            found = _value_location(values, rel, reference, path)
            if found:
                provenance[path] = [found]
                break
    start = lines.get(resource.location.start_line, resource.location.start_line)
    end = lines.get(resource.location.end_line or 0, start)
    return replace(
        resource,
        location=Location(rel, start, max(start, end)),
        attribute_lines=attribute_lines,
        provenance=provenance,
    )


def _condition(template_lines: list[str], line: int) -> str:
    """The `{{ if ... }}` / `{{ with ... }}` that encloses a template line (a literal line written only when
    a value is set: that value is where a person changes it), or ""."""
    depth = 0
    for index in range(line - 2, max(-1, line - 202), -1):
        text = template_lines[index]
        if _END.search(text):
            depth += 1
        elif _IF.search(text):
            if depth == 0:
                return text
            depth -= 1
    return ""


def _value_location(values: _Values, rel: str, reference: str, path: str) -> Location | None:
    """`.Values.<reference>` itself, or for a `toYaml` block the key under it that this path ends with."""
    parts = path.split(".")
    for tail in range(1, min(len(parts), 6)):
        found = values.where(rel, ".".join([reference, *parts[-tail:]]))
        if found:
            return found
    return values.where(rel, reference)
