"""Suggestions for mistyped values: the closest valid one, for error messages."""

from __future__ import annotations

from collections.abc import Iterable


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The valid value `value` most likely meant (case-insensitive), or None when none is close: the one
    fewest single-character edits away, if that is at most a quarter of the value (and at least 2)."""
    folded = value.casefold()
    scored = sorted((_edits(folded, choice.casefold()), choice) for choice in choices)
    if not scored or scored[0][0] > max(2, len(folded) // 4):
        return None
    return scored[0][1]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """` (did you mean X?)` to append to a message, or "" when nothing is close."""
    match = closest(value, choices)
    return f" (did you mean {match}?)" if match else ""


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
