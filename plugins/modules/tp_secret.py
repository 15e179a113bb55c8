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
  - On the old EM, runs C(SecretMgr.exe -e) in a private folder of O(state_folder) (both made with a
    DACL that admits only SYSTEM and Administrators, in one step), reads the export into controller
    memory and deletes it. The vendor documents that the export lands in C(C:\Windows\SysWOW64) by
    default, and SecretMgr finds C(CertsInfo) from its own folder, so every folder of
    O(export_locations), C(C:\Windows\SysWOW64) and SecretMgr's own folder are searched and cleaned
    too; an empty file restricted to SYSTEM and Administrators is made under the export's name in
    each first, so an export SecretMgr writes over it is never readable by other accounts.
  - On this EM (its service stopped), writes the export into a private folder, runs
    C(SecretMgr.exe -i), checks that C(Secret.dpapi) changed (an import protects the secret again,
    and DPAPI output differs every time), records the import and deletes the export. The export
    passes as a SecureString, with an HMAC keyed by a random per-call key (also a SecureString), so
    no digest of it reaches the module's logged parameters.
  - SecretMgr runs with standard input closed, its output and error output read (the end of both is
    in any error), and is stopped with the processes it started after O(secretmgr_timeout) seconds.
  - Every file and folder of this module's names is deleted one by one, never recursively and never
    through a link; what cannot be deleted is named in the message or a warning and in RV(leftovers).
    Every run that may change something also sweeps both EMs for files and private folders that
    interrupted runs left (older than 10 minutes), also when the secret is already in place.
  - C(Secret.dpapi) itself is only hashed, never copied or moved.
  - How a second run knows the secret is in place - the export's format, and whether it is the
    same on every run, are not documented, so exports are not compared. The import writes a record
    in O(state_folder) with the SHA-256 of the old EM's C(Secret.dpapi) as exported and of this
    EM's C(Secret.dpapi) as imported. While both still match, the module exports nothing. These
    digests of DPAPI-protected files reveal nothing about the secret.
options:
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
      - Created restricted to SYSTEM and Administrators. A folder that already exists is used only when it
        is owned by SYSTEM or Administrators, is not a link, and its protected DACL lets no one else in;
        otherwise the task fails, naming the owner found, and changes nothing.
    type: str
    default: C:\ProgramData\netwrix.threat_prevention
  validate_only:
    description:
      - Check that SecretMgr.exe and Secret.dpapi are there and whether the secret is in place, changing nothing.
    type: bool
    default: false
  secretmgr_timeout:
    description:
      - Seconds SecretMgr.exe may run on either host before it is stopped, with any process it started,
        and the task fails. From 1 to 480 (a run must stay younger than the 10 minutes after which
        another run sweeps its files).
    type: int
    default: 120
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.windows
  - netwrix.threat_prevention.enterprise_manager
  - netwrix.threat_prevention.enterprise_manager.transfer
attributes:
  check_mode:
    support: full
    details: Reports whether the secret would be moved; runs SecretMgr on neither host.
  diff_mode:
    support: none
notes:
  - Run the migration with the default verbosity or C(-vvvv), never with C(ANSIBLE_DEBUG=1), which
    prints raw module output, including the export, on the controller.
  - Whether the secret is protected for the machine or for a user (DPAPI scope) is not documented. A
    user-scoped secret cannot be read in a WinRM network logon, which has no user key without CredSSP
    or Kerberos delegation. If SecretMgr fails that way, run the task with C(become=true),
    C(become_method=runas) and C(become_user) SYSTEM or the EM service's account. Become applies to
    both EMs; the second connection to the old EM takes it from the old EM's C(ansible_become*)
    variables, else from the task, as a delegated task would.
seealso:
  - module: netwrix.threat_prevention.tp_certs
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Move the secret to the (stopped) new EM
  netwrix.threat_prevention.tp_secret:
    source_host: "{{ groups['tp_old_em'][0] }}"

# The preflight check the migration runs, and what to do with its answer:
- name: Is the old EM's secret already on the new EM?
  netwrix.threat_prevention.tp_secret:
    source_host: oldem.corp.example
    validate_only: true
  register: secret_check

- name: Stop the new EM only when the secret must move
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: stopped
  when: not secret_check.in_place

# A SecretMgr in another folder, writing its export elsewhere:
- name: Move the secret with a SecretMgr.exe outside the EM folder
  netwrix.threat_prevention.tp_secret:
    source_host: oldem.corp.example
    secretmgr: 'D:\Tools\Netwrix\SecretMgr.exe'
    export_locations: ['C:\Windows\SysWOW64', 'C:\Windows\System32', 'D:\Tools\Netwrix']
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
export_outside_private_folder:
  description:
    - Whether the export landed outside the private folder (a warning then says whether other accounts could read it).
  returned: success
  type: bool
swept:
  description: Files and folders that interrupted runs had left, deleted by this run, by host.
  returned: always
  type: dict
  sample: {"old-em": ['C:\Windows\SysWOW64\tp-secret-0f3c9a0e5b6d4e7f8a9b0c1d2e3f4a5b.export']}
leftovers:
  description:
    - This module's files and folders that could not be deleted, by host (a warning or the message names them too).
      They may hold the secret export; delete them as an administrator.
  returned: always
  type: dict
  sample: {}
"""
