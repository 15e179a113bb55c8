# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The integration targets' tp_test_layout module and its lab emulation cannot drift apart.

The targets run the real tp_test_layout.ps1 on a Windows VM and the emulation in the lab; a target
that passes in the lab proves something about the VM only while both accept the same options. So
the .ps1's ``$spec`` hashtable is read with tree-sitter-powershell (no PowerShell runs here) and
compared with the emulation's ARGUMENT_SPEC, and the .ps1 is checked for Windows PowerShell 5.1.
The emulation's read-back (state=query) and removal are checked on an emulated host.
"""

from __future__ import annotations

import base64
import json
import typing as t
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell

from ansible_collections.netwrix.threat_prevention.tests.unit.powershell_syntax import powershell7_syntax, syntax_errors
from tplab import acl, dpapi
from tplab.estate import Estate
from tplab.windows import exec_wrapper, network
from tplab.windows.modules import tp_test_layout

REPO = Path(__file__).resolve().parents[3]
MODULE_PS1 = REPO / "tests" / "integration" / "targets" / "setup_tp_stub" / "library" / "tp_test_layout.ps1"
_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
_VARIABLES = {"$true": True, "$false": False, "$null": None}
ROOT = "C:\\ansible-tp-test"
HOST = "new-em"


def _literal(node: tree_sitter.Node) -> t.Any:
    """The value of a literal PowerShell expression: hashtable, comma list, @(), 'string', integer, $true/$false/$null.

    Anything else (a variable, a call) raises, so a spec the reader does not understand fails the test
    instead of being compared in part.
    """
    named = [child for child in node.named_children if child.type != "comment"]
    text = t.cast(bytes, node.text).decode("utf-8")
    if node.type == "hash_literal_expression":
        entries = named[0].named_children if named else []
        return {t.cast(bytes, entry.named_children[0].text).decode("utf-8").strip("'\""): _literal(entry.named_children[1])
                for entry in entries if entry.type == "hash_entry"}
    if node.type == "array_literal_expression" and len(named) > 1:
        return [_literal(child) for child in named]
    if node.type == "array_expression":
        if named:
            raise ValueError(f"the reader takes only an empty @(), not {text!r}")
        return []
    if node.type == "string_literal" and text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if node.type == "integer_literal":
        return int(text)
    if node.type == "variable" and text.lower() in _VARIABLES:
        return _VARIABLES[text.lower()]
    if len(named) == 1:  # pipeline, logical_expression, ... unary_expression: one operand passed through
        return _literal(named[0])
    raise ValueError(f"not a literal the reader takes: {node.type} {text!r}")


def _ps1_spec(source: bytes) -> dict[str, t.Any]:
    """The hashtable assigned to $spec in a PowerShell module."""
    pending = [_PARSER.parse(source).root_node]
    while pending:
        node = pending.pop()
        if node.type == "assignment_expression" and t.cast(bytes, node.named_children[0].text).strip().lower() == b"$spec":
            return t.cast(dict[str, t.Any], _literal(node.named_children[-1]))
        pending.extend(node.named_children)
    raise AssertionError(f"{MODULE_PS1} assigns no $spec")


def _option_names(options: dict[str, t.Any], prefix: str = "") -> set[str]:
    """Every option's dotted name, suboptions included: files, files.path, ..."""
    names = set()
    for name, option in options.items():
        names.add(prefix + name)
        names |= _option_names(option.get("options", {}), f"{prefix}{name}.")
    return names


@pytest.fixture(scope="module")
def ps1_spec() -> dict[str, t.Any]:
    return _ps1_spec(MODULE_PS1.read_bytes())


def test_the_reader_takes_what_a_spec_is_written_with() -> None:
    spec = _ps1_spec(b"$spec = @{ options = @{ a = @{ type = 'list'; default = @(); choices = 'x', 'it''s' }\n"
                     b"  b = @{ required = $true; default = 3 } }; supports_check_mode = $false }")
    assert spec == {"options": {"a": {"type": "list", "default": [], "choices": ["x", "it's"]},
                                "b": {"required": True, "default": 3}}, "supports_check_mode": False}


def test_the_reader_refuses_what_it_cannot_evaluate() -> None:
    with pytest.raises(ValueError, match="not a literal"):
        _ps1_spec(b"$spec = @{ options = @{ a = @{ default = $env:TEMP } } }")


