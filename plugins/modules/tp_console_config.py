# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_console_config.py.

DOCUMENTATION = r"""
---
module: tp_console_config
short_description: Point a remote Administration Console at an Enterprise Manager
version_added: 0.1.0
description:
  - Sets C(managerAddress) in C(SIWinConsole.exe.Config) to O(manager_address) on port 3740 (the
    console and PowerShell API port), with the same byte-preserving, atomic, backed-up edit as
    M(netwrix.threat_prevention.tp_agent_config). The vendor's migration page does not mention
    remote consoles; their config holds the EM address just as an agent's does.
  - Every run that is not in check mode also removes the collection's own temporary files that an
    interrupted run left beside the config, once they are more than 10 minutes old.
  - The console is a desktop program, not a service - an open console keeps the address it started
    with, so the task warns to close and reopen it when the file changed.
  - The console's certificate files (C(ca-crt.pem), C(em-crt.pem)) need no change when the
    certificates were migrated with M(netwrix.threat_prevention.tp_certs).
options:
  manager_address:
    description:
      - The Enterprise Manager to point at, as C(host) or C(host:port).
      - C(host) is a DNS name, an IPv4 address or an IPv6 address; write IPv6 with a port as C([fd00::10]:3741).
      - The value is written as C(host:port). A host that differs only in letter case counts as the same.
    type: str
    required: true
  port:
    description:
      - The port written when O(manager_address) has none.
    type: int
    default: 3740
  path:
    description:
      - The console's config file (the default install folder; the install root can differ).
    type: str
    default: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWinConsole\SIWinConsole.exe.Config
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.windows
  - netwrix.threat_prevention.config_edit
attributes:
  check_mode:
    support: full
    details: Reads the file and reports the address it would write.
  diff_mode:
    support: full
    details: Shows the file before and after (decoded text).
seealso:
  - module: netwrix.threat_prevention.tp_agent_config
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Point this console at the new EM
  netwrix.threat_prevention.tp_console_config:
    manager_address: newem.corp.example

- name: Preflight - report what would change and prove the atomic replace in the console's folder
  netwrix.threat_prevention.tp_console_config:
    manager_address: newem.corp.example
    preflight: true

- name: A console installed under another root
  netwrix.threat_prevention.tp_console_config:
    manager_address: newem.corp.example
    path: 'D:\Netwrix\SIWinConsole\SIWinConsole.exe.Config'

- name: Audit - which consoles still name the old EM?
  netwrix.threat_prevention.tp_console_config:
    manager_address: newem.corp.example
  check_mode: true
  register: console

- name: Report it
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} names {{ console.previous_address }}"
  when: console is changed

- name: Back to the old EM (a rollback)
  netwrix.threat_prevention.tp_console_config:
    manager_address: oldem.corp.example
"""

RETURN = r"""
removed_temporary_files:
  description:
    - The collection's own temporary files, older than 10 minutes, that an interrupted run had left beside the
      config and this run removed (never in check mode). Removing them does not count as a change.
  returned: success
  type: list
  elements: str
  sample: []
path:
  description: The config file that was read (and, if changed, written).
  returned: success
  type: str
previous_address:
  description: The value found in the file; null when the key was missing.
  returned: success
  type: str
address:
  description: The value in the file after the task (in check mode, the one it would write).
  returned: success
  type: str
encoding:
  description: The file's encoding as detected, and kept.
  returned: success
  type: str
backup_file:
  description: The backup of the previous file; null when nothing was written.
  returned: success
  type: str
would_change:
  description: With O(preflight), whether a run would change the file (RV(ignore:changed) stays false).
  returned: when O(preflight) is true
  type: bool
"""
