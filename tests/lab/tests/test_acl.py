# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NTFS model (tplab.acl): what a path inherits on a fresh Windows Server, and what an own descriptor changes."""

from __future__ import annotations

import pytest

from tplab import acl
from tplab.estate import Estate


@pytest.mark.parametrize(("path", "users_may_write"), [
    ("C:\\ansible-tp-test\\SIEnterpriseManager\\CertsInfo", True),  # the root: (CI)(AD) and (CI)(IO)(WD) for Users
    ("C:\\ProgramData\\netwrix.threat_prevention", True),
    ("C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager\\CertsInfo", False),
    ("C:\\Windows\\System32", False),
])
def test_a_new_folder_inherits_from_the_nearest_default(estate: Estate, path: str, users_may_write: bool) -> None:
    found = acl.descriptor(estate.host("new-em"), path)
    assert (acl.USERS in found.writers, found.protected, acl.USERS in found.readers) == (users_may_write, False, True)


def test_an_own_protected_descriptor_is_inherited_below_it_until_the_path_is_deleted(estate: Estate) -> None:
    host, folder = estate.host("new-em"), "C:\\ansible-tp-test\\state"
    private = acl.Descriptor(acl.ADMINISTRATORS, True, acl.ADMINS_ONLY, acl.ADMINS_ONLY)
    acl.set_descriptor(host, folder, private)
    below = acl.descriptor(host, folder + "\\em-secret-import.json")
    assert acl.descriptor(host, folder) == private and below.allows_only_admins() and not below.protected
    acl.forget(host, "C:\\ansible-tp-test")
    assert acl.USERS in acl.descriptor(host, folder).writers and not acl.has_own(host, folder)
