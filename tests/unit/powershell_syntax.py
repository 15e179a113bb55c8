# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static checks of PowerShell scripts for Windows PowerShell 5.1, where no PowerShell can run.

``syntax_errors`` reports the ERROR and MISSING nodes of tree-sitter-powershell's tree. The grammar
is not a version checker, though: it accepts ``&&``, ``||`` and ``-Parallel`` and turns ``??``,
``?.`` and ``? :`` into ERROR nodes. ``powershell7_syntax`` therefore looks at the tree's leaves
(the tokens) and names every PowerShell 7 construct it finds, with its position.

Only code tokens are looked at. A comment is a single ``comment`` node and is skipped whole; string
nodes (``string_literal``, ``expandable_string_literal``, ``expandable_here_string_literal``,
``verbatim_string_characters``, ``verbatim_here_string_characters``) are skipped except for the
``sub_expression`` nodes (``"$( )"``) inside expandable strings, which are code again.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import tree_sitter
import tree_sitter_powershell

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
_STRINGS = frozenset({"string_literal", "expandable_string_literal", "expandable_here_string_literal",
                      "verbatim_string_characters", "verbatim_here_string_characters"})
# Tokens a `?` may continue: PowerShell reads `$a?` as the variable `a?` (which is why PowerShell 7 needs `${a}?.b`).
_NAME_VARIABLES = frozenset({"variable", "$_"})
_QUESTION_OPERATORS = (b"??=", b"??", b"?.", b"?[", b"?")  # longest first
_FOREACH_OBJECT = frozenset({"foreach-object", "%", "foreach"})

# What PowerShell 7 added that Windows PowerShell 5.1 cannot parse (or reads as something else), by the token shown.
POWERSHELL7_SYNTAX = {
    "??": "null-coalescing operator, PowerShell 7.0",
    "??=": "null-coalescing assignment, PowerShell 7.0",
    "?.": "null-conditional member access, PowerShell 7.1",
    "?[": "null-conditional element access, PowerShell 7.1",
    "?": "ternary operator, PowerShell 7.0",
    "&&": "pipeline chain operator, PowerShell 7.0",
    "||": "pipeline chain operator, PowerShell 7.0",
    "-Parallel": "ForEach-Object -Parallel, PowerShell 7.0",
    "clean": "clean block, PowerShell 7.3",
}


@dataclass(frozen=True)
class Finding:
    """One problem, where an editor would put the cursor (line and column count from 1)."""

    line: int
    column: int
    construct: str  # a key of POWERSHELL7_SYNTAX, "ERROR", or "MISSING" and the token tree-sitter expected
    snippet: str

    def __str__(self) -> str:
        about = POWERSHELL7_SYNTAX.get(self.construct)
        name = f"{self.construct} ({about})" if about else self.construct
        return f"{self.line}:{self.column}: {name}: {self.snippet}"


def syntax_errors(source: bytes) -> list[Finding]:
    """The outermost ERROR nodes (a nested one is part of its parent's snippet) and every MISSING node."""
    findings = []
    for node in _bad_nodes(_PARSER.parse(source).root_node, inside_error=False):
        if node.is_missing:
            findings.append(_finding(source, node.start_byte, f"MISSING {node.type!r}"))
        else:
            findings.append(_finding(source, _first_visible_byte(node), "ERROR"))
    return findings


def powershell7_syntax(source: bytes) -> list[Finding]:
    """The PowerShell 7 constructs in the code of ``source`` (never in its comments or string text)."""
    tokens = list(_code_tokens(_PARSER.parse(source).root_node))
    findings = []
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        hit = (_question_operator(source, token, previous) or _chain_operator(token)
               or _parallel_parameter(token) or _clean_block(source, token))
        if hit:
            findings.append(_finding(source, *hit))
    return findings


def _bad_nodes(node: tree_sitter.Node, *, inside_error: bool) -> t.Iterator[tree_sitter.Node]:
    """ERROR and MISSING nodes, descending only where ``has_error`` says there is one."""
    if node.is_missing or (node.is_error and not inside_error):
        yield node
    for child in node.children:
        if child.has_error:
            yield from _bad_nodes(child, inside_error=inside_error or node.is_error)


def _code_tokens(node: tree_sitter.Node) -> t.Iterator[tree_sitter.Node]:
    """The leaves under ``node`` in source order, leaving out comments and the text of strings."""
    if node.type == "comment":
        return
    children = node.children
    if node.type in _STRINGS:
        children = [child for child in children if child.type in _STRINGS or child.type == "sub_expression"]
    elif not children:
        yield node
    for child in children:
        yield from _code_tokens(child)


def _question_operator(source: bytes, token: tree_sitter.Node, previous: tree_sitter.Node | None) -> tuple[int, str] | None:
    """``??``, ``??=``, ``?.``, ``?[`` and the ternary ``?``: tree-sitter-powershell lexes each as an ERROR leaf."""
    if not token.is_error:
        return None
    offset = _first_visible_byte(token)
    if source[offset:offset + 1] != b"?":
        return None
    if previous is not None and previous.type in _NAME_VARIABLES and previous.end_byte == offset:
        return None  # part of a variable name in every PowerShell; the parse check reports it
    operator = next(operator for operator in _QUESTION_OPERATORS if source.startswith(operator, offset))
    return offset, operator.decode()


def _chain_operator(token: tree_sitter.Node) -> tuple[int, str] | None:
    """``&&`` and ``||`` are tokens of their own in the grammar (it has PowerShell 7's pipeline chains)."""
    return (_first_visible_byte(token), token.type) if token.type in ("&&", "||") else None


def _parallel_parameter(token: tree_sitter.Node) -> tuple[int, str] | None:
    """``-Parallel`` (or an abbreviation down to ``-Pa``, as PowerShell allows) of ForEach-Object or its aliases."""
    if token.type != "command_parameter":
        return None
    name = (token.text or b"").decode().strip().lstrip("-").lower()
    if len(name) < 2 or not "parallel".startswith(name):
        return None
    command = token.parent.parent if token.parent else None  # command_parameter < command_elements < command
    command_name = command.child_by_field_name("command_name") if command else None
    if command_name is None or (command_name.text or b"").decode().rsplit("\\", 1)[-1].lower() not in _FOREACH_OBJECT:
        return None
    return _first_visible_byte(token), "-Parallel"


def _clean_block(source: bytes, token: tree_sitter.Node) -> tuple[int, str] | None:
    """``clean { }``: the grammar reads it as a command named clean, or as an ERROR holding the name ``clean``."""
    if token.type not in ("command_name", "simple_name") or (token.text or b"").strip().lower() != b"clean":
        return None
    if not source[token.end_byte:].lstrip().startswith(b"{"):
        return None
    return _first_visible_byte(token), "clean"


def _first_visible_byte(node: tree_sitter.Node) -> int:
    """Where the node's text starts after whitespace: tokens inside an ERROR node carry the space before them."""
    text = node.text or b""
    return node.start_byte + len(text) - len(text.lstrip())


def _finding(source: bytes, offset: int, construct: str) -> Finding:
    """A finding at a byte offset; the column counts characters and the snippet is the line around it."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    line_end = source.find(b"\n", offset)
    line_end = len(source) if line_end < 0 else line_end
    snippet = source[max(line_start, offset - 30):min(line_end, offset + 40)].decode("utf-8", "replace").strip()
    column = len(source[line_start:offset].decode("utf-8", "replace")) + 1
    return Finding(source.count(b"\n", 0, offset) + 1, column, construct, snippet)
