# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes every tp_* module shares: controller-side actions that drive Windows hosts."""

from __future__ import annotations


class ModuleDocFragment:
    """Shared attributes block and notes."""

    DOCUMENTATION = r"""
options: {}
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  platform:
    support: full
    platforms: windows
notes:
  - This is an action plugin. It runs on the Ansible controller and drives the Windows host with
    modules of the C(ansible.windows) collection over WinRM or PSRP, so that collection must be installed.
  - Errors name the host and the file or option at fault; when a task fails, nothing on the host
    was changed unless the message says otherwise.
"""
