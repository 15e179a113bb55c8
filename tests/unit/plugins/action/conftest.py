# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the action plugin tests: a fake Windows host, its peers, and ``run_action`` to run an action against them.

The fake host is in fake_host.py and the action set-up in action_runner.py; tests import from those, never from here.
"""

from __future__ import annotations

import functools
import typing as t
from pathlib import Path

import pytest

from ansible import constants as C
from ansible.plugins.action import ActionBase

from action_runner import RunAction, build_action, connect_peer
from fake_host import FakeWindows


@pytest.fixture
def windows() -> FakeWindows:
    """An empty fake host; tests add services, files and agent rows."""
    return FakeWindows()


@pytest.fixture
def peers() -> dict[str, FakeWindows]:
    """Other inventory hosts by name, for actions that open a peer connection (empty unless a test adds some)."""
    return {}


@pytest.fixture
def run_action(windows: FakeWindows, peers: dict[str, FakeWindows], monkeypatch: pytest.MonkeyPatch,
               tmp_path: Path) -> RunAction:
    """Run an action with ``_execute_module`` answered by ``windows`` and ``peer(name)`` by ``peers[name]``.

    The inventory host is agent01 unless ``host_name`` says otherwise; ``task_vars`` are added to the task's variables.
    Each test is one "run": its proofs of an EM (_em_proof.py) are kept in its own temporary folder.
    """
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path / "ansible-local"))

    def run(action_class: type[ActionBase], args: dict[str, t.Any], *, check_mode: bool = False, diff: bool = False,
            delegate_to: str | None = None, host_name: str = "agent01",
            task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        action = build_action(action_class, args, check_mode=check_mode, diff=diff, delegate_to=delegate_to)
        monkeypatch.setattr(action, "_execute_module", windows)
        monkeypatch.setattr(action, "peer", functools.partial(connect_peer, peers, check_mode))
        windows.check_mode = check_mode
        return action.run(task_vars={"inventory_hostname": host_name, **(task_vars or {})})

    return run
