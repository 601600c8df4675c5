"""Text edits of one Dockerfile instruction, for the `RewriteInstruction` fixes of the Dockerfile checks.

Each function receives the instruction as written (continuation lines and comment lines included) and returns
the whole replacement, changed only where the fix needs it, or None when it cannot tell how to edit that
instruction: an exec-form (`RUN ["sh", "-c", ...]`) or heredoc RUN, a script whose last line ends in a shell
comment or an open quote, a command the pattern does not recognise. None leaves the finding to a person.

Commands are found in the text, not in the parsed argv (which has lost the spelling and the line breaks): a
program name at a word start, its options, then its verb; a command ends at `&&`, `||`, `;`, `|` or `)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BLANK = r"(?:[ \t]|\\\r?\n)+"  # between two words: blanks or a line continuation
_COMMAND_END = re.compile(r"&&|\|\||;|\||\)")
_FIRST_WORD = re.compile(r"\s*(?P<cmd>[A-Za-z]+)(?P<flags>(?:[ \t]+--[^\s=]+(?:=\S*)?)*)[ \t]+(?P<rest>\S)")


def shell_form_run(text: str) -> bool:
    """A RUN in shell form without heredocs: its script is the text after the keyword and flags."""
    match = _FIRST_WORD.match(text)
    if match is None or match.group("cmd").upper() != "RUN" or match.group("rest") == "[":
        return False
    return "<<" not in text.split("\n", 1)[0]


def _command_end(text: str, start: int) -> int:
    found = _COMMAND_END.search(text, start)
    return found.start() if found else len(text)


def commands(text: str, programs: str, verbs: str = "") -> list[tuple[int, int, int]]:
    """(start, verb end, command end) of each `program [-options] verb` in the text; `programs` and `verbs`
    are regular-expression alternatives. Without `verbs`, the verb end is the end of the program name."""
    verb = rf"(?P<opts>(?:{_BLANK}-[^\s\\]*)*){_BLANK}(?:{verbs})" if verbs else ""
    pattern = re.compile(rf"(?<![\w./$-])(?:[\w./-]*/)?(?:{programs}){verb}(?=[\s;&|)]|\\|$)")
    return [(m.start(), m.end(), _command_end(text, m.end())) for m in pattern.finditer(text)]


def add_option(text: str, programs: str, verbs: str, option: str, present: Callable[[str], bool]) -> str | None:
    """Write `option` right after the verb of every `program verb` command of a RUN whose text `present` does
    not already find the option (or its equivalent) in; None when there is none to change."""
    if not shell_form_run(text):
        return None
    out, last, changed = [], 0, False
    for start, verb_end, end in commands(text, programs, verbs):
        if present(text[start:end]):
            continue
        out += [text[last:verb_end], " ", option]
        last, changed = verb_end, True
    return "".join([*out, text[last:]]) if changed else None


def _shell_state(script: str) -> tuple[str | None, bool]:
    """(the quote left open at the end of the script or None, whether its last line ends in a shell comment).
    Dockerfile comment lines inside continuations are not part of the script and are skipped."""
    quote: str | None = None
    comment_on_last = False
    lines = script.split("\n")
    for number, line in enumerate(lines):
        if quote is None and line.lstrip().startswith("#") and number > 0:
            continue  # a Dockerfile comment line between continuation lines
        index = 0
        while index < len(line):
            char = line[index]
            if quote == "'":
                quote = None if char == "'" else quote
            elif char == "\\":
                index += 1  # the next character is escaped (outside single quotes)
            elif quote == '"':
                quote = None if char == '"' else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                comment_on_last = number == len(lines) - 1
                break
            index += 1
    return quote, comment_on_last


def append_command(text: str, command: str) -> str | None:
    """`text` with `&& command` after the last command of its shell-form RUN, on the RUN's last line."""
    if not shell_form_run(text):
        return None
    body = text.rstrip()
    trailing = text[len(body) :]
    last = body.rsplit("\n", 1)[-1]
    if last.endswith(("\\", "`", "&&", "||", "|", "&")):
        return None
    quote, comment = _shell_state(body)
    if quote is not None or comment:
        return None
    separator = " " if last.endswith(";") else " && "
    return f"{body}{separator}{command}{trailing}"


def replace_keyword(text: str, keyword: str) -> str:
    """The instruction with its keyword replaced, in the case the original keyword was written in."""
    match = re.match(r"\s*([A-Za-z]+)", text)
    if match is None:
        return text
    written = match.group(1)
    new = keyword.lower() if written.islower() else keyword.upper()
    return text[: match.start(1)] + new + text[match.end(1) :]


def edit_options(text: str, programs: str, option: str, keep: Callable[[str], str] | None = None) -> str:
    """Every option matching the regular expression `option` (a whole word, or with its value) inside a
    `programs` command removed, or replaced by `keep(option)` when that is not empty. A removed option takes
    one of the blanks around it with it, so a line that held only the option disappears and no two lines are
    joined."""
    compiled = re.compile(rf"(?P<pre>{_BLANK})(?P<option>{option})(?P<post>{_BLANK}|(?=[;&|)])|$)")

    def edit(match: re.Match[str]) -> str:
        kept = keep(match.group("option")) if keep else ""
        if kept:
            return match.group("pre") + kept + match.group("post")
        pre, post = match.group("pre"), match.group("post")
        if not post:
            return ""  # the command ends here: the blank before the option goes with it
        return post if "\n" in post and "\n" not in pre else pre  # keep a line break rather than join lines

    out, last = [], 0
    for start, _, end in commands(text, programs):
        out += [text[last:start], compiled.sub(edit, text[start:end])]
        last = end
    return "".join([*out, text[last:]])
