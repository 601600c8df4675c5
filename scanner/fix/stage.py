"""The fix stage: after checks and filter, before the report.

For every finding whose check declares a fix (scanner/fix/spec.py): find where the value was really
set (scanner/fix/locate.py), judge the fix on the evaluated resource (scanner/fix/model.py), refuse
values shared with resources that pass, then apply the accepted edits file by file (scanner/fix/hcl.py,
yamltext.py, dockerfile.py). The scan's records are not changed: findings come back as new records
carrying a `FixProposal`, and the changed files as (before, after) texts that `write` puts on disk.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.engine import Dispatch
from scanner.files import read_regular, refusal
from scanner.fix import dockerfile, hcl, yamltext
from scanner.fix.hcl import FixFailed, HclTarget
from scanner.fix.locate import Located, NotFixable, Target, locate
from scanner.fix.model import judge, with_value
from scanner.fix.spec import FixSpec, SetValue
from scanner.fix.yamltext import YamlTarget
from scanner.parsers import decode
from scanner.records import Finding, FixProposal, Resource, ScanError, ScanResult, Severity, TextEdit
from scanner.registry import Check

APPLIED, NEEDS_UNSAFE, NOT_FIXABLE = "applied", "needs --unsafe", "not fixable here"


@dataclass
class FixRun:
    """The findings with their proposals, and the text of every file the applied fixes change."""

    result: ScanResult
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # rel -> (as scanned, fixed), LF line ends
    sources: dict[str, bytes] = field(default_factory=dict)  # rel -> the bytes read, for their encoding

    @property
    def remaining(self) -> ScanResult:
        """The scan as it would be after the fixes: what `iacgate fix` gates on."""
        left = [f for f in self.result.findings if f.fix is None or not f.fix.applied]
        return replace(self.result, findings=left)


class _Sources:
    """The scanned files' texts, read once, only inside the root, through `read_regular`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.raw: dict[str, bytes] = {}
        self.text: dict[str, str] = {}

    def __call__(self, rel: str) -> str:
        if rel not in self.text:
            path = (self.root / rel).resolve()
            if rel.startswith(("/", "../")) or not path.is_relative_to(self.root.resolve()):
                raise FixFailed(f"{rel} is outside the scanned root")
            try:
                data = read_regular(path)
            except OSError as exc:
                raise FixFailed(f"{rel}: {refusal(exc)}") from exc
            self.raw[rel] = data
            self.text[rel] = decode(data)
        return self.text[rel]


def _apply(text: str, target: Target, *, verify: bool = True) -> str:
    if isinstance(target, HclTarget):
        return hcl.apply(text, target, verify=verify)
    if isinstance(target, YamlTarget):
        return yamltext.apply(text, target, verify=verify)
    return dockerfile.apply(text, target)


def _key(target: Target) -> tuple:
    """Identity of an edit: two findings needing the same edit share it (one block inserted once)."""
    return (type(target).__name__, repr(target))


def edit_between(rel: str, before: str, after: str) -> TextEdit:
    """The whole lines of `before` that differ from `after`, as one SARIF-style replacement (line ends
    of the last replaced line kept)."""
    old, new = before.split("\n"), after.split("\n")
    first = 0
    while first < min(len(old), len(new)) and old[first] == new[first]:
        first += 1
    tail = 0
    while tail < min(len(old), len(new)) - first and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    replaced, inserted = old[first : len(old) - tail], new[first : len(new) - tail]
    if not replaced:  # a pure insertion: at the end of the line above it
        line = old[first - 1] if first else ""
        return TextEdit(
            rel, max(first, 1), len(line) + 1, max(first, 1), len(line) + 1, "".join("\n" + i for i in inserted)
        )
    end_line = first + len(replaced)
    return TextEdit(rel, first + 1, 1, end_line, len(replaced[-1]) + 1, "\n".join(inserted))


@dataclass
class _Planned:
    finding: Finding
    check: Check
    spec: FixSpec
    located: Located | None = None
    reason: str = ""  # not fixable here, when set


