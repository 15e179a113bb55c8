# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route pywinrm and pypsrp to the lab's emulated Windows hosts (tests/lab only).

Python imports ``sitecustomize`` at start-up from the first folder on sys.path that has one. The
lab puts this folder (and tests/lab, for the tplab package) on PYTHONPATH for ansible-playbook,
ansible-runner and molecule runs against an estate; tplab.windows.install says what it swaps.
"""

import sys
from pathlib import Path

_LAB = str(Path(__file__).resolve().parents[1])  # tests/lab, which holds the tplab package
if _LAB not in sys.path:
    sys.path.append(_LAB)

from tplab.windows.install import install  # noqa: E402  pylint: disable=wrong-import-position

install()
