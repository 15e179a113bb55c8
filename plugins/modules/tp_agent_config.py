# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_agent_config.py.

DOCUMENTATION = r"""
---
module: tp_agent_config
short_description: Point a Threat Prevention agent at an Enterprise Manager, and set its other settings
version_added: 0.1.0
description:
  - Sets C(managerAddress) in the agent's C(SIWindowsAgent.exe.config) to O(manager_address), then
    restarts the agent service so that it reads the new address and registers with that
    Enterprise Manager. This is step 4 of the vendor procedure "Migrate the Enterprise Manager
    Server", done without the Administration Console.
  - The file is found from the agent service's binary path (C(<executable>.config)), so agents in
    custom or legacy install folders need no configuration; O(path) overrides it.
  - The edit is byte-preserving. Only the characters of the value change; encoding (UTF-8 or
    UTF-16), byte order mark, line endings, comments, quoting and layout stay as they were.
  - Refuses, with the file untouched, a file that is not well-formed XML, that declares a DTD or
    entities, that has no C(appSettings) section, two C(managerAddress) keys, or none (unless
    O(add_if_missing)), and an address that is not C(host[:port]).
  - Writes only when the address differs, atomically (a temporary file in the same folder, created
    with the config's own permissions, swapped in with ReplaceFile) and only if the file still holds
    what was read, keeping a backup beside it. A ReplaceFile that antivirus or the indexer gets in the
    way of is retried; one that fails for good leaves the config in place (put back from ReplaceFile's
    backup if need be) and the message says where every file is. Restarts the agent only when the
    file changed, in the same remote call as the write. If the agent then fails to start (each of the
    stop and the start may take 120 seconds), that same call puts the previous file back and starts
    the agent on it if it was running, and the task fails naming the cause.
  - B(Two remote calls for an agent that changes, one for an agent that needs nothing.) One call reads
    the service and the file; one writes, restarts and, if need be, restores. An O(preflight) leaves its
    read for a later task of the same ansible-playbook run that asks for the same file (in the run's own
    controller temp folder, removed when the run ends), and that task then makes no read of its own. The
    write carries the SHA-256 of the file and the service state as read. If either changed since (a
    deployment tool edited the file, someone stopped the agent, it was hardened or disabled), the host
    changes nothing and the module reads again and decides on what it finds.
  - Beside the config, C(<file>.tp-written.json) records the SHA-256 of what the collection wrote.
  - An agent that already points at the address costs one remote call (none after an O(preflight) of the
    same run). If its file names the address,
    is still what the collection wrote, and was written after the running agent started (a run cut off
    between the write and the restart), the agent is restarted so that it reads it. An agent that
    rewrites its own config is not restarted for that. A file without a record (written by an earlier
    version of the collection) is judged by its time alone.
  - A stopped agent (not disabled) whose file already names the address is started, so that a run cut off
    between the stop and the start of a restart is finished by the next one.
  - B(The target is proven first.) With O(em_host), every read resolves the host part of
    O(manager_address) on the agent itself (in the same call that reads the file) and refuses an
    address that does not resolve there, or that resolves to any address that is not one of the
    O(em_host) host's own. A write also needs this run's proof that the Enterprise Manager on O(em_host)
    runs, listens on the address's port, and holds the CA certificate that is the agent's own
    C(CertsInfo\ca-crt.pem) (read in that same call). Without that, nothing is written and the task
    fails naming the reason. The proof is one read of the EM over a connection the module opens
    itself, shared by all agents of a batch and reused for O(em_proof_max_age) seconds. Check mode
    and O(preflight) report the proof (RV(target)) without requiring the EM to be ready.
  - Every run that is not in check mode also removes the collection's own temporary files that an
    interrupted run left beside the config, once they are more than 10 minutes old.
options:
  manager_address:
    description:
      - The Enterprise Manager to point at, as C(host) or C(host:port).
      - C(host) is a DNS name, an IPv4 address or an IPv6 address; write IPv6 with a port as C([fd00::10]:3741).
      - The value is written as C(host:port). A host that differs only in letter case counts as the same.
      - Leave it out to change only O(settings); C(managerAddress) then stays as it is and no target is proven.
    type: str
  settings:
    description:
      - Other C(appSettings) keys to set in the same edit, each to a value, or to V(null) to remove the key. One
        read, one write and one restart for any number of keys; every key not named stays byte for byte as it is.
      - C(bindTo) (the adapter a multi-NIC agent uses) must be an IP address or a network adapter's name.
        C(dnsLookups) is a boolean, written C(true) or C(false). C(SDEventFormat) is one word, passed through (the
        values the product accepts are not documented; the installer writes C(PROTOBUF)). Any other key is written
        as the text given. C(managerAddress) is refused here; use O(manager_address), which proves its target.
      - A key that exists only commented out, as the installer ships C(bindTo), is set by uncommenting that line
        in place, not by adding a second element. A key found neither live nor commented out is refused unless
        O(add_if_missing). Removing a key that is not there changes nothing.
      - Keys compare without regard to case, as .NET compares them. Values are checked on the controller before any
        remote call.
    type: dict
  port:
    description:
      - The port to write when O(manager_address) has none. Agents talk to the EM on 3741.
    type: int
    default: 3741
  path:
    description:
      - The config file to edit, when it should not be found from the agent service.
    type: str
  service_name:
    description:
      - The agent's Windows service name.
    type: str
    default: SIWindowsAgent
  restart:
    description:
      - Restart the agent service after the file changed, so that it reads the new address.
      - A stopped agent is started, so that it registers with the new Enterprise Manager (a restart
        that failed on an earlier run is a common reason for an agent to be stopped). A disabled
        agent is left alone, with a warning.
      - A hardened agent cannot be restarted locally; with O(restart) it is refused before any change.
    type: bool
    default: true
  em_host:
    description:
      - The inventory host of the Enterprise Manager that O(manager_address) must lead to. The module
        opens its own connection to it, with that host's connection variables, to read its service,
        listening ports, CA certificate and IP addresses (no private key is read).
      - A write that changes the address is refused without it, unless O(prove_target=false).
    type: str
  em_service_name:
    description:
      - The Enterprise Manager's Windows service name on O(em_host).
    type: str
    default: SIEnterpriseManager
  em_proof_max_age:
    description:
      - How many seconds a proof that showed the EM ready is reused by later writes of the same run
        before the EM is read again. A proof that showed it not ready is only shared by the agents
        that asked at the same moment.
    type: int
    default: 300
  ca_file:
    description:
      - The agent's CA certificate, relative to the folder of its config file, compared with the EM's
        C(CertsInfo\Ca-crt.pem).
    type: str
    default: CertsInfo\ca-crt.pem
  prove_target:
    description:
      - Set to false to write an address without O(em_host) and without the proof - for an address
        outside the inventory that you have checked yourself. The agent may then end on no EM.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.windows
  - netwrix.threat_prevention.config_edit
attributes:
  check_mode:
    support: full
    details: Reads the file and reports the address it would write; writes, removes and restarts nothing.
  diff_mode:
    support: full
    details: Shows the file before and after (decoded text).
seealso:
  - module: netwrix.threat_prevention.tp_service
  - module: netwrix.threat_prevention.tp_agent_status
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Point the agent at the new Enterprise Manager (port 3741 is added), proven first
  netwrix.threat_prevention.tp_agent_config:
    manager_address: newem.corp.example
    em_host: newem  # its inventory name
  register: repoint

- name: Point at an IPv6 address, without restarting the agent
  netwrix.threat_prevention.tp_agent_config:
    manager_address: "[fd00::20]:3741"
    em_host: newem
    restart: false

- name: Edit a config file in a non-standard place, adding the key if it is missing
  netwrix.threat_prevention.tp_agent_config:
    manager_address: newem.corp.example:3741
    em_host: newem
    path: D:\Agents\SIWindowsAgent\SIWindowsAgent.exe.config
    add_if_missing: true

- name: Preflight - report what would change and prove the atomic replace on the host, changing nothing
  netwrix.threat_prevention.tp_agent_config:
    manager_address: newem.corp.example
    em_host: newem
    preflight: true
  register: agent_preflight

- name: Bind a multi-NIC agent to one address and turn DNS lookups off (one write, one restart)
  netwrix.threat_prevention.tp_agent_config:
    settings:
      bindTo: 10.20.0.31  # uncomments the installer's bindTo line
      dnsLookups: false

- name: Remove a key and repoint in the same edit
  netwrix.threat_prevention.tp_agent_config:
    manager_address: newem.corp.example
    em_host: newem
    settings:
      SDEventFormat: null

- name: Audit only - which agents still point elsewhere?
  netwrix.threat_prevention.tp_agent_config:
    manager_address: newem.corp.example
    em_host: newem
  check_mode: true
  diff: true

# Repoint one agent and prove it arrived: agents register some time after their service starts, so the new EM is
# polled (tp_agent_status, delegated to the EM host).
- name: Point the agent at the new EM
  netwrix.threat_prevention.tp_agent_config:
    manager_address: newem.corp.example
    em_host: newem
  register: repoint

- name: Wait until it is active there
  netwrix.threat_prevention.tp_agent_status:
    expect: ["{{ inventory_hostname }}"]
    timeout: 600
  delegate_to: newem
  when: repoint.restarted

- name: Roll one agent back to the old EM - the same module, the old address
  netwrix.threat_prevention.tp_agent_config:
    manager_address: oldem.corp.example
    em_host: oldem
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
  sample: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe.config
previous_address:
  description: The C(managerAddress) value found in the file; null when the key was missing.
  returned: success
  type: str
  sample: oldem.corp.example:3741
address:
  description: The C(managerAddress) value in the file after the task (in check mode, the one it would write).
  returned: success
  type: str
  sample: newem.corp.example:3741
encoding:
  description: The file's encoding as detected, and kept.
  returned: success
  type: str
  sample: utf-8 with BOM
backup_file:
  description: The backup of the previous file; null when nothing was written or O(backup) is false.
  returned: success
  type: str
  sample: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe.config.20261124-101500.3fa9c1.bak
pending_restart:
  description:
    - Whether the file already named the address, was still what the collection wrote, and the running agent
      started before it was written (so it still used its previous address), and the agent was restarted for
      that reason alone.
    - This is how a run cut off between the write and the restart is finished by the next one.
  returned: success
  type: bool
  sample: false
restarted:
  description: Whether the agent service was restarted (in check mode, whether it would be).
  returned: success
  type: bool
  sample: true
service_state:
  description: The agent service's state when the file was read; null when no service was found.
  returned: success
  type: str
  sample: started
settings:
  description:
    - With O(settings), what was done to each key (in check mode, what would be done), in the order given.
    - C(action) is V(unchanged), V(set), V(added), V(uncommented) or V(removed).
  returned: when O(settings) is given
  type: list
  elements: dict
  sample: [{key: bindTo, previous: null, value: 10.1.2.3, action: uncommented}, {key: dnsLookups, previous: "true", value: "false", action: set}]
hardened:
  description:
    - Whether the agent runs hardened (it refuses a stop from the service control manager), so that it
      cannot be restarted locally to read a new address.
  returned: success
  type: bool
  sample: false
target:
  description:
    - What was checked of the Enterprise Manager on O(em_host); null without O(em_host).
    - C(not_ready) is why an agent could not be pointed at it now (null when it could); a real write
      refuses in that case, check mode and O(preflight) only report it.
  returned: success
  type: dict
  sample:
    em_host: newem
    service_state: started
    listening: [3740, 3741]
    ca_fingerprint: 5c1f...
    agent_ca_fingerprint: 5c1f...
    ca_matches: true
    addresses: [10.20.0.11, "fd00::11"]
    resolved: [10.20.0.11]
    age: 4.2
    not_ready: null
would_change:
  description: With O(preflight), whether a run would change the file or restart the agent (RV(ignore:changed) stays false).
  returned: when O(preflight) is true
  type: bool
  sample: true
"""
