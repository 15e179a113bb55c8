# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who is running what, where: one logon of the controller's account on an emulated host."""

from __future__ import annotations

import ntpath
from dataclasses import dataclass, replace

from tplab.estate import Estate, Host


@dataclass(frozen=True)
class Session:
    """A WinRM logon: the host, the account (or the account ``become`` switched to), the channel."""

    estate: Estate
    host: Host
    user: str  # DOMAIN\name, as the listener authenticated it
    channel: str  # "winrm" or "psrp": which connection plugin's transport brought the command
    encrypted: bool  # TLS (HTTPS) or WinRM message encryption protects what travels
    edition: str = "Desktop"  # the PowerShell that runs Ansible's exec wrapper: Desktop (5.1) or Core (7)
    language_mode: str = "FullLanguage"  # ConstrainedLanguage where WDAC or AppLocker enforce a policy

    @property
    def account(self) -> str:
        return ntpath.basename(self.user.replace("/", "\\")) or self.user

    @property
    def profile(self) -> str:
        return "C:\\Windows\\system32\\config\\systemprofile" if self.account.upper() == "SYSTEM" else f"C:\\Users\\{self.account}"

    @property
    def temp(self) -> str:
        """%TEMP% of this logon: where Ansible puts remote temporary folders unless told otherwise."""
        return "C:\\Windows\\TEMP" if self.account.upper() == "SYSTEM" else f"{self.profile}\\AppData\\Local\\Temp"

    def expand(self, text: str) -> str:
        """[Environment]::ExpandEnvironmentVariables for the variables Ansible's defaults use."""
        for name, value in (("%TEMP%", self.temp), ("%TMP%", self.temp), ("%USERPROFILE%", self.profile),
                            ("%WINDIR%", "C:\\Windows"), ("%SystemRoot%", "C:\\Windows")):
            text = _replace_insensitive(text, name, value)
        return text

    def become(self, user: str) -> Session:
        """The same logon, running as another account (runas become)."""
        return replace(self, user=user)


def _replace_insensitive(text: str, old: str, new: str) -> str:
    lowered, target = text.lower(), old.lower()
    out, start = [], 0
    while (index := lowered.find(target, start)) >= 0:
        out += [text[start:index], new]
        start = index + len(old)
    return "".join(out) + text[start:]
