# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base class every tp_* action plugin shares.

Action plugins run on the controller, so no target module validates their arguments or turns their
errors into results: this class does both, once. A subclass declares ARGUMENT_SPEC (kept equal to
its documentation by a unit test) and implements ``run_tp``; everything remote goes through the
WindowsHost it is handed.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import functools
import os
import typing as t

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_proof import EmProof, em_prover
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._peer import peer_host
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._transport import secret_hazards
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class TPActionBase(ActionBase):
    """Validate, run, and report: the shared shape of tp_service, tp_agent_config, ..."""

    ARGUMENT_SPEC: t.ClassVar[dict[str, dict[str, t.Any]]] = {}
    MUTUALLY_EXCLUSIVE: t.ClassVar[list[list[str]]] = []
    REQUIRED_ONE_OF: t.ClassVar[list[list[str]]] = []
    # Private keys, the secret export or an EM's SQL credentials travel in this module's calls (see _transport.py).
    CARRIES_SECRETS: t.ClassVar[bool] = False

    _supports_check_mode = True
    _supports_async = False
    _tp_task_vars: dict[str, t.Any] = {}

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        self._tp_task_vars = task_vars
        _validation, args = self.validate_argument_spec(
            argument_spec=self.ARGUMENT_SPEC, mutually_exclusive=self.MUTUALLY_EXCLUSIVE, required_one_of=self.REQUIRED_ONE_OF)
        host = WindowsHost(functools.partial(self._execute_module, task_vars=task_vars), self._host_label(task_vars))
        try:
            if self.CARRIES_SECRETS:
                self._protect_secrets(host.name)
            result.update(self.run_tp(args, host))
        except TPError as error:
            result.update(error.result)
            result.update(failed=True, msg=error.message)
        result.setdefault("changed", False)
        return result

    def _protect_secrets(self, host_name: str) -> None:
        """Refuse a run that would leak what this module carries; keep the connection plugin's raw output out of logs.

        The psrp and winrm plugins print each module's raw output at -vvvvv ("PSRP STDOUT", "WINRM
        RESULT") unless their play context says no_log. The task executor gives the connection its
        own copy of the play context, so that is the one to set. The task's own result stays visible,
        because nothing secret is ever put in it.
        """
        hazards = secret_hazards(host_name, self._connection, self._is_pipelining_enabled("new"))
        if hazards:
            raise TPError(" ".join(f"{hazard}." for hazard in hazards) + " Nothing was read or changed.")
        self._connection._play_context.no_log = True  # pylint: disable=protected-access

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        """Do the module's work; raise TPError to fail with a message."""
        raise NotImplementedError

    def peer(self, host_name: str) -> t.ContextManager[WindowsHost]:
        """A connection to another inventory host for the length of a ``with`` block (see _peer.py)."""
        return peer_host(self, self._tp_task_vars, host_name)

    def em_prover(self, em_host: str, service_name: str, max_age: int) -> t.Callable[[int | None], EmProof]:
        """This run's proof of an EM, shared by every fork through the run's own controller temp folder (_em_proof.py)."""
        if max_age < 0:
            raise TPError(f"option em_proof_max_age must be 0 or more seconds (got {max_age}). Nothing was changed.")
        return em_prover(self.peer, em_host, service_name, max_age, os.path.join(C.DEFAULT_LOCAL_TMP, "tp-em-proofs"))

    @property
    def read_cache(self) -> str:
        """Where a preflight leaves its read of a config for the repoint later in this run (see _read_cache.py)."""
        return os.path.join(C.DEFAULT_LOCAL_TMP, "tp-reads")

    @property
    def check_mode(self) -> bool:
        return bool(self._task.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(self._task.diff)

    def _host_label(self, task_vars: dict[str, t.Any]) -> str:
        """Name the host in messages; a delegated task names both ends."""
        inventory_host = str(task_vars.get("inventory_hostname", "?"))
        delegate = self._task.delegate_to
        if delegate and delegate != inventory_host:
            return f"{delegate} (for {inventory_host})"
        return inventory_host
