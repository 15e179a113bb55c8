# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_certs.py.

DOCUMENTATION = r"""
---
module: tp_certs
short_description: Move the Enterprise Manager's certificates from the old EM to this one
version_added: 0.1.0
description:
  - Step 2 of the vendor procedure "Migrate the Enterprise Manager Server". Runs on the new EM and
    opens its own connection to O(source_host), the old EM, with that host's inventory connection
    settings.
  - Reads C(Ca-crt.pem), C(Ca-key.pem), C(Em-crt.pem) and C(Em-key.pem) from the old EM's
    C(CertsInfo) folder (found from its service's binary path; names matched case-insensitively)
    into controller memory only. The files never appear in a task result, a fact, a diff, a log or
    a file on the controller.
  - Validates them on the controller before anything is written, with C(cryptography) - each
    private key matches its certificate, C(Em-crt.pem) is issued by C(Ca-crt.pem), both are
    within their validity dates.
  - Refuses customer-supplied certificates (no C(Ca-key.pem), or an EM certificate not issued by
    the local CA), because the vendor procedure covers default certificates only and says agents must be
    re-enrolled in that case. Nothing is changed.
  - Writes each file that differs atomically on the new EM (a temporary file swapped in with
    ReplaceFile, private keys passed as SecureStrings), keeping the installer-generated files in
    C(CertsInfo\backup-<UTC time>), then reads the SHA-256 of every file back and compares it with
    the old EM's.
  - By default refuses to write while the new EM's service runs; stop it first (vendor step 1).
  - Writes keys only into a C(CertsInfo) under Program Files unless O(folder) names the place; a
    service path elsewhere could point where other accounts may write.
  - Every run removes what an interrupted write left in this EM's C(CertsInfo) (the collection's
    own temporary files, older than 10 minutes); with O(validate_only) on a real run it also proves
    there, with scratch files, that the atomic replace works on this host, and fails before anything
    changes when it does not.
  - Refuses to run, before anything is read, with C(ANSIBLE_KEEP_REMOTE_FILES) or C(ANSIBLE_DEBUG)
    set, or over an unencrypted WinRM/PSRP connection (its own or the old EM's), and keeps the
    connection plugin's raw output (which would hold the keys) out of C(-vvvvv) logs.
  - A second run finds the same SHA-256 on both sides and changes nothing.
options:
  source_folder:
    description:
      - The old EM's certificate folder, when it should not be found from the service.
    type: str
  folder:
    description:
      - This EM's certificate folder, when it should not be found from the service. Required when the
        EM's service runs from outside Program Files.
    type: str
  validate_only:
    description:
      - Read and validate the old EM's files and compare digests with this EM's, changing nothing
        (the migration preflight uses this). On a real run (not check mode) also prove the atomic
        replace in this EM's C(CertsInfo) with scratch files that are removed afterwards.
    type: bool
    default: false
  backup:
    description:
      - Keep the files being replaced in C(CertsInfo\backup-<UTC time>).
    type: bool
    default: true
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
    details: Reads and validates, reports which files would be written; writes nothing.
  diff_mode:
    support: full
    details: Shows file names and SHA-256 digests before and after, never content.
seealso:
  - module: netwrix.threat_prevention.tp_secret
  - module: netwrix.threat_prevention.tp_service
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Check the old EM's certificates before the migration (changes nothing)
  netwrix.threat_prevention.tp_certs:
    source_host: "{{ groups['tp_old_em'][0] }}"
    validate_only: true

- name: Move the certificates to the (stopped) new EM
  netwrix.threat_prevention.tp_certs:
    source_host: oldem.corp.example
  register: certs

# Vendor steps 1 to 3 around it, as the new_em role does them (run on the new EM):
- name: Which files would move?
  netwrix.threat_prevention.tp_certs:
    source_host: oldem.corp.example
    validate_only: true
  register: certs_check

- name: Stop the new EM only when something must be written
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: stopped
  when: certs_check.files | rejectattr('action', 'eq', 'unchanged') | list | length > 0

- name: Move the certificates
  netwrix.threat_prevention.tp_certs:
    source_host: oldem.corp.example

- name: Start the new EM again
  netwrix.threat_prevention.tp_service:
    component: enterprise_manager
    state: started
    wait_for_ports: [3741, 3740]

# Compare two EMs' certificates without moving anything, for example to check by hand that a migration is
# complete:
- name: Does newem hold oldem's four PEM files?
  netwrix.threat_prevention.tp_certs:
    source_host: oldem.corp.example
    validate_only: true
  delegate_to: newem.corp.example
  run_once: true
  register: certs_check

- name: Files that differ
  ansible.builtin.debug:
    msg: "{{ certs_check.files | rejectattr('action', 'eq', 'unchanged') | map(attribute='name') | list }}"
  run_once: true
"""

RETURN = r"""
source_folder:
  description: The old EM's certificate folder.
  returned: success
  type: str
  sample: C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager\CertsInfo
folder:
  description: This EM's certificate folder.
  returned: success
  type: str
files:
  description: One entry per file, in the order Ca-crt.pem, Ca-key.pem, Em-crt.pem, Em-key.pem.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The file name.
      type: str
    path:
      description: Its path on this EM.
      type: str
    sha256:
      description: SHA-256 of the old EM's file.
      type: str
    previous_sha256:
      description: SHA-256 of this EM's file before the task; null when it was absent.
      type: str
    action:
      description: C(unchanged), C(replace) or C(create) (in check mode and with O(validate_only), what would be done).
      type: str
certificates:
  description: Facts of Ca-crt.pem and Em-crt.pem (no key material).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The file name.
      type: str
    subject:
      description: The certificate subject.
      type: str
    issuer:
      description: The certificate issuer.
      type: str
    not_before:
      description: Start of validity (ISO 8601, UTC).
      type: str
    not_after:
      description: End of validity (ISO 8601, UTC).
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate.
      type: str
customer_supplied:
  description: Whether the set was recognised as customer-supplied (the task then fails).
  returned: always
  type: bool
removed_temporary_files:
  description: Temporary files of an interrupted write that this run removed from this EM's C(CertsInfo).
  returned: success
  type: list
  elements: str
backup_folder:
  description: Where the replaced files were kept; null when nothing was replaced.
  returned: success
  type: str
"""
