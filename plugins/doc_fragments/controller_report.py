# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes of the modules that only write a report on the controller (tp_migration_report, tp_audit_report)."""

from __future__ import annotations


class ModuleDocFragment:
    """Attributes block: a controller-side action that contacts no host and writes its report in check mode too."""

    DOCUMENTATION = r"""
options: {}
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: The report is written in check mode too (it is a file on the controller); no managed host is changed.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
"""
