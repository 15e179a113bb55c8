# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's PowerShell scripts parse, and use only syntax Windows PowerShell 5.1 has.

win_powershell runs them on hosts that may have nothing newer than Windows PowerShell 5.1, and no
PowerShell runs here, so a PowerShell 7 habit (``??``, ``?.``, ``&&``, ...) would otherwise first fail
on a customer's host. The checker (tests/unit/powershell_syntax.py) is tested too: each construct it
must find, the look-alikes it must leave alone, and a syntax error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import _script_text
from ansible_collections.netwrix.threat_prevention.tests.unit.powershell_syntax import (
    POWERSHELL7_SYNTAX, Finding, powershell7_syntax, syntax_errors)

REPO = Path(__file__).resolve().parents[3]
SCRIPT_FOLDER = REPO / "plugins" / "plugin_utils" / "_scripts"
# The scripts and the libraries they #include (lib/), each as it is on disk.
SCRIPTS = sorted(SCRIPT_FOLDER.rglob("*.ps1"))

# PowerShell 7 code and the (line, column, construct) that must be reported; each case's first line is plain 5.1.
POWERSHELL7_CASES = {
    "null-coalescing": ("$a = $null\n$b = $a ?? 'default'", (2, 9, "??")),
    "null-coalescing assignment": ("$a = $null\n$a ??= 'default'", (2, 4, "??=")),
    "null-conditional member": ("$a = $null\n$n = ${a}?.Length", (2, 10, "?.")),
    "null-conditional element": ("$a = $null\n$n = ${a}?[0]", (2, 10, "?[")),
    "null-conditional after parentheses": ("$a = $null\n$n = (Get-Item -Path .)?.Name", (2, 24, "?.")),
    "ternary": ("$a = $null\n$s = $a ? 'set' : 'unset'", (2, 9, "?")),
    "inside a string's sub-expression": ("$a = $null\n$s = \"value: $($a ?? 'none')\"", (2, 19, "??")),
    "chain and": ("$a = $null\nGet-Item -Path . && Write-Output found", (2, 18, "&&")),
    "chain or": ("$a = $null\nGet-Item -Path . || Write-Output missing", (2, 18, "||")),
    "ForEach-Object -Parallel": ("$a = $null\n1..3 | ForEach-Object -Parallel { $_ }", (2, 23, "-Parallel")),
    "% -parallel": ("$a = $null\n1..3 | % -parallel { $_ } -ThrottleLimit 2", (2, 10, "-Parallel")),
    "foreach -Parallel:": ("$a = $null\n1..3 | foreach -Parallel:{ $_ }", (2, 16, "-Parallel")),
    "abbreviated -Pa": ("$a = $null\n1..3 | ForEach-Object -Pa { $_ }", (2, 23, "-Parallel")),
    "clean block": ("function Invoke-Work {\n    process { $_ } clean { Remove-Item -Path $env:TEMP\\work }\n}", (2, 20, "clean")),
}

# Windows PowerShell 5.1 code that holds the same characters; none of it may be reported.
LOOK_ALIKES = {
    "double-quoted string": "$s = \"a && b || c ?? d ?. e ? f : g\"",
    "single-quoted string": "$s = 'a && b || c ?? d ?. e ? f : g'",
    "expandable here-string": '$s = @"\n$($a) ?? b && c ?. d\n"@',
    "verbatim here-string": "$s = @'\n$a ?? $b && c || d\n'@",
    "line comment": "$a = 1  # use ?? here, not $a ? 1 : 2 && exit",
    "block comment": "<# ${a}?.b || c -Parallel\nclean { } #>\n$a = 1",
    "? alias of Where-Object": "$big = Get-ChildItem | ? { $_.Length -gt 0 }",
    "?{} alias after a pipe, -and": "Get-ChildItem |?{$_.PSIsContainer -and $_.Name -like 'a?c'}",
    "$? variable": "if ($? -and -not $failed) { 'ok' }",
    "braced variable with a ?": "${a?} = 1",
    "wildcard argument": "Get-ChildItem -Filter tp-?.export",
    "redirection": "Get-Item -Path . 2>&1 | Out-Null",
    "call operator": "& $command -Argument 1",
    "-Parallel of another command": "Start-Batch -Parallel 4",
    "ForEach-Object -PipelineVariable": "1..3 | ForEach-Object -Process { $_ } -PipelineVariable item",
    "workflow foreach -parallel": "workflow Copy-All { foreach -parallel ($file in $files) { $file } }",
    "a hashtable key named clean": "$options = @{ clean = $true }; $options.clean",
}


