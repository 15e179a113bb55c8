# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Derive a program's executable and install folder from a Windows service's binary path.

The service control manager stores a command line, not a folder: quoted or not, with or without
arguments. Deriving the folder from it (rather than assuming Program Files) is what makes custom
install folders and the legacy STEALTHbits folder work.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import ntpath
import re

_UNQUOTED_EXE = re.compile(r"^(.+?\.exe)(?=\s|$)", re.IGNORECASE)


def executable_path(binary_path: str) -> str:
    """Return the executable from a service command line such as ``"C:\\x y\\a.exe" -svc``."""
    text = binary_path.strip()
    if text.startswith('"'):
        end = text.find('"', 1)
        return text[1:end] if end > 0 else text[1:]
    match = _UNQUOTED_EXE.match(text)
    if match:
        return match.group(1)
    return text.split(" ", 1)[0]


def install_folder(binary_path: str) -> str:
    """Return the folder that holds the service's executable."""
    return ntpath.dirname(executable_path(binary_path))


def config_path(binary_path: str, suffix: str = ".config") -> str:
    """Return the .NET configuration file that sits beside the executable (``<exe>.config``)."""
    return executable_path(binary_path) + suffix
