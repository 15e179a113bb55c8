# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type the tp_* actions turn into a failed task result.

Raising it anywhere below an action means: stop, change nothing more, tell the user this message.
Messages name the host's file or option at fault and what to do about it.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t


class TPError(Exception):
    """A failure to report to the user as the task's ``msg``, with optional extra result keys."""

    def __init__(self, message: str, **result: t.Any) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


def one_line(text: str) -> str:
    """Windows text on one line: .NET Framework keeps the CRLF that ends a system message, inside quotes too."""
    return " ".join(str(text).split())
