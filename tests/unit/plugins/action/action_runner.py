# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a real action plugin against fake hosts, and looking for a secret in what it returns.

The action plugins are built the way ansible.windows tests its own actions: a real ActionModule
with a MagicMock task, connection and play context, and ``_execute_module`` replaced on the
instance by a ``FakeWindows`` (fake_host.py). Actions that talk to a second host (tp_certs,
tp_secret, tp_em_info) open it with ``self.peer(name)``; ``connect_peer`` stands in for that method
with the FakeWindows registered under that name. ``_peer.py`` itself (the real second connection)
is exercised by the lab's integration tests. The fixtures that use these are in conftest.py.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import typing as t
from unittest.mock import MagicMock

from ansible.plugins.action import ActionBase

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost

from fake_host import FakeWindows


def shown(result: dict[str, t.Any], secret: bytes | str) -> list[str]:
    """The pieces of ``secret`` found anywhere in ``result``: the whole, its base64, or any line of 16+ characters.

    The result is searched as JSON (as a callback or a fact cache would store it) and as its plain
    strings (where quotes and backslashes are not escaped). PEM armour lines are not secret and are skipped.
    """
    raw = secret.encode("latin-1") if isinstance(secret, str) else secret
    text = raw.decode("latin-1")
    pieces = {text.strip(), base64.b64encode(raw).decode("ascii")}
    pieces |= {line.strip() for line in text.splitlines() if len(line.strip()) >= 16 and not line.startswith("-----")}
    haystack = json.dumps(result, default=repr, ensure_ascii=False) + "\n" + "\n".join(_strings(result))
    return sorted(piece for piece in pieces if piece and piece in haystack)


def _strings(value: t.Any) -> t.Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _strings(item)
    else:
        yield str(value)


@contextlib.contextmanager
def connect_peer(peers: dict[str, FakeWindows], check_mode: bool, name: str) -> t.Iterator[WindowsHost]:
    """What ``TPActionBase.peer`` gives an action: a WindowsHost on another inventory host, here a FakeWindows."""
    if name not in peers:
        raise TPError(f"'{name}' is not a host of this inventory; set the source host to the old EM's inventory name.")
    peers[name].check_mode = check_mode
    yield WindowsHost(peers[name], name)


class RunAction(t.Protocol):
    """The ``run_action`` fixture: run one action plugin class with task args against ``windows`` (and ``peers``)."""

    def __call__(self, action_class: type[ActionBase], args: dict[str, t.Any], *, check_mode: bool = False,
                 diff: bool = False, delegate_to: str | None = None, host_name: str = "agent01",
                 task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        """Run ``action_class`` with ``args`` and return its result."""


def build_action(action_class: type[ActionBase], args: dict[str, t.Any], *, check_mode: bool = False, diff: bool = False,
                 delegate_to: str | None = None) -> ActionBase:
    """A real action plugin around MagicMock task/connection/play context, as ActionBase.run uses them."""
    task = MagicMock()
    task.args = copy.deepcopy(args)
    task.action = f"netwrix.threat_prevention.{action_class.__module__.rsplit('.', 1)[-1]}"
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = 0
    task.delegate_to = delegate_to
    task.no_log = False
    connection = MagicMock()
    connection._shell.tmpdir = None  # pylint: disable=protected-access
    return action_class(task, connection, MagicMock(), loader=None, templar=None, shared_loader_obj=None)