def propose(result: ScanResult, *, unsafe: bool = False, threshold: Severity = Severity.INFO) -> FixRun:
    """Every fixable finding at or above `threshold` with its proposal, and the files changed by those
    applied (the unsafe and shared ones too when `unsafe`). Suppressed findings are left alone."""
    checks = {c.id: c for c in result.checks}
    dispatch = Dispatch(result.checks)
    sources = _Sources(result.root)
    planned: list[_Planned] = []
    for finding in result.findings:
        check = checks.get(finding.check_id)
        if check is None or check.fix is None or finding.suppression is not None:
            continue
        if finding.severity.rank < threshold.rank:
            continue
        item = _Planned(finding, check, check.fix)
        try:
            item.located = locate(finding, check.fix, sources)
        except NotFixable as exc:
            item.reason = str(exc)
        planned.append(item)
        if item.located is None:
            continue
        item.reason = _judged(item, dispatch, result, sources)
    groups: dict[tuple, list[_Planned]] = defaultdict(list)
    for item in planned:
        if item.located is not None and not item.reason:
            groups[tuple(_key(part.target) for part in item.located.all)].append(item)
    _refuse_disagreements(groups)
    shared = _shared(groups, result, sources)
    proposals: dict[int, FixProposal] = {}
    applied: dict[tuple, list[Target]] = {}  # group -> its targets, for the groups made
    standalone: dict[tuple, TextEdit] = {}  # each applied edit as made alone on the file as scanned
    for key, items in sorted(groups.items()):
        warning = "; ".join(dict.fromkeys(filter(None, [items[0].spec.unsafe, shared.get(key, "")])))
        edits = _edits(items[0], sources)  # the same for every finding of the group
        made = not (warning and not unsafe)
        for item in items:
            if isinstance(edits, str):
                proposals[id(item)] = FixProposal(_summary(item), NOT_FIXABLE, edits)
            elif made:
                proposals[id(item)] = FixProposal(_summary(item), APPLIED, "", edits, warning)
            else:
                proposals[id(item)] = FixProposal(_summary(item), NEEDS_UNSAFE, warning, edits)
        if made and not isinstance(edits, str):
            applied[key] = [part.target for part in items[0].located.all]  # type: ignore[union-attr]
            standalone.update(zip(key, edits, strict=True))
    changes, failed = _apply_groups(applied, sources, standalone)
    for item in planned:
        proposal = proposals.get(id(item))
        if proposal is None:
            proposals[id(item)] = FixProposal(_summary(item), NOT_FIXABLE, item.reason)
        elif proposal.applied and item.located is not None:
            why = next((failed[k] for k in (_key(part.target) for part in item.located.all) if k in failed), "")
            if why:
                proposals[id(item)] = FixProposal(proposal.summary, NOT_FIXABLE, why)
    by_finding = {id(item.finding): proposals[id(item)] for item in planned}
    findings = [replace(f, fix=by_finding[id(f)]) if id(f) in by_finding else f for f in result.findings]
    return FixRun(replace(result, findings=findings), changes, {rel: sources.raw[rel] for rel in changes})