def report(path: Path, findings: list[Finding]) -> str:
    """One line per finding, path:line:column first, so an editor or terminal can jump to it."""
    return "\n".join(f"{path.relative_to(REPO)}:{finding}" for finding in findings)


def test_scripts_are_found() -> None:
    """An empty glob would let every per-script test below pass without checking anything."""
    assert SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_script_parses(script: Path) -> None:
    findings = syntax_errors(script.read_bytes())
    assert not findings, "tree-sitter-powershell cannot parse:\n" + report(script, findings)


@pytest.mark.parametrize("name", sorted(path.stem for path in SCRIPT_FOLDER.glob("*.ps1")))
def test_script_as_sent_parses(name: str) -> None:
    """What win_powershell receives: the script with its #include lines replaced by the libraries."""
    findings = syntax_errors(_script_text(name).encode("utf-8"))
    assert not findings, f"{name}.ps1 as sent (libraries included) cannot be parsed:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_script_has_no_powershell7_syntax(script: Path) -> None:
    findings = powershell7_syntax(script.read_bytes())
    assert not findings, "Windows PowerShell 5.1 lacks:\n" + report(script, findings)


@pytest.mark.parametrize(("code", "expected"), POWERSHELL7_CASES.values(), ids=POWERSHELL7_CASES.keys())
def test_powershell7_construct_is_reported(code: str, expected: tuple[int, int, str]) -> None:
    findings = powershell7_syntax(code.encode())
    assert [(finding.line, finding.column, finding.construct) for finding in findings] == [expected]


def test_every_construct_has_a_case() -> None:
    """A construct added to the checker without a case here would be unproven."""
    assert {expected[2] for _code, expected in POWERSHELL7_CASES.values()} == set(POWERSHELL7_SYNTAX)


@pytest.mark.parametrize("code", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_look_alike_is_not_reported(code: str) -> None:
    """Each look-alike also parses cleanly, so it was read as code and strings, not skipped as an error."""
    assert not syntax_errors(code.encode())
    assert not powershell7_syntax(code.encode())


def test_question_mark_continuing_a_variable_name_is_left_to_the_parse_check() -> None:
    """PowerShell (5.1 and 7) reads ``$a?.b`` as member b of the variable ``a?``; the grammar rejects it."""
    code = b"$n = $a?.Length"
    assert not powershell7_syntax(code)
    assert [(finding.line, finding.construct) for finding in syntax_errors(code)] == [(1, "ERROR")]


@pytest.mark.parametrize(("code", "expected"), [
    ("function Test-It {\n    $a = 1\n", (2, 11, "MISSING '}'")),
    ("$a = 1\n$b = @(1, 2", (2, 1, "ERROR")),
], ids=["unclosed brace", "unclosed array"])
def test_syntax_error_is_reported(code: str, expected: tuple[int, int, str]) -> None:
    findings = syntax_errors(code.encode())
    assert [(finding.line, finding.column, finding.construct) for finding in findings] == [expected]


def test_report_names_file_line_column_and_snippet() -> None:
    script = REPO / "plugins" / "plugin_utils" / "_scripts" / "example.ps1"
    findings = powershell7_syntax(b"$a = 1\n$b = $a ?? 2\n")
    assert report(script, findings) == (
        "plugins/plugin_utils/_scripts/example.ps1:2:9: ?? (null-coalescing operator, PowerShell 7.0): $b = $a ?? 2")