def test_the_emulation_has_the_options_of_the_real_module(ps1_spec: dict[str, t.Any]) -> None:
    assert _option_names(tp_test_layout.ARGUMENT_SPEC) == _option_names(ps1_spec["options"])


def test_the_emulation_declares_each_option_as_the_real_module_does(ps1_spec: dict[str, t.Any]) -> None:
    assert tp_test_layout.ARGUMENT_SPEC == ps1_spec["options"]
    assert tp_test_layout.SPEC.supports_check_mode == ps1_spec["supports_check_mode"]


def test_the_real_module_is_windows_powershell_51() -> None:
    source = MODULE_PS1.read_bytes()
    assert [str(finding) for finding in syntax_errors(source) + powershell7_syntax(source)] == []


def _layout(estate: Estate, **args: t.Any) -> dict[str, t.Any]:
    """One run of the emulated module, as the exec wrapper runs it; its result."""
    outcome = exec_wrapper.run_module(network.admin_session(estate, HOST), "ansible.legacy.tp_test_layout", {"root": ROOT, **args})
    assert outcome.stdout.strip(), outcome.stderr
    return t.cast(dict[str, t.Any], json.loads(outcome.stdout))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_query_reads_back_what_was_laid_out_and_changes_nothing(estate: Estate) -> None:
    _layout(estate, files=[{"path": "b\\Config.txt", "content_base64": _b64(b"\xef\xbb\xbfbytes\r\n")},
                           {"path": "a\\Secret.dpapi", "content_base64": _b64(b"the secret"), "dpapi": True}])
    result = _layout(estate, state="query", read=[{"path": "b\\Config.txt"}, {"path": "a\\Secret.dpapi", "dpapi": True},
                                                  {"path": "a\\Missing.txt"}])
    protected = estate.host(HOST).path(f"{ROOT}\\a\\Secret.dpapi").read_bytes()
    assert dpapi.unprotect(estate.host(HOST).system()["machine_key"], protected) == b"the secret"
    assert result["changed"] is False
    assert result["listing"] == ["a\\", "a\\Secret.dpapi", "b\\", "b\\Config.txt"]
    assert result["contents"] == {"b\\Config.txt": _b64(b"\xef\xbb\xbfbytes\r\n"), "a\\Secret.dpapi": _b64(b"the secret"),
                                  "a\\Missing.txt": None}


def test_query_lists_in_ordinal_order(estate: Estate) -> None:
    """[Array]::Sort with StringComparer.Ordinal compares UTF-16 code units, not code points or culture rules.

    So "B" (U+0042) < "_" (U+005F) < "a" (U+0061), and U+1F600 (surrogates D83D DE00) < U+FF5E.
    """
    names = ["a.txt", "_.txt", "B.txt", "\uff5e.txt", "\U0001f600.txt"]
    _layout(estate, files=[{"path": name, "content_base64": ""} for name in names])
    assert _layout(estate, state="query")["listing"] == ["B.txt", "_.txt", "a.txt", "\U0001f600.txt", "\uff5e.txt"]


def test_query_fails_on_a_file_this_host_did_not_protect(estate: Estate) -> None:
    _layout(estate, files=[{"path": "Secret.dpapi", "content_base64": _b64(b"not protected")}])
    result = _layout(estate, state="query", read=[{"path": "Secret.dpapi", "dpapi": True}])
    assert result["failed"] is True
    assert result["msg"] == f"{ROOT}\\Secret.dpapi cannot be unprotected with this machine's DPAPI key: Key not valid for use in specified state."


def test_removal_takes_the_security_descriptors_with_it(estate: Estate) -> None:
    """Deleting a folder on NTFS deletes its descriptor: a folder made again later must not find the old one."""
    _layout(estate, files=[{"path": "state\\em-secret-import.json", "content_base64": _b64(b"{}")}])
    host = estate.host(HOST)
    acl.set_descriptor(host, f"{ROOT}\\state", acl.Descriptor(acl.ADMINISTRATORS, True, acl.ADMINS_ONLY, acl.ADMINS_ONLY))
    result = _layout(estate, state="absent")
    assert result["changed"] is True
    assert not host.path(ROOT).exists()
    assert not acl.has_own(host, f"{ROOT}\\state")
