# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_service.py.

DOCUMENTATION = r"""
---
module: tp_service
short_description: Find a Threat Prevention service, report it, and bring it to a state
version_added: 0.1.0
description:
  - Finds the Windows service of a Netwrix Threat Prevention component and reports its state, start
    mode, binary path and install folder. The install folder is derived from the binary path, so
    custom install folders and the legacy STEALTHbits folder are found without configuration.
  - Optionally starts, stops or restarts the service, sets its start mode, and waits until TCP
    ports listen on the host (the Enterprise Manager listens on 3741 for agents and 3740 for
    consoles and the PowerShell API).
  - A hardened agent refuses to be stopped from the service control manager. The module detects
    this before asking for a stop and fails, changing nothing, with the instruction to soften the
    agent first.
  - Fails with a clear message when the service is not installed.
  - B(No Enterprise Manager is stopped or disabled under an agent.) Before it stops an Enterprise
    Manager, the module reads that EM's agent list and refuses, changing nothing, while any agent is
    active on it. Disabling an EM is its decommission and needs O(successor). With O(successor), the
    module also reads the successor's agent list (over a connection it opens itself) and refuses unless
    every agent either EM lists - the fleet, not the inventory - is active on the successor, and every
    console in O(consoles) points at an address of the successor, except those named in
    O(abandoned_agents) and O(abandoned_consoles). The check is made in the same action as the change,
    so no way of starting a playbook part-way, no role used alone and no ad-hoc call gets past it.
options:
  component:
    description:
      - Which Threat Prevention component the service belongs to.
      - V(enterprise_manager) is the C(SIEnterpriseManager) service, V(agent) the C(SIWindowsAgent) service.
    type: str
    required: true
    choices: [enterprise_manager, agent]
  name:
    description:
      - The service name, when it is not the product default for O(component).
    type: str
  state:
    description:
      - The state to bring the service to. Omit it to only report the service.
      - V(restarted) always restarts, and so always reports a change.
    type: str
    choices: [started, stopped, restarted]
  start_mode:
    description:
      - The start mode to set. Omit it to leave the start mode as it is.
    type: str
    choices: [auto, delayed, manual, disabled]
  wait_for_ports:
    description:
      - TCP ports that must listen on the host before the task succeeds, checked when the service is started.
    type: list
    elements: int
    default: []
  wait_timeout:
    description:
      - Seconds to wait for each port in O(wait_for_ports).
    type: int
    default: 120
  successor:
    description:
      - The inventory host of the Enterprise Manager that takes this one's agents over. With it, a stop or
        disable is a decommission and is checked as such (see the description); without it, disabling an
        Enterprise Manager is refused.
    type: str
  successor_service_name:
    description:
      - The Enterprise Manager's Windows service name on O(successor).
    type: str
    default: SIEnterpriseManager
  consoles:
    description:
      - Inventory hosts of remote Administration Consoles that must point at O(successor) before a decommission.
      - Each console's config file is its C(console_config_path) host variable (the console role's) when set,
        else O(console_config_path). Its C(managerAddress) is resolved on the console itself.
    type: list
    elements: str
    default: []
  console_config_path:
    description:
      - The console config file on hosts in O(consoles) that do not set C(console_config_path).
    type: str
    default: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWinConsole\SIWinConsole.exe.Config
  agents_reconnect:
    description:
      - Stop although agents are active on this Enterprise Manager, because the same run starts it again at once -
        the new EM's certificate and secret swap (vendor steps 1 to 3), with a pilot agent already on it. Those
        agents lose it for that while and reconnect when it starts; they are named in C(active_here) of RV(stop_gate).
      - Never lets a disable pass, and changes nothing with O(successor), which checks every agent on the successor.
    type: bool
    default: false
  abandoned_agents:
    description:
      - Agents the EM lists that may be left behind (decommissioned machines, agents to be reinstalled), by
        host name as the agent list shows it. Nothing else lets a stop or a decommission pass an agent that is
        not active on the successor.
    type: list
    elements: str
    default: []
  abandoned_consoles:
    description:
      - Hosts of O(consoles) that may be left pointing elsewhere.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.windows
  - netwrix.threat_prevention.agent_list
attributes:
  check_mode:
    support: full
    details: Reports what would change, changes nothing and does not wait for ports.
  diff_mode:
    support: full
    details: Shows the state and start mode before and after.
seealso:
  - module: netwrix.threat_prevention.tp_agent_config
  - name: ansible.windows.win_service
    description: The module this one drives on the Windows host to change a service's state and start mode.
    link: https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_service_module.html
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Report the agent service and where the agent is installed
  netwrix.threat_prevention.tp_service:
    component: agent
  register: agent_service

- name: Stop the Enterprise Manager on the new server before the certificates arrive
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: stopped

- name: Start the Enterprise Manager and wait until agents and consoles can connect
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: started
    wait_for_ports: [3741, 3740]
    wait_timeout: 300

- name: Stop and disable the old Enterprise Manager - refused unless every agent it knows is active on newem
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: stopped
    start_mode: disabled
    successor: newem
    consoles: "{{ groups['tp_consoles'] | default([]) }}"
    abandoned_agents: [retired-fileserver07]

# Agents whose file was changed with restart: false (or whose restart was cut off) still run on the
# old address: an agent reads SIWindowsAgent.exe.config only when its service starts.
- name: Restart agents so they read the address already in their file
  netwrix.threat_prevention.tp_service:
    component: agent
    state: restarted
  when: agent_was_edited_without_restart | default(false)

# Audit before a change window: which agents are hardened (they must be softened in the
# Administration Console before tp_agent_config can restart them)?
- name: Find hardened agents
  netwrix.threat_prevention.tp_service:
    component: agent
  register: svc

- name: List them
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} is hardened: soften it before the repoint"
  when: svc.hardened
"""

RETURN = r"""
exists:
  description: Whether the service is installed (always true on success).
  returned: always
  type: bool
  sample: true
name:
  description: The service name.
  returned: success
  type: str
  sample: SIWindowsAgent
display_name:
  description: The service's display name.
  returned: success
  type: str
  sample: Netwrix Threat Prevention Windows Agent
state:
  description: The service state after the task (in check mode, before it).
  returned: success
  type: str
  sample: started
start_mode:
  description: The start mode after the task (in check mode, before it).
  returned: success
  type: str
  sample: auto
path:
  description: The command line the service control manager starts.
  returned: success
  type: str
  sample: '"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe"'
install_folder:
  description: The folder holding the service's executable.
  returned: success
  type: str
  sample: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent
hardened:
  description: Whether the service is a hardened agent, which refuses a local stop.
  returned: success
  type: bool
  sample: false
listening:
  description: The ports that were confirmed listening.
  returned: when O(wait_for_ports) is set and the service is started
  type: list
  elements: int
  sample: [3741, 3740]
stop_gate:
  description:
    - What was checked before an Enterprise Manager was stopped or disabled - C(agents_listed) by this EM,
      C(active_here), C(abandoned_agents), and with O(successor) also C(successor), C(successor_listed),
      C(not_on_successor) and C(consoles) (per console its C(host), C(address), C(resolved) and
      C(points_at_successor)). A refusal returns it too.
  returned: when an Enterprise Manager would be stopped or disabled
  type: dict
  sample: {agents_listed: 250, active_here: [], abandoned_agents: [], successor: newem, successor_listed: 250,
           not_on_successor: [], consoles: []}
"""
