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
  - Reads what the phases recorded - the C(tp_migration) fact on C(localhost) and, on every host of the
    groups of O(groups) (by default C(tp_old_em), C(tp_new_em), C(tp_consoles) and C(tp_agents)), the facts
    C(tp_migration_preflight) and C(tp_migration_result) - and writes the report as JSON, Markdown and a self-contained HTML page into
    O(folder), named after the run's start time. It is rewritten at every gate and after every canary batch,
    so a run that is cut off still leaves a report that holds every agent already moved. After a batch it also
    returns RV(progress), one line a person can follow (batch k of n, its agents, changed, failed, done of all),
    which C(migrate.yml) prints.
  - Decides whether the phases that follow may start - the hosts of O(gate) and O(gate_if_run), or of
    O(batch), recorded success for O(phase), allowing for O(agent_failure_budget) - and returns that decision
    as the updated fact C(tp_migration), which the later plays read.
  - The recorded facts hold names, addresses, states, versions and digests only; no key material or
    secret export reaches the report.
  - V(plan) comes first. It checks the inventory and the variables before any host is contacted - each
    of C(tp_old_em) and C(tp_new_em) holds one host, no host is in two groups, O(new_em_address) is a valid
    C(host[:port]) that does not name the old EM (an unbracketed IPv6 address whose last group could be a
    port is refused). Each problem is named once, with the variable or group. It also warns about every
    name in O(variables) that the collection does not read, naming the nearest one it does. It returns
    the plan as the fact C(tp_migration).
options:
  phase:
    description:
      - The phase that just ended; V(done) writes the final report, V(plan) checks the inventory first.
    type: str
    required: true
    choices: [plan, preflight, old_em, new_em, agents, consoles, verify, decommission, done]
  new_em_address:
    description:
      - With O(phase=plan), the value of C(tp_new_em_address), when it is set.
    type: str
  variables:
    description:
      - With O(phase=plan), the names of the C(tp_*) variables that are set, to warn about misspellings.
    type: list
    elements: str
    default: []
  excluded_agents:
    description:
      - With O(phase=plan), hosts of C(tp_agents) to leave out (C(tp_agents_excluded)). They are not read or changed,
        stay on the old EM, and hold its decommission while it knows them. A name not in C(tp_agents) is an
        inventory problem.
    type: list
    elements: str
    default: []
  kind:
    description:
      - With O(phase=plan), what the run does; it names the report (C(tp-migration-*) or C(tp-rollback-*)) and its title.
    type: str
    default: migration
    choices: [migration, rollback]
  agent_failure_budget:
    description:
      - The percentage of the agents (of the whole group, or of O(batch)) whose failures do not stop the phase; those
        agents are returned in RV(left_behind) and left where they are (on the old EM, which then cannot be
        decommissioned while it knows them). The run's one failure budget, C(tp_agent_max_fail_percentage).
    type: int
    default: 0
  decommission:
    description:
      - With O(phase=plan), whether the run is to decommission the old EM (C(tp_decommission_old_em)).
    type: bool
    default: false
  groups:
    description:
      - With O(phase=plan), the inventory group of each part of the estate, for inventories whose groups have other
        names. Keys V(old_em), V(new_em), V(consoles) and V(agents); a key left out keeps its default
        (C(tp_old_em), C(tp_new_em), C(tp_consoles), C(tp_agents)). The plan records them for the later phases.
    type: dict
    default: {}
  gate:
    description:
      - Parts of the estate (their groups as the plan names them) whose every host must have recorded success for O(phase).
    type: list
    elements: str
    choices: [old_em, new_em, consoles, agents]
    default: []
  gate_if_run:
    description:
      - Parts of the estate whose hosts count only when they recorded something (a host left out with
        C(--limit) is not a failure of the phase).
    type: list
    elements: str
    choices: [old_em, new_em, consoles, agents]
    default: []
  batch:
    description:
      - With O(phase=agents), the hosts of the canary batch that just ended (C(ansible_play_batch)). They are the
        gate instead of O(gate) and O(gate_if_run), and O(agent_failure_budget) counts against the batch, so a
        canary batch of one stops the agent phase at its first failure.
    type: list
    elements: str
  serial:
    description:
      - With O(batch), the play's C(serial) list (C(tp_agent_batches)), so that the progress line can say how many
        batches the agent phase has (Ansible's own split of the play's hosts).
    type: list
    elements: raw
    default: [1, "10%", "100%"]
  play_hosts:
    description:
      - With O(batch), how many hosts the agent play has in all (C(ansible_play_hosts_all | length)); the size of
        O(batch) when left out.
    type: int
  folder:
    description:
      - Where the report files are written on the controller (relative to the current directory).
    type: str
    default: tp-migration-reports
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - netwrix.threat_prevention.action_attributes
  - netwrix.threat_prevention.action_attributes.controller
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

