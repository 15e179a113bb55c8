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
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
attributes:
  check_mode:
    support: full
    details: Reports what would change, changes nothing and does not wait for ports.
  diff_mode:
    support: full
    details: Shows the state and start mode before and after.
seealso:
  - module: netwrix.threat_prevention.tp_agent_config
  - module: ansible.windows.win_service
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

- name: Stop and disable the old Enterprise Manager once every agent has moved
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: stopped
    start_mode: disabled
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
"""
