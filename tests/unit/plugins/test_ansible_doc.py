# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-doc` renders every tp_* module as a user would see it.

ansible-doc exits 0 even when it cannot find a plugin, so the rendered text is checked, not the exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
REAL_COLLECTIONS = REPO / ".cache" / "collections"


@pytest.mark.parametrize(("module", "option"), [
    ("tp_service", "wait_for_ports"), ("tp_agent_config", "manager_address"), ("tp_agent_status", "active_statuses"),
    ("tp_certs", "source_host"), ("tp_secret", "export_locations"), ("tp_em_info", "compare_to"),
    ("tp_console_config", "manager_address")])
def test_ansible_doc_renders_the_module(module: str, option: str) -> None:
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([str(REPO / "build" / "collections"), str(REAL_COLLECTIONS)]),
           "ANSIBLE_NOCOLOR": "1"}
    completed = subprocess.run([str(Path(sys.executable).with_name("ansible-doc")), f"netwrix.threat_prevention.{module}"],
                               env=env, capture_output=True, text=True, check=False)
    text = completed.stdout
    assert f"netwrix.threat_prevention.{module}" in text, completed.stderr
    for section in ("OPTIONS", "ATTRIBUTES", "EXAMPLES", "RETURN VALUES", option):
        assert section in text, f"{module}: '{section}' missing from ansible-doc output"
    assert "[WARNING]" not in completed.stderr and "ERROR" not in completed.stderr, completed.stderr
