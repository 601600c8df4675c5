"""Baselines: accept today's findings, gate only on new ones, and bring old ones back past their SLA.

The file is deterministic JSON (entries sorted by fingerprint, keys sorted, no timestamps other
than each finding's first-seen date) so it diffs cleanly in review. Identity is the finding
fingerprint (check, file, resource, attribute), so moving lines does not make a finding "new".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from scanner.records import Finding, Severity

FORMAT_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not an iacgate baseline; the CLI exits 2."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    check_id: str
    file: str
    resource: str
    attribute: str | None
    first_seen: str  # ISO date


def entry_for(finding: Finding, first_seen: str) -> Entry:
    return Entry(
        fingerprint=finding.fingerprint,
        check_id=finding.check_id,
        file=finding.location.file,
        resource=finding.resource.address,
        attribute=finding.attribute,
        first_seen=first_seen,
    )


def load(path: Path) -> dict[str, Entry]:
    """Entries by fingerprint."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"{path} is not an iacgate baseline (no 'findings' list)")
    if document.get("version") != FORMAT_VERSION:
        raise BaselineError(f"baseline {path} has version {document.get('version')!r}; expected {FORMAT_VERSION}")
    entries: dict[str, Entry] = {}
    for index, item in enumerate(document["findings"]):
        try:
            entry = Entry(**item)
            date.fromisoformat(entry.first_seen)
        except (TypeError, ValueError) as exc:
            raise BaselineError(f"baseline {path}: entry {index} is malformed ({exc})") from exc
        entries[entry.fingerprint] = entry
    return entries


def build(findings: list[Finding], today: date, previous: dict[str, Entry] | None = None) -> dict[str, Entry]:
    """Entries for the current unsuppressed findings, keeping first-seen dates from `previous`.

    Findings fixed since `previous` are dropped simply by not being current.
    """
    previous = previous or {}
    entries: dict[str, Entry] = {}
    for finding in findings:
        if finding.suppression is not None:
            continue
        old = previous.get(finding.fingerprint)
        entries[finding.fingerprint] = entry_for(finding, old.first_seen if old else today.isoformat())
    return entries


def dumps(entries: dict[str, Entry]) -> str:
    document = {
        "version": FORMAT_VERSION,
        "generator": "iacgate",
        "findings": [asdict(entries[key]) for key in sorted(entries)],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write(entries: dict[str, Entry], path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(entries), encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror}") from exc


def mark(findings: list[Finding], entries: dict[str, Entry], sla: dict[Severity, int], today: date) -> None:
    """Set baseline_state / first_seen / overdue on each unsuppressed finding.

    Overdue: first_seen + sla[severity] < today, so a 7-day SLA starts failing on day 8.
    """
    for finding in findings:
        if finding.suppression is not None:
            continue
        entry = entries.get(finding.fingerprint)
        if entry is None:
            finding.baseline_state = "new"
            continue
        finding.baseline_state = "unchanged"
        finding.first_seen = entry.first_seen
        days = sla.get(finding.severity)
        finding.overdue = days is not None and date.fromisoformat(entry.first_seen) + timedelta(days=days) < today