def _refuse_disagreements(groups: dict[tuple, list[_Planned]]) -> None:
    """Two checks that want different values at one place: neither is made (the second would undo the first)."""
    places: dict[tuple, dict[str, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for key, items in groups.items():
        for part in items[0].located.all if items[0].located else []:
            target = part.target
            if isinstance(target, HclTarget | YamlTarget):
                place = (type(target).__name__, repr(replace(target, value=None)))
                places[place][repr(target.value)].append(key)
    for by_value in places.values():
        if len(by_value) > 1:
            keys = sorted({key for keys in by_value.values() for key in keys})
            ids = sorted({item.check.id for key in keys for item in groups.get(key, [])})
            for key in keys:
                for item in groups.pop(key, []):
                    item.reason = f"{', '.join(ids)} want different values here: fix it by hand"


def _judged(item: _Planned, dispatch: Dispatch, result: ScanResult, sources: _Sources) -> str:
    """ "" when the fix, made on the evaluated resource (or the Dockerfile), clears the finding and trips
    no other check; else the reason it is not made."""
    assert item.located is not None
    finding = item.finding
    others = dispatch.checks_for(finding.resource)
    if isinstance(item.spec, SetValue):
        patched: Resource | None = finding.resource
        for part, (_, value) in zip(item.located.all, item.spec.settings, strict=True):
            patched = with_value(patched, part.path, value) if patched is not None else None
            if patched is None:
                return f"{part.path} cannot hold a value"
        assert patched is not None
        return judge(finding, item.check, patched, others, result.graph)
    target = item.located.target
    try:
        fixed = dockerfile.stages(_apply(sources(target.file), target), target.file)
    except FixFailed as exc:
        return str(exc)
    same = [s for s in fixed if s.address == finding.resource.address]
    if len(same) != 1:
        return "the fixed Dockerfile no longer has this stage"
    return judge(finding, item.check, same[0], others, result.graph)


_REFERENCE = "\\b{kind}\\.{name}\\b"


def _shared(groups: dict[tuple, list[_Planned]], result: ScanResult, sources: _Sources) -> dict[tuple, str]:
    """Why each Terraform edit would also change resources that pass: the same variable, local or module
    input read elsewhere, or other instances of the same block."""
    users: dict[tuple[str, int], set[tuple[str, str]]] = defaultdict(set)
    blocks: dict[tuple[str, int], set[str]] = defaultdict(set)
    for resource in _terraform_blocks(result.resources):
        blocks[(resource.location.file, resource.location.start_line)].add(resource.key)
        for path, trace in resource.provenance.items():
            for loc in trace:
                users[(loc.file, loc.start_line)].add((resource.key, path))
    reasons: dict[tuple, str] = {}
    reads: dict[tuple[str, str, str], int | str] = {}  # lines reading a variable or local, per directory
    for key, items in groups.items():
        located = items[0].located
        if located is None:
            continue
        fixing = {(i.finding.resource.key, part.path) for i in items if i.located for part in i.located.all}
        instances = {i.finding.resource.key for i in items}
        for part in located.all:
            why = _shared_part(part, items, fixing, instances, users, blocks)
            if why:
                reasons[key] = why
                break
        else:
            why = _read_elsewhere(items, result, sources, reads)
            if why:
                reasons[key] = why
    return reasons


def _shared_part(
    part: Located,
    items: list[_Planned],
    fixing: set[tuple[str, str]],
    instances: set[str],
    users: dict[tuple[str, int], set[tuple[str, str]]],
    blocks: dict[tuple[str, int], set[str]],
) -> str:
    """Why one Terraform edit of a fix would also change resources that pass, or ""."""
    if not isinstance(part.target, HclTarget):
        return ""
    if not part.references:  # the edit is on the resource's own block: every instance gets it
        resource = items[0].finding.resource
        others = sorted(blocks[(resource.location.file, resource.location.start_line)] - instances)
        return f"the block also defines {_named(others)}, which this check passes" if others else ""
    passing = sorted({k for k, _ in users.get(part.at, set()) - fixing})
    return f"the value is shared with {_named(passing)}" if passing else ""


def _terraform_blocks(resources: list[Resource]) -> list[Resource]:
    """The resources Terraform blocks define, a `kubernetes_*` resource as its Kubernetes twin (the twin
    is what checks judge and fixes are made for)."""
    twin_of = {
        (r.scope, r.address) for r in resources if r.framework == "kubernetes" and r.location.file.endswith(".tf")
    }
    return [
        r
        for r in resources
        if (r.framework == "terraform" and (r.scope, r.address) not in twin_of)
        or (r.framework == "kubernetes" and (r.scope, r.address) in twin_of)
    ]


def _named(keys: list[str]) -> str:
    """Resource addresses for a person: each once (one module called from several roots has one address
    in each), the first three, and how many more."""
    names = sorted({key.rsplit(":", 1)[-1] for key in keys})
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _read_elsewhere(
    items: list[_Planned], result: ScanResult, sources: _Sources, reads: dict[tuple[str, str, str], int | str]
) -> str:
    """A variable or local also read by something the scan does not trace (a count, an output, a condition).
    `reads` keeps each count, as many fixes pass through the same variable."""
    seen: dict[tuple[str, str, str], set[tuple[str, int]]] = defaultdict(set)
    for item in items:
        for part in item.located.all if item.located else []:
            for ref in part.references:
                seen[(ref.directory, ref.kind, ref.name)].add((ref.file, ref.line))
    for (directory, kind, name), fixed in sorted(seen.items()):
        if (directory, kind, name) not in reads:
            reads[(directory, kind, name)] = _lines_reading(result, sources, directory, kind, name)
        count = reads[(directory, kind, name)]
        if isinstance(count, str):
            return count
        if count > len(fixed):
            place = directory or "."
            return f"{kind}.{name} is also read elsewhere in {place} ({count} lines read it, {len(fixed)} fixed)"
    return ""


def _lines_reading(result: ScanResult, sources: _Sources, directory: str, kind: str, name: str) -> int | str:
    """How many lines of the module in `directory` read `kind.name`, or why that cannot be told."""
    pattern = re.compile(_REFERENCE.format(kind=kind, name=re.escape(name)))
    count = 0
    for source in result.files:
        if source.kind == "terraform" and posixpath.dirname(source.rel) == directory:
            try:
                text = sources(source.rel)
            except FixFailed:
                return f"{source.rel} could not be read to see where {kind}.{name} is used"
            count += sum(1 for line in text.split("\n") if pattern.search(line))
    return count


def _summary(item: _Planned) -> str:
    finding = item.finding
    where = f"{finding.location.file}:{finding.location.start_line} {finding.check_id} {finding.resource.address}"
    spec = item.spec
    if isinstance(spec, SetValue):
        terraform = finding.resource.framework == "terraform"
        settings = []
        for path, value in spec.settings:
            name = ".".join(part for part in path.split(".") if not part.isdigit())
            settings.append(f"{name} = {hcl.render(value)}" if terraform else f"{name}: {yamltext.render(value)}")
        what = "set " + " and ".join(settings)
    else:
        target = item.located.target if item.located else None
        inserted = target.text if isinstance(target, dockerfile.DockerfileTarget) else ""
        what = f"add {inserted}" if inserted else spec.describe()
    if item.located is not None and item.located.at != (finding.location.file, finding.location.start_line):
        what += f" at {item.located.origin}"
    return f"{where}: {what}"


def _edits(item: _Planned, sources: _Sources) -> tuple[TextEdit, ...] | str:
    """The edits of a fix (and its companions), each as made alone on the files as scanned; or why
    one cannot be made."""
    assert item.located is not None
    edits: list[TextEdit] = []
    for part in item.located.all:
        before = sources(part.target.file)
        try:
            edits.append(edit_between(part.target.file, before, _apply(before, part.target, verify=False)))
        except FixFailed as exc:
            return str(exc)
    return tuple(edits)


def _apply_groups(
    groups: dict[tuple, list[Target]], sources: _Sources, edits: dict[tuple, TextEdit]
) -> tuple[dict[str, tuple[str, str]], dict[tuple, str]]:
    """The files changed by the groups of edits (a fix and its companions). When an edit fails, its whole
    group is left out and the files are made again without it, so no fix is ever half made."""
    failed: dict[tuple, str] = {}
    while True:
        accepted: dict[str, list[Target]] = defaultdict(list)
        for key, targets in groups.items():
            if not any(k in failed for k in key):
                for target in targets:
                    accepted[target.file].append(target)
        changes, failures = _apply_all(accepted, sources, edits)
        if not failures:
            return changes, failed
        failed.update(failures)


def _apply_all(
    accepted: dict[str, list[Target]], sources: _Sources, edits: dict[tuple, TextEdit]
) -> tuple[dict[str, tuple[str, str]], dict[tuple, str]]:
    """Each file's fixed text. The edits each fix makes alone are merged when they touch different lines
    (one parse of the result checks them all: applying any fix again changes nothing); otherwise, and
    for Dockerfiles, the fixes are applied one after another on the text the previous left, and one
    that fails is dropped alone (its reason returned)."""
    changes: dict[str, tuple[str, str]] = {}
    failed: dict[tuple, str] = {}
    for rel, targets in sorted(accepted.items()):
        before = sources(rel)
        ordered = sorted(targets, key=_order)
        merged = None
        if not any(isinstance(t, dockerfile.DockerfileTarget) for t in ordered):
            merged = _merged(before, [edits[_key(t)] for t in ordered]) or _chained(before, ordered)
            if merged is not None and not _settled(merged, ordered):
                merged = None
        text = merged if merged is not None else before
        if merged is None:
            for target in ordered:
                try:
                    text = _apply(text, target)
                except FixFailed as exc:
                    failed[_key(target)] = f"not applied together with the other fixes of {rel}: {exc}"
        if text != before:
            changes[rel] = (before, text)
    return changes, failed


def _chained(text: str, targets: list[Target]) -> str | None:
    """The fixes applied one after another without checking each (the result is checked once)."""
    try:
        for target in targets:
            text = _apply(text, target, verify=False)
    except FixFailed:
        return None
    return text


def _settled(text: str, targets: list[Target]) -> bool:
    """Every fix is made in `text`: applying it again changes nothing (one parse, cached, for all)."""
    try:
        return all(_apply(text, target) == text for target in targets)
    except FixFailed:
        return False


def _merged(text: str, edits: list[TextEdit]) -> str | None:
    """`text` with every edit made, bottom up; None when two edits touch the same lines or insert at
    the same place (they must be made one after another)."""
    lines = text.split("\n")
    spans = sorted({(e.start_line, e.start_column, e.end_line, e.end_column, e.text) for e in edits}, reverse=True)
    previous = None
    for start_line, start_column, end_line, end_column, inserted in spans:
        if previous is not None and end_line >= previous:
            return None
        previous = start_line
        head = lines[start_line - 1][: start_column - 1]
        tail = lines[end_line - 1][end_column - 1 :]
        lines[start_line - 1 : end_line] = (head + inserted + tail).split("\n")
    return "\n".join(lines)


def fix_regressions(run: FixRun, rescanned: ScanResult) -> list[str]:
    """What a rescan after `write` shows that it should not: per check and resource, more findings than
    before minus those fixed (a fix that did not clear, or a new finding). Counted, not matched by
    fingerprint: a finding that moves within its resource (to the block another fix added) is the
    same problem."""
    expected: dict[tuple[str, str], int] = defaultdict(int)
    for finding in run.result.findings:
        if finding.fix is None or not finding.fix.applied:
            expected[(finding.check_id, finding.resource.key)] += 1
    found: dict[tuple[str, str], int] = defaultdict(int)
    for finding in rescanned.findings:
        found[(finding.check_id, finding.resource.key)] += 1
    return [
        f"{check_id} on {key.rsplit(':', 1)[-1]}: {count} after the fixes, {expected[(check_id, key)]} expected"
        for (check_id, key), count in sorted(found.items())
        if count > expected[(check_id, key)]
    ]


def _order(target: Target) -> tuple[bool, str]:
    """Dockerfile rewrites before inserts, so an inserted instruction shifts no index still to be used."""
    return isinstance(target, dockerfile.DockerfileTarget) and target.instruction is None, repr(target)


def write(run: FixRun) -> list[ScanError]:
    """Put the fixed files on disk in their own encoding and line ends, each replaced atomically; a file
    changed or replaced since the scan is left alone and reported."""
    errors: list[ScanError] = []
    root = run.result.root
    for rel, (_, after) in sorted(run.changes.items()):
        path = root / rel
        raw = run.sources[rel]
        try:
            if not path.resolve().is_relative_to(root.resolve()):
                errors.append(ScanError(rel, None, "now outside the scanned root (a symlinked directory): not fixed"))
                continue
            if read_regular(path) != raw:
                errors.append(ScanError(rel, None, "changed since the scan: not fixed"))
                continue
            data = _encoded(after, raw)
            mode = path.stat().st_mode & 0o7777
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".iacgate")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.chmod(temporary, mode)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:
            errors.append(ScanError(rel, None, f"not written: {refusal(exc)}"))
    return errors


def _encoded(text: str, raw: bytes) -> bytes:
    """`text` in the encoding and line ends of the original bytes (UTF-8 with or without BOM, UTF-16)."""
    if b"\r\n" in raw:
        text = text.replace("\n", "\r\n")
    if raw.startswith(b"\xff\xfe"):
        return b"\xff\xfe" + text.encode("utf-16-le")
    if raw.startswith(b"\xfe\xff"):
        return b"\xfe\xff" + text.encode("utf-16-be")
    if raw.startswith(b"\xef\xbb\xbf"):
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")
