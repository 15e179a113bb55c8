# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_secret.py.

DOCUMENTATION = r"""
---
module: tp_secret
short_description: Move the Enterprise Manager's secret from the old EM to this one with SecretMgr.exe
version_added: 0.1.0
description:
  - The second half of step 2 of the vendor procedure - "migrate the secret.dpapi file (do not
    copy)". Runs on the new EM and opens its own connection to O(source_host), the old EM.
  - On the old EM, runs C(SecretMgr.exe -e) in a private folder (restricted to SYSTEM and
    Administrators), reads the export into controller memory and deletes it. The vendor documents
    that the export lands in C(C:\Windows\SysWOW64) by default, so every folder in
    O(export_locations) is searched and cleaned as well.
  - On this EM (its service stopped), writes the export into a private folder, runs
    C(SecretMgr.exe -i) and deletes it. The export passes as a SecureString and is removed from
    both servers even when a step fails; exports left by an interrupted run are removed first.
  - C(Secret.dpapi) itself is never read, copied or moved.
  - How a second run knows the secret is in place - the export's format, and whether it is the
    same on every run, are not documented, so exports are not compared. The import writes a record
    in O(state_folder) with the SHA-256 of the old EM's C(Secret.dpapi) as exported and of this
    EM's C(Secret.dpapi) as imported. While both still match, the module reports no change and
    exports nothing. These digests of DPAPI-protected files reveal nothing about the secret.
options:
  source_host:
    description:
      - The inventory name of the old Enterprise Manager.
    type: str
    required: true
  em_service_name:
    description:
      - The Enterprise Manager's Windows service name on both hosts; its binary path locates
        C(SecretMgr.exe) and C(CertsInfo\Secret.dpapi).
    type: str
    default: SIEnterpriseManager
  secretmgr:
    description:
      - SecretMgr.exe, relative to the EM install folder or absolute.
    type: str
    default: SecretMgr.exe
  export_locations:
    description:
      - Folders besides the private working folder where SecretMgr may write the export; searched and cleaned on both hosts.
    type: list
    elements: str
    default: ['C:\Windows\SysWOW64', 'C:\Windows\System32']
  state_folder:
    description:
      - Where the private working folders are made and the import record is kept, on both hosts.
    type: str
    default: C:\ProgramData\netwrix.threat_prevention
  validate_only:
    description:
      - Check that SecretMgr.exe and Secret.dpapi are there and whether the secret is in place, changing nothing.
    type: bool
    default: false
  require_stopped:
    description:
      - Refuse to import while this EM's service is not stopped.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
attributes:
  check_mode:
    support: full
    details: Reports whether the secret would be moved; runs SecretMgr on neither host.
  diff_mode:
    support: none
notes:
  - Run the migration with the default verbosity or C(-vvvv), never with C(ANSIBLE_DEBUG=1), which
    prints raw module output, including the export, on the controller.
seealso:
  - module: netwrix.threat_prevention.tp_certs
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Move the secret to the (stopped) new EM
  netwrix.threat_prevention.tp_secret:
    source_host: "{{ groups['tp_old_em'][0] }}"
"""

RETURN = r"""
in_place:
  description: Whether the recorded import was already in place (nothing was exported).
  returned: success
  type: bool
marker:
  description: The import record on this EM.
  returned: success
  type: str
  sample: C:\ProgramData\netwrix.threat_prevention\em-secret-import.json
export_landed:
  description: Where SecretMgr wrote the export on the old EM before it was deleted; null when nothing was exported.
  returned: success
  type: str
"""
