# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of the modules that point a program's .NET config file at an Enterprise Manager."""

from __future__ import annotations


class ModuleDocFragment:
    """add_if_missing, backup and preflight, shared by tp_agent_config and tp_console_config.

    Each module documents manager_address itself (the agent's may be left out for settings alone), and its return
    values: ansible-core before 2.20 does not apply fragments to RETURN.
    """

    DOCUMENTATION = r"""
options:
  add_if_missing:
    description:
      - Insert an C(add) element for C(managerAddress) into C(appSettings) when the file has none,
        copying the indentation and quoting of its neighbours. Otherwise such a file is refused.
    type: bool
    default: false
  backup:
    description:
      - Keep the previous file beside it as C(<file>.<UTC timestamp>.<random>.bak).
      - Without it the replace still goes through a backup of its own (removed once the new file is in
        place), so that no failure of Windows' ReplaceFile can lose the file.
    type: bool
    default: true
  preflight:
    description:
      - Change nothing - read the file and report what a run would change (result key RV(would_change);
        RV(ignore:changed) stays false).
      - On a real run (not check mode) also prove on the host that the atomic replace works in the
        config's folder - a scratch file beside the config, created, replaced keeping a backup and
        replaced without one, read back each time, then removed - in the same single remote call, and
        fail, naming the host and the folder, if it does not. The usual causes are antivirus or another
        scanner holding new files open (exclude the folder from scanning), a folder not on NTFS, and
        permissions.
      - In check mode the host is only read, as without this option.
      - The read is kept for the write of a later task of the same run that asks for the same file, which then
        makes no read of its own (see the module's description).
    type: bool
    default: false
"""
