# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A second connection, from inside one action, to another inventory host.

Certificates and the secret export must go from the old EM to the new EM "through controller
memory only": never in a task result, a fact or a file on the controller. A task talks to one
host, so tp_certs and tp_secret run on the new EM and open this peer connection to the old EM
themselves, exactly as Ansible would for ``delegate_to``: the peer's own connection variables
(connection plugin, address, port, user, credentials) are resolved from the inventory. The bytes
then pass from one module result to the next module's arguments inside this process.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import become_loader

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._transport import unencrypted_reason
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


def _peer_variables(task_vars: dict[str, t.Any], peer: str) -> dict[str, t.Any]:
    """The peer's connection-related variables, templated in its own context (as hostvars does)."""
    hostvars = task_vars.get("hostvars") or {}
    if peer not in hostvars:
        raise TPError(f"{peer}: not a host of this inventory; set the source host to the old EM's inventory name.")
    view = hostvars[peer]
    return {name: view[name] for name in view if name.startswith("ansible_") or name == "inventory_hostname"}


def _set_become(connection: t.Any, task: t.Any, task_keys: dict[str, t.Any], peer_vars: dict[str, t.Any],
                templar: t.Any) -> None:
    """Become on the peer as the task executor sets it on a task's own connection: from the peer's vars, else the task.

    tp_secret documents ``become`` (runas, SYSTEM) for SecretMgr.exe, which must then run elevated on both EMs.
    """
    wanted = peer_vars.get("ansible_become")
    become = boolean(templar.template(wanted)) if wanted is not None else task.become
    if not become:
        return
    plugin = become_loader.get(templar.template(peer_vars.get("ansible_become_method") or task.become_method))
    if plugin is None:
        raise TPError(f"the become method '{task.become_method}' was not found. Nothing was read or changed.")
    names = C.config.get_plugin_vars("become", plugin._load_name)
    plugin.set_options(task_keys=task_keys, var_options={name: templar.template(peer_vars[name]) for name in names
                                                         if name in peer_vars})
    connection.set_become_plugin(plugin)


@contextlib.contextmanager
def peer_host(action: ActionBase, task_vars: dict[str, t.Any], peer: str) -> t.Iterator[WindowsHost]:
    """Yield a WindowsHost for ``peer`` over its own connection; the connection is closed afterwards."""
    peer_vars = _peer_variables(task_vars, peer)
    task = action._task.copy(exclude_parent=True, exclude_tasks=True)
    task.delegate_to = peer
    variables = {**task_vars, "ansible_delegated_vars": {peer: dict(peer_vars)}}
    play_context = action._play_context.set_task_and_variable_override(
        task=task, variables=variables, templar=action._templar)
    play_context.no_log = True  # only keys, the export and EM configs travel here: keep the plugin's raw output out of logs
    loader = action._shared_loader_obj
    connection = loader.connection_loader.get(play_context.connection, play_context, new_stdin=None,
                                              task_uuid=task._uuid, ansible_playbook_pid=str(os.getppid()))
    if connection is None:
        raise TPError(f"{peer}: the connection plugin '{play_context.connection}' was not found.")
    task_keys = task.dump_attrs()
    task_keys["timeout"] = play_context.timeout
    task_keys.pop("retries", None)
    connection.set_options(task_keys=task_keys,
                           var_options=connection._resolve_option_variables(peer_vars, action._templar))
    reason = unencrypted_reason(connection)
    if reason:
        raise TPError(f"{peer}: {reason}; use HTTPS (port 5986) or an encrypting authentication (Kerberos, NTLM, CredSSP) "
                      f"with message encryption on. Nothing was read or changed.")
    _set_become(connection, task, task_keys, peer_vars, action._templar)
    shell_vars = C.config.get_plugin_vars("shell", connection._shell._load_name)
    connection._shell.set_options(var_options={name: peer_vars[name] for name in shell_vars if name in peer_vars})
    peer_action = loader.action_loader.get("ansible.legacy.normal", task=task, connection=connection,
                                           play_context=play_context, loader=action._loader,
                                           templar=action._templar, shared_loader_obj=loader)
    # The peer's task is "delegated" to it, so module set-up reads its vars from ansible_delegated_vars.
    module_vars = {**peer_vars, "ansible_delegated_vars": {peer: peer_vars}}

    def execute(**kwargs: t.Any) -> dict[str, t.Any]:
        try:
            return peer_action._execute_module(task_vars=module_vars, **kwargs)
        except (AnsibleConnectionFailure, OSError) as error:
            # Not this task's host that is unreachable: name the peer, or Ansible would blame the wrong host. An
            # OSError is the HTTP layer beneath pywinrm/pypsrp losing a connection that was already open.
            detail = error.message if isinstance(error, AnsibleConnectionFailure) else f"connection lost: {error}"
            raise TPError(f"{peer}: unreachable ({detail}). Nothing more was done on either host; run again "
                          f"when {peer} answers.", unreachable_peer=peer) from None
    try:
        yield WindowsHost(execute, peer)
    finally:
        connection.close()
