# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_em_info.py.

DOCUMENTATION = r"""
---
module: tp_em_info
short_description: Describe an Enterprise Manager host, and check that it can take over from another
version_added: 0.1.0
description:
  - Reports the EM service, its install and certificate folders, the product version of
    C(SIEnterpriseManager.exe), and the SQL server and database names from
    C(SIEnterpriseManager.exe.config). The connection strings' credentials never reach the result.
  - Lists the host-local items the vendor's migration procedure leaves to a person, as found on this
    host (licence files, HIBP store, File action output, Reporting or Scheduler services, the EPE
    Rest Site, Auto Deploy settings).
  - With O(compare_to), also reads the other EM (over its own connection) and reports in RV(problems)
    why this EM cannot take over from it - a different product version, the databases
    (C(NVMonitorConfig), C(NVMonitorData)) on different servers, or a PowerShell logging policy on
    either EM that would record the keys and the secret while they move. It fails when there is a
    problem, unless O(fail_on_problems) is false.
  - Fails, on either EM, when PowerShell runs in ConstrainedLanguage mode (a WDAC or AppLocker
    policy), because the collection's scripts need FullLanguage mode.
  - The keys, the export and the EM configs this module reads never reach its result; it refuses
    to run with C(ANSIBLE_KEEP_REMOTE_FILES), C(ANSIBLE_DEBUG) or an unencrypted WinRM connection,
    and keeps the connection plugin's raw output out of C(-vvvvv) logs.
options:
  compare_to:
    description:
      - The inventory name of the EM this one must be able to take over from (the old EM).
    type: str
  databases:
    description:
      - The databases both EMs must use on the same server.
    type: list
    elements: str
    default: [NVMonitorConfig, NVMonitorData]
  skip_database_check:
    description:
      - Do not compare databases, for example when the connection strings are encrypted with
        protected configuration and you compared them by hand in SIDBConfigMgr on both hosts.
    type: bool
    default: false
  allow_powershell_logging:
    description:
      - Accept PowerShell module logging or transcription enabled by policy on either EM. Those
        policies record what passes through PowerShell (module arguments in event 4103, session
        input and output in transcript files), so the private keys and the secret export would be
        logged while they move. Without this option, either policy is a problem.
      - Script block logging (event 4104) records script text only and is reported, never a problem.
    type: bool
    default: false
  fail_on_problems:
    description:
      - Fail when RV(problems) is not empty.
    type: bool
    default: true
  network:
    description:
      - Also read the host's IP addresses, which of the ports 3741 (agents) and 3740 (consoles) listen, and the
        fingerprint of its CA certificate (RV(network)). One more remote call; C(audit.yml) uses it to tell which
        EM an agent's address names.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.windows
  - netwrix.threat_prevention.enterprise_manager
attributes:
  check_mode:
    support: full
    details: Reads only; it behaves the same in check mode.
  diff_mode:
    support: none
seealso:
  - module: netwrix.threat_prevention.tp_service
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Check that the new EM can take over from the old one
  netwrix.threat_prevention.tp_em_info:
    compare_to: "{{ groups['tp_old_em'][0] }}"
  register: em

# Inventory of both EMs before a change window, without failing: what would the preflight say?
- name: Compare the EMs
  netwrix.threat_prevention.tp_em_info:
    compare_to: oldem.corp.example
    fail_on_problems: false
  delegate_to: newem.corp.example
  run_once: true
  register: em

- name: Show the problems and the old EM's follow-ups
  ansible.builtin.debug:
    msg:
      problems: "{{ em.problems }}"
      follow_ups: "{{ em.other.follow_ups }}"
  run_once: true

# Encrypted connection strings, compared by hand in SIDBConfigMgr on both EMs:
- name: Compare versions only
  netwrix.threat_prevention.tp_em_info:
    compare_to: oldem.corp.example
    skip_database_check: true
"""

RETURN = r"""
exists:
  description: Whether the EM service is installed (always true on success).
  returned: success
  type: bool
service:
  description: The EM service (name, display_name, state, start_mode, path, accepts_stop).
  returned: success
  type: dict
install_folder:
  description: The folder SIEnterpriseManager.exe runs from.
  returned: success
  type: str
certs_folder:
  description: The EM's CertsInfo folder.
  returned: success
  type: str
version:
  description: The product version of SIEnterpriseManager.exe; null when the file is missing.
  returned: success
  type: str
  sample: 7.4.0.1107
databases:
  description: Whether the connection strings are protected, and each one's server and database (no credentials).
  returned: success
  type: dict
config_problem:
  description: Why the EM config could not be read; null when it could.
  returned: success
  type: str
follow_ups:
  description: Host-local items to move or review by hand after the migration.
  returned: success
  type: list
  elements: str
powershell:
  description: The PowerShell that runs the collection's scripts on this host (edition Desktop or Core, and version).
  returned: success
  type: dict
  sample: {edition: Desktop, version: 5.1.17763.6893}
powershell_logging:
  description: Which PowerShell logging policies are enabled on this host (module_logging, transcription, script_block_logging).
  returned: success
  type: dict
  sample: {module_logging: false, transcription: false, script_block_logging: true}
compared_to:
  description: The other EM's inventory name.
  returned: when O(compare_to) is set
  type: str
other:
  description: The same facts for the other EM.
  returned: when O(compare_to) is set
  type: dict
problems:
  description: Why this EM cannot take over from the other one; empty when it can.
  returned: when O(compare_to) is set
  type: list
  elements: str
network:
  description: With O(network), the host's addresses, the listening ports of 3741 and 3740, and the CA's SHA-256 fingerprint.
  returned: when O(network) is true
  type: dict
  sample: {addresses: [10.20.0.11], listening: [3740, 3741], ca_fingerprint: 5c1f..., ca_problem: null}
"""
