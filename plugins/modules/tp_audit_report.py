# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds documentation only; the code is the action plugin plugins/action/tp_audit_report.py.

DOCUMENTATION = r"""
---
module: tp_audit_report
short_description: Write the estate audit report (JSON, Markdown and a self-contained HTML page)
version_added: 0.2.0
description:
  - Used by C(playbooks/audit.yml) on C(localhost) after its read-only plays. Runs on the controller only and
    contacts no host.
  - Reads the fact C(tp_audit) that the audit recorded on every host of C(tp_old_em), C(tp_new_em),
    C(tp_consoles) and C(tp_agents). For each agent and console it decides which EM its C(managerAddress)
    names (the old one, the new one, elsewhere, or unreadable with the reason), looks each agent up in the
    list of the EM it names, and reconciles the EMs' agent lists with the inventory.
  - Writes C(tp-audit-<time>.json) (schema C(netwrix.threat_prevention.audit), version 1, described in
    C(docs/audit.md)), C(.md) and C(.html) into O(folder). The HTML page loads nothing from the network; it shows
    the summary counts, a chart of the agents by the EM they name, and tables that can be sorted and filtered.
  - The inventory is checked as C(migrate.yml) checks it (one host in each EM group, no host in two groups,
    O(new_em_address)); problems are reported in the audit instead of failing it.
  - The recorded facts hold names, addresses, states, versions and certificate fingerprints only; no key
    material, secret or database credential reaches the report.
options:
  folder:
    description:
      - Where the report files are written on the controller (relative to the current directory).
    type: str
    default: tp-audit-reports
  new_em_address:
    description:
      - The value of C(tp_new_em_address), when it is set. An agent whose address names this host counts as
        pointing at the new EM, as one naming the new EM's inventory name or C(ansible_host) does.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.controller
seealso:
  - module: netwrix.threat_prevention.tp_migration_report
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Write the audit report on the controller
  netwrix.threat_prevention.tp_audit_report:
    new_em_address: "{{ tp_new_em_address | default(omit) }}"
    folder: /srv/tp-reports
  check_mode: false
"""

RETURN = r"""
report:
  description: Paths of the report files, C(json), C(markdown) and C(html) (a self-contained page), named after the run.
  returned: success
  type: dict
  sample: {json: tp-reports/tp-audit-2026-12-02T080000Z.json, markdown: tp-reports/tp-audit-2026-12-02T080000Z.md,
           html: tp-reports/tp-audit-2026-12-02T080000Z.html}
summary:
  description: The counts of the report's C(summary) section (agents by the EM they name, would change, fleet findings).
  returned: success
  type: dict
  sample: {agents: 20, agents_old_em: 19, agents_new_em: 1, agents_elsewhere: 0, agents_unreadable: 0, agents_would_change: 19}
summary_line:
  description: The summary in one sentence, as the playbook prints it.
  returned: success
  type: str
inventory_problems:
  description: What is wrong with the inventory, as sentences (empty when nothing is).
  returned: success
  type: list
  elements: str
"""
