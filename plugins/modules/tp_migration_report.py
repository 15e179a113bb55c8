# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_migration_report.py.

DOCUMENTATION = r"""
---
module: tp_migration_report
short_description: Write the migration report and decide whether the next migration phase may start
version_added: 0.1.0
description:
  - Used by C(playbooks/migrate.yml) on C(localhost) between its phases. Runs on the controller only
    and contacts no host.
  - Reads what the phases recorded - the C(tp_migration) fact on C(localhost) and, on every host of
    C(tp_old_em), C(tp_new_em), C(tp_consoles) and C(tp_agents), the facts C(tp_migration_preflight)
    and C(tp_migration_result) - and writes the report as JSON and Markdown into O(folder), named
    after the run's start time. It is rewritten at every gate, so a run that is cut off still leaves
    a report.
  - Tells whether the hosts of O(gate) and O(gate_if_run) recorded success for O(phase), so the
    playbook can stop the phases that follow a failure.
  - The recorded facts hold names, addresses, states, versions and digests only; no key material or
    secret export reaches the report.
options:
  phase:
    description:
      - The phase that just ended; V(done) writes the final report.
    type: str
    required: true
    choices: [preflight, new_em, agents, consoles, verify, decommission, done]
  gate:
    description:
      - Inventory groups whose every host must have recorded success for O(phase).
    type: list
    elements: str
    default: []
  gate_if_run:
    description:
      - Inventory groups whose hosts count only when they recorded something (a host left out with
        C(--limit) is not a failure of the phase).
    type: list
    elements: str
    default: []
  folder:
    description:
      - Where the report files are written on the controller (relative to the current directory).
    type: str
    default: tp-migration-reports
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Writes the report in check mode too; the report says that nothing was changed.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Write the report so far and go on only if every host passed its preflight
  netwrix.threat_prevention.tp_migration_report:
    phase: preflight
    gate: [tp_old_em, tp_new_em]
    gate_if_run: [tp_consoles, tp_agents]
  register: gate
"""

RETURN = r"""
go:
  description: Whether every gated host recorded success for O(phase).
  returned: success
  type: bool
failures:
  description: Gated hosts that did not succeed, with why.
  returned: success
  type: dict
host_failures:
  description: Every host that recorded a failure in any phase so far, with why.
  returned: success
  type: dict
outcome:
  description: The migration's outcome so far, in words.
  returned: success
  type: str
  sample: completed
report:
  description: Paths of the report files.
  returned: success
  type: dict
  sample: {json: tp-migration-reports/tp-migration-2026-11-24T101500Z.json, markdown: tp-migration-reports/tp-migration-2026-11-24T101500Z.md}
"""
