# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes every tp_* module shares: all of them are controller-side action plugins.

A module extends the base and one of its two sections: ``windows`` for the modules that drive Windows
hosts, ``controller`` for the modules that only write a report on the controller (tp_migration_report,
tp_audit_report).
"""

from __future__ import annotations


class ModuleDocFragment:
    """The shared attributes block; the Windows modules' platform and notes; the report modules' attributes.

    Return values are written out in each module: ansible-core before 2.20 does not apply fragments to RETURN.
    """

    DOCUMENTATION = r"""
options: {}
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
"""

    WINDOWS = r"""
options: {}
attributes:
  platform:
    support: full
    platforms: windows
notes:
  - This is an action plugin. It runs on the Ansible controller and drives the Windows host with
    modules of the C(ansible.windows) collection over WinRM or PSRP, so that collection must be installed.
  - Errors name the host and the file or option at fault; when a task fails, nothing on the host
    was changed unless the message says otherwise.
"""

    CONTROLLER = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The report is written in check mode too (it is a file on the controller); no managed host is changed.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
"""
