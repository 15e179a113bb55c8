# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_agent_status.py.

DOCUMENTATION = r"""
---
module: tp_agent_status
short_description: List the agents an Enterprise Manager knows, and wait for expected ones
version_added: 0.1.0
description:
  - Runs on the Enterprise Manager host. Loads the EM's PowerShell module
    (C(SI.SIMonitor.PowerShell.dll) in the EM install folder, found from the EM service),
    connects with C(Connect-SIEnterpriseManager) and reads C(Get-SIAgentStatus), the Agents grid
    of the Administration Console. Each row is turned into its properties' text on the host
    (enums by name, an address object by its C(ToString()), a list or a DataTable unrolled into its
    rows), so the controller reads the same flat rows whatever the cmdlet writes.
  - The EM's module is a .NET Framework module. If Ansible runs modules under PowerShell 7 on the
    EM host (C(ansible_pwsh_interpreter), or a PowerShell 7 PSRP endpoint), the list is read in
    C(powershell.exe) (Windows PowerShell 5.1) instead, at the cost of one more call the first time.
  - With O(expect), polls until every named agent is listed with an active status, or O(timeout)
    passes, and reports the agents still missing. This is how the collection proves an agent has
    moved before anything is decommissioned.
  - Agents are matched by host name, the first DNS label compared case-insensitively, against
    every column in O(name_properties).
  - If the EM returns rows but none has any of O(name_properties), or none has O(status_property),
    the task fails at the first read, naming the properties the rows have (names only), instead of
    waiting for O(timeout).
  - The account Ansible uses on the EM host must hold the Threat Prevention administrator role,
    as the PowerShell API requires.
options:
  expect:
    description:
      - Agent host names that must be listed as active.
    type: list
    elements: str
    default: []
  timeout:
    description:
      - Seconds to keep polling for O(expect). Agents register some time after their service starts.
    type: int
    default: 300
  delay:
    description:
      - Seconds between polls.
    type: int
    default: 10
  fail_on_missing:
    description:
      - Fail, naming the agents, when some of O(expect) are still missing after O(timeout).
      - Set to V(false) to get the list in RV(missing) and decide per host.
    type: bool
    default: true
  check_only:
    description:
      - Read the list once and check that its rows carry O(name_properties) and O(status_property);
        never wait and never fail on missing agents. RV(listed), RV(present), RV(registered) and
        RV(missing) report what the EM lists now.
      - For a preflight against the EM agents are on now, before anything changes.
    type: bool
    default: false
  address_property:
    description:
      - The property that holds the agent's address.
    type: str
    default: Address
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.windows
  - netwrix.threat_prevention.enterprise_manager
  - netwrix.threat_prevention.agent_list
attributes:
  check_mode:
    support: full
    details: Reads the list once and does not wait.
  diff_mode:
    support: none
seealso:
  - module: netwrix.threat_prevention.tp_agent_config
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
# In the migration preflight, against the old EM (the one that runs now; the new EM may be stopped):
# prove the agent list can be read with these property names before anything changes.
- name: Preflight - the old EM's agent list can be read with these property names
  netwrix.threat_prevention.tp_agent_status:
    check_only: true
    expect: "{{ groups['tp_agents'] }}"
  delegate_to: "{{ groups['tp_old_em'][0] }}"
  run_once: true
  register: old_em_agents

- name: Wait until these agents are active on the new EM
  netwrix.threat_prevention.tp_agent_status:
    expect: [agent01, agent02.corp.example]
    timeout: 600
  delegate_to: newem.corp.example

- name: Read the agent list, and decide per host
  netwrix.threat_prevention.tp_agent_status:
    expect: "{{ ansible_play_batch }}"
    fail_on_missing: false
  delegate_to: "{{ groups['tp_new_em'][0] }}"
  run_once: true
  register: em_agents

# Before decommissioning the old EM (step 5): every agent in the inventory must be active on the
# new one. Read once (timeout: 0), fail naming the stragglers.
- name: Gate the decommissioning on the new EM's agent list
  netwrix.threat_prevention.tp_agent_status:
    expect: "{{ groups['tp_agents'] }}"
    timeout: 0
  delegate_to: "{{ groups['tp_new_em'][0] }}"
  run_once: true

# Before the migration: which agents does the old EM list, and which are not Active there?
- name: Read the old EM's agent grid
  netwrix.threat_prevention.tp_agent_status:
  delegate_to: "{{ groups['tp_old_em'][0] }}"
  run_once: true
  register: old_grid

- name: Show the agents that are not active on the old EM
  ansible.builtin.debug:
    msg: "{{ old_grid.agents | rejectattr('active') | map(attribute='name') | list }}"
  run_once: true
"""

RETURN = r"""
agents:
  description: Every agent the EM lists.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The first non-empty name column.
      type: str
    names:
      description: All non-empty name columns.
      type: list
      elements: str
    status:
      description: The status column.
      type: str
    address:
      description: The address column.
      type: str
    active:
      description: Whether the status is one of O(active_statuses).
      type: bool
    host:
      description: The agent's host name as agents are matched - the first DNS label of RV(agents[].name), lower case.
      type: str
    fqdn:
      description: The first name column that is a dotted host name (not an IP address), lower case; null when none is.
      type: str
listed:
  description: How many agents the EM lists (rows with a name).
  returned: success
  type: int
  sample: 22
present:
  description: The names in O(expect) that the EM lists, whatever their status.
  returned: success
  type: list
  elements: str
  sample: [agent01, agent02.corp.example]
unexpected:
  description:
    - The agents the EM lists that match no name in O(expect) (by first name column) - with O(expect) set to the
      inventory's agents, the agents the inventory lacks. The EMs' list, not the inventory, is the fleet.
  returned: success
  type: list
  elements: str
  sample: [FILESERVER07]
registered:
  description: The names in O(expect) that are active.
  returned: success
  type: list
  elements: str
  sample: [agent01]
missing:
  description: The names in O(expect) that are not active.
  returned: always
  type: list
  elements: str
  sample: [agent02.corp.example]
attempts:
  description: How many times the list was read.
  returned: success
  type: int
  sample: 2
elapsed:
  description: Seconds spent polling.
  returned: success
  type: float
  sample: 10.2
module_path:
  description: The EM PowerShell module that was loaded.
  returned: success
  type: str
  sample: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager\SI.SIMonitor.PowerShell.dll
"""