EXAMPLES = r"""
- name: Check the inventory and the variables, and record the plan (fact tp_migration)
  netwrix.threat_prevention.tp_migration_report:
    phase: plan
    new_em_address: "{{ tp_new_em_address | default(omit) }}"
    variables: "{{ query('ansible.builtin.varnames', '^tp_') }}"
    decommission: true  # migrate.yml passes tp_decommission_old_em

- name: Write the report so far and go on only if every host passed its preflight
  netwrix.threat_prevention.tp_migration_report:
    phase: preflight
    gate: [old_em, new_em]
    gate_if_run: [consoles, agents]
    agent_failure_budget: 10

- name: After a canary batch, rewrite the report and stop the agent phase when too many of its agents failed
  netwrix.threat_prevention.tp_migration_report:
    phase: agents
    batch: "{{ ansible_play_batch }}"
    serial: "{{ tp_agent_batches | default([1, '10%', '100%']) }}"
    play_hosts: 20  # migrate.yml passes ansible_play_hosts_all | length
    agent_failure_budget: 10
  delegate_to: localhost
  delegate_facts: true
  run_once: true

# An inventory whose groups have other names, in a playbook of your own:
- name: Check the inventory and record the plan
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The plan, with this inventory's group names
      netwrix.threat_prevention.tp_migration_report:
        phase: plan
        groups: {old_em: em_2019, new_em: em_2025, agents: file_servers}

# A play of your own between phases, as migrate.yml does it. Each host runs a role's step through
# playbooks/tasks/run_role.yml, which records the role's public result (or the failure) for the report, then
# localhost decides:
- name: My extra phase on the new EM
  hosts: tp_new_em
  gather_facts: false
  tasks:
    - name: Check the new EM again, recording the outcome
      ansible.builtin.import_tasks: tasks/run_role.yml  # a copy of the collection's playbooks/tasks/run_role.yml
      vars:
        tp_run_role: new_em
        tp_run_tasks: preflight

- name: Decide
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the report; the decision becomes the fact tp_migration
      netwrix.threat_prevention.tp_migration_report:
        phase: new_em
        gate: [new_em]
        folder: "{{ tp_report_folder | default('tp-migration-reports') }}"
      register: gate

    - name: Stop here
      ansible.builtin.fail:
        msg: "{{ gate.failures }}"
      when: not tp_migration.go
"""

RETURN = r"""
report:
  description: Paths of the report files, C(json), C(markdown) and C(html) (a self-contained page), named after the run.
  returned: success
  type: dict
  sample: {json: tp-migration-reports/tp-migration-2026-12-02T080000Z.json, markdown: tp-migration-reports/tp-migration-2026-12-02T080000Z.md,
           html: tp-migration-reports/tp-migration-2026-12-02T080000Z.html}
ansible_facts:
  description: The plan, and after each gate the decision, as the fact C(tp_migration).
  returned: unless O(phase=done)
  type: dict
  contains:
    tp_migration:
      description:
        - C(started), C(check_mode), C(old_em), C(new_em), C(groups), C(decommission), C(inventory_problems) (a list of
          sentences), C(skipped_agents) and C(go) (whether the next phase may start).
        - After a gate also C(gates) (each phase's failures), C(preflight_failed) and C(agents_stopped).
      type: dict
go:
  description: Whether every gated host recorded success for O(phase).
  returned: success
  type: bool
failures:
  description: Gated hosts that did not succeed, with why.
  returned: success
  type: dict
left_behind:
  description: Failed agents left behind within O(agent_failure_budget); they do not stop the phase.
  returned: unless O(phase=plan)
  type: list
  elements: str
  sample: [agent17]
host_failures:
  description: Every host that recorded a failure in any phase so far, with why.
  returned: success
  type: dict
outcome:
  description: The migration's outcome so far, in words.
  returned: success
  type: str
  sample: completed
progress:
  description: With O(batch), how far the agent phase has got, in one line (also in the report, as C(progress)).
  returned: when O(batch) is given
  type: str
  sample: "Agents, batch 2 of 3: 2 agent(s), 2 changed, 0 failed; 3 of 20 agents done."
"""
