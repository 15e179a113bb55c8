# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the vendor documentation says about Threat Prevention's layout on a Windows host.

Every value here is a default that an option can override: several of them are inferred rather
than documented (see docs/design.md, "Product facts"), so none of them is hard-wired elsewhere.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

# Service names per component. The EM service name is inferred from the KB articles
# ("Restart the SIEnterpriseManager service"); the agent's is documented.
SERVICE_NAMES: dict[str, str] = {
    "enterprise_manager": "SIEnterpriseManager",
    "agent": "SIWindowsAgent",
}

# TCP ports the EM listens on (documented install-wizard defaults).
AGENT_PORT = 3741
CONSOLE_PORT = 3740

# The .NET setting that names the Enterprise Manager, in the agent and console config files.
MANAGER_ADDRESS_KEY = "managerAddress"

# A .NET program reads "<program>.config" next to its executable; the console's file is documented
# with a capital C (SIWinConsole.exe.Config), which Windows treats as the same name.
CONFIG_SUFFIX = ".config"

# The Administration Console has no service to derive its folder from; this is the documented
# default install folder (the install root can be changed in the installer).
CONSOLE_CONFIG = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIWinConsole\\SIWinConsole.exe.Config"

# The CA certificate an agent trusts, relative to its install folder: agent certificates live in
# ...\SIWindowsAgent\CertsInfo (documented); the file name ca-crt.pem is inferred from the EM's
# CertsInfo (Ca-crt.pem) and the console's copy of it. Windows compares names case-insensitively.
AGENT_CA_FILE = "CertsInfo\\ca-crt.pem"
