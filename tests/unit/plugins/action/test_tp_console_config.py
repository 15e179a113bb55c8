# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_console_config end to end: the agent's byte-preserving edit, on a desktop program with no service.

The console files are the lab's renderings of SIWinConsole.exe.Config as found in the field, so a
changed file can be compared byte for byte with the same rendering for the new address.
"""

from __future__ import annotations

import typing as t

import pytest
from tplab.config_variants import CONSOLE_STYLES, ConfigStyle, render_console_config

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_console_config import ActionModule

from fake_host import FakeWindows

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with task args and run_action keywords

CONSOLE_CONFIG = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWinConsole\SIWinConsole.exe.Config"
OLD, NEW = "old-em.corp.example:3740", "new-em.corp.example:3740"
AGENT_ONLY = ("restarted", "pending_restart", "service_state")
STYLE = CONSOLE_STYLES[0]


@pytest.fixture
def console(windows: FakeWindows) -> FakeWindows:
    """A console host: the installer's SIWinConsole.exe.Config naming the old EM, and no Threat Prevention service."""
    windows.files[CONSOLE_CONFIG] = render_console_config(STYLE, OLD)
    return windows


@pytest.fixture
def tp_console_config(run_action: RunAction, console: FakeWindows) -> Run:
    del console
    return lambda args, **kwargs: run_action(ActionModule, args, host_name="console01", **kwargs)


@pytest.mark.parametrize("style", CONSOLE_STYLES, ids=[style.name for style in CONSOLE_STYLES])
def test_the_default_file_is_repointed_on_3740_byte_for_byte(tp_console_config: Run, console: FakeWindows,
                                                             style: ConfigStyle) -> None:
    """Default path and port: one read (no service named, so none looked up), one write, only the value changes."""
    console.files[CONSOLE_CONFIG] = original = render_console_config(style, OLD)
    result = tp_console_config({"manager_address": "new-em.corp.example"})
    assert console.kinds() == ["read_program_config", "replace_file"]
    assert console.args_of("read_program_config") == [{"ServiceName": "", "ConfigPath": CONSOLE_CONFIG, "ConfigSuffix": ".config",
                                                       "MaxBytes": 1048576}]
    assert "RecordPath" not in console.args_of("replace_file")[0], "a console has no restart to decide"
    assert console.files[CONSOLE_CONFIG] == render_console_config(style, NEW)
    backup = result["backup_file"]
    assert backup.startswith(CONSOLE_CONFIG + ".") and backup.endswith(".bak") and console.files[backup] == original
    assert result["changed"] is True and (result["previous_address"], result["address"], result["path"]) == (OLD, NEW, CONSOLE_CONFIG)


def test_a_change_warns_to_reopen_the_console_and_returns_no_agent_keys(tp_console_config: Run) -> None:
    """An open console keeps its address until reopened: say so; a console has no service to restart or report."""
    result = tp_console_config({"manager_address": "new-em.corp.example"})
    assert result["warnings"] == [f"console01: an Administration Console that is open keeps the address it started with; "
                                  f"close and reopen it to connect to {NEW}."]
    assert not set(AGENT_ONLY) & set(result)


def test_no_change_no_write_no_warning(tp_console_config: Run, console: FakeWindows) -> None:
    """A console already on the new EM costs one read and reports no change and no warning."""
    console.files[CONSOLE_CONFIG] = render_console_config(STYLE, NEW)
    result = tp_console_config({"manager_address": "NEW-EM.corp.example"})
    assert console.kinds() == ["read_program_config"]
    assert result["changed"] is False and "warnings" not in result and not set(AGENT_ONLY) & set(result)


def test_no_service_is_looked_up_or_restarted_even_on_an_agent_host(tp_console_config: Run, console: FakeWindows) -> None:
    """A console is a desktop program: even beside a running agent the edit never looks up or restarts a service."""
    console.add_service("SIWindowsAgent", r'"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe"')
    tp_console_config({"manager_address": "new-em.corp.example"})
    assert [kind for kind in console.kinds() if kind.startswith("win_service")] == []
    assert console.services["siwindowsagent"].started_ms == 0


def test_check_mode_predicts_and_writes_nothing(tp_console_config: Run, console: FakeWindows) -> None:
    """Check mode reads once, predicts the address and shows the diff; the file stays as it was."""
    original = console.files[CONSOLE_CONFIG]
    result = tp_console_config({"manager_address": "new-em.corp.example"}, check_mode=True, diff=True)
    assert console.kinds() == ["read_program_config"] and console.files[CONSOLE_CONFIG] == original
    assert result["changed"] is True and result["address"] == NEW and result["backup_file"] is None
    assert f'value="{OLD}"' in result["diff"]["before"] and f'value="{NEW}"' in result["diff"]["after"]
    assert not set(AGENT_ONLY) & set(result)


def test_explicit_path_and_port(tp_console_config: Run, console: FakeWindows) -> None:
    """A console installed elsewhere, with a non-default port: both reach the edit."""
    other = r"D:\TP\SIWinConsole\SIWinConsole.exe.Config"
    console.files[other] = render_console_config(STYLE, OLD)
    result = tp_console_config({"manager_address": "new-em.corp.example", "path": other, "port": 4740})
    assert result["address"] == "new-em.corp.example:4740" and console.args_of("replace_file")[0]["Path"] == other
    assert console.files[CONSOLE_CONFIG] == render_console_config(STYLE, OLD)


@pytest.mark.parametrize("address", ["new em", "new-em:70000", ""])
def test_a_bad_address_fails_before_any_remote_call(tp_console_config: Run, console: FakeWindows, address: str) -> None:
    """An address that is not host[:port] names the option and never reaches the host."""
    result = tp_console_config({"manager_address": address})
    assert console.calls == [] and result["failed"] is True
    assert result["msg"].startswith("console01: option manager_address: ") and result["msg"].endswith("Nothing was changed.")


def test_a_missing_console_config_fails_naming_it(tp_console_config: Run, console: FakeWindows) -> None:
    """No console at the path: the message names the file, and agent-only keys stay out."""
    del console.files[CONSOLE_CONFIG]
    result = tp_console_config({"manager_address": "new-em.corp.example"})
    assert result["failed"] is True and f"{CONSOLE_CONFIG} does not exist" in result["msg"]
    assert not set(AGENT_ONLY) & set(result)


def test_preflight_changes_nothing_and_proves_the_replace(tp_console_config: Run, console: FakeWindows) -> None:
    original = console.files[CONSOLE_CONFIG]
    result = tp_console_config({"manager_address": "new-em.corp.example", "preflight": True})
    assert console.kinds() == ["read_program_config"] and console.args_of("read_program_config")[0]["SelfTest"] is True
    assert result["changed"] is False and result["would_change"] is True and "warnings" not in result
    assert console.files[CONSOLE_CONFIG] == original


def test_a_preflight_whose_self_test_fails_fails(tp_console_config: Run, console: FakeWindows) -> None:
    folder = CONSOLE_CONFIG.rsplit("\\", 1)[0]
    console.self_test_failure = {"ok": False, "folder": folder, "step": "create a scratch file", "left": [],
                                 "error": "Exception calling \"Move\" with \"2\" argument(s): \"Access to the path is denied.\""}
    result = tp_console_config({"manager_address": "new-em.corp.example", "preflight": True})
    assert result["failed"] is True and result["msg"].startswith(f"console01: the atomic replace that writes {CONSOLE_CONFIG} ")
    assert f"does not work in {folder}" in result["msg"]
