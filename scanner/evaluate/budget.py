"""Bounds of Terraform evaluation: how big a value may get and how much work an evaluation may do.

A hostile configuration can ask for `setproduct(range(100000), range(100000))`, a `for` over
1e5 x 1e5, or a string doubled through thirty locals. Every value the evaluator builds is checked
against the size limits below, and every step of work is charged to the running `Budget`; past a
limit the value is `Unknown` with the reason, and the rest of the configuration is evaluated.

The limits are far above what real configurations use. Measured on the shared corpus (3,773
Terraform resource instances, 3.5 s of evaluation on one core, about 4 us per step): its largest
value has 946 nodes and 10 kB of strings, its costliest expression takes 46,000 steps, its costliest
root module 106,000 and the whole corpus 826,000. The step limits below are 40x, 95x and 24x that:
a hostile configuration costs at most about 8 s per expression, 40 s per root module and 80 s per
scan, and none of the corpus findings changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MAX_NODES = 100_000  # lists, maps and scalars in one value
MAX_CHARS = 16 * 1024 * 1024  # characters of all the strings of one value
MAX_NUMBER_BITS = 1024  # integers beyond this (repeated squaring) are refused; Terraform's are 512-bit floats
STEPS_PER_EXPRESSION = 2_000_000  # one attribute, local, output or count/for_each with what it pulls in
STEPS_PER_ROOT = 10_000_000  # one root module with every module instance it calls
STEPS_PER_SCAN = 20_000_000


class OverBudget(Exception):
    """A value over a size limit, or an evaluation past its work budget. Not an `EvalError`, so
    `try()` and `can()` cannot swallow it: the whole expression is unknown."""


class Budget:
    """Steps of work done so far and the step count at which the innermost allowance runs out."""

    __slots__ = ("steps", "limit")

    def __init__(self, total: int = STEPS_PER_SCAN) -> None:
        self.steps = 0
        self.limit = total

    def charge(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.limit:
            raise OverBudget(f"evaluation budget exhausted ({self.limit:,} steps)")

    @contextmanager
    def allowance(self, steps: int) -> Iterator[None]:
        """At most `steps` more inside the block (and never more than the enclosing allowance)."""
        saved = self.limit
        self.limit = min(saved, self.steps + steps)
        try:
            yield
        finally:
            self.limit = saved


current = Budget()  # the evaluation in progress; `scanner.evaluate.terraform.evaluate` sets a fresh one


def check_size(value: Any) -> Any:
    """`value`, if within MAX_NODES and MAX_CHARS; the walk (which stops at the limits) is charged."""
    nodes = chars = 0
    stack = [value]
    while stack:
        item = stack.pop()
        nodes += 1
        if isinstance(item, str):
            chars += len(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            chars += sum(len(key) for key in item if isinstance(key, str))
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > MAX_NUMBER_BITS:
            raise OverBudget(f"number over {MAX_NUMBER_BITS} bits")
        if nodes > MAX_NODES:
            current.charge(nodes)
            raise OverBudget(f"value over {MAX_NODES:,} elements")
        if chars > MAX_CHARS:
            current.charge(nodes)
            raise OverBudget(f"value over {MAX_CHARS:,} characters")
    current.charge(nodes)
    return value


def check_length(chars: int) -> None:
    """Refuse, before building it, a string of `chars` characters over MAX_CHARS."""
    if chars > MAX_CHARS:
        raise OverBudget(f"value over {MAX_CHARS:,} characters")


def check_count(elements: int) -> None:
    """Refuse, before building it, a collection of `elements` over MAX_NODES."""
    if elements > MAX_NODES:
        raise OverBudget(f"value over {MAX_NODES:,} elements")
