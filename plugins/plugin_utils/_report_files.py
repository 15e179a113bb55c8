# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a report's files on the controller, each atomically, so that a reader never sees half a report.

The migration, rollback and audit reports are rewritten while a run goes on (after every batch), and a
person may have the previous version open in a browser: each file is written beside itself and renamed
over the old one.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import os
import tempfile


def write_reports(folder: str, stem: str, texts: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Write ``<folder>/<stem>.<extension>`` for each {name: (extension, text)}; return {name: path}."""
    os.makedirs(folder, exist_ok=True)
    paths: dict[str, str] = {}
    for name, (extension, text) in texts.items():
        paths[name] = os.path.join(folder, f"{stem}.{extension}")
        write_atomic(paths[name], text)
    return paths


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tp-report-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
