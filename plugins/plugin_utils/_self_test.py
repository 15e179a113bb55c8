# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the preflight's self-test of the atomic replace means to the user when it fails.

No PowerShell runs where this collection is developed, so before a real run changes anything, the
scripts prove on the host itself that the atomic replace works in each folder the run will write
into (an agent's or console's config folder, the new EM's CertsInfo): a scratch file is created,
replaced keeping a backup and then without one, read back each time and removed.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError, one_line


def require_atomic_replace(host_name: str, test: dict[str, t.Any] | None, folder: str, target: str, **result: t.Any) -> None:
    """Fail, before anything changes, where the atomic replace does not work on the host."""
    test = test or {"ok": False, "folder": folder, "step": "run the self-test", "error": "the script did not report one",
                    "left": []}
    if test["ok"]:
        return
    folder, left = test.get("folder") or folder, test.get("left") or []
    error = one_line(test["error"]).rstrip(".") + "."
    cleanup = (f" These scratch files could not be removed: {', '.join(left)}." if left
               else " Its scratch files were removed; nothing was changed.")
    raise TPError(f"{host_name}: the atomic replace that writes {target} does not work in {folder}: the self-test step "
                  f"'{test['step']}' failed: {error}{cleanup} Check, in this order: antivirus or another scanner holding "
                  f"new files open (exclude {folder} from scanning), a folder that is not on an NTFS volume (ReplaceFile "
                  f"needs NTFS), and the permissions of the account Ansible connects with (it must create, rename and "
                  f"delete files in {folder}). Then run again.", self_test=test, **result)
