# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible.windows (and community.windows) modules the lab emulates, by the name Ansible's exec wrapper runs them under.

Ansible sends the real module (its .ps1 from the ansible.windows collection on the collections
path); the emulated host runs this Python stand-in in its place. A module the collection calls
but the lab does not emulate fails with a message saying so: emulate it before relying on it.
"""

from __future__ import annotations

import types

from tplab.windows.modules import tp_test_layout, win_powershell, win_service, win_service_info, win_wait_for, win_xml

MODULES: dict[str, types.ModuleType] = {
    module.SPEC.name: module for module in (win_powershell, win_service, win_service_info, win_wait_for, win_xml, tp_test_layout)}


def fqcn_of(script_name: str) -> str:
    """'ansible_collections.ansible.windows.plugins.modules.win_service.ps1' -> 'ansible.windows.win_service'."""
    name = script_name.removesuffix(".ps1").removeprefix("ansible_collections.")
    # A module from a role's library, named ansible.legacy.<name> in a task, arrives as ansible.legacy.ansible.legacy.<name>.
    while name.startswith("ansible.legacy.ansible.legacy."):
        name = name.removeprefix("ansible.legacy.")
    return name.replace(".plugins.modules.", ".")
