# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulated host's event logs (Application, PowerShell operational), one JSON line per entry.

They live in ``lab/eventlog/<host>/`` rather than under ``hosts/``: check mode must leave the
estate's files and services byte for byte as they were, and on Windows too a check-mode run
still writes log entries. Tests read them to prove what a host's logs would hold.
"""

from __future__ import annotations

import json
import time
import typing as t
from pathlib import Path

from tplab.estate import Host


def folder(host: Host) -> Path:
    return host.estate.lab / "eventlog" / host.name


def write(host: Host, log: str, source: str, message: str, event_id: int = 0) -> None:
    path = folder(host) / f"{log}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"time_ms": time.time_ns() // 1_000_000, "source": source, "id": event_id, "message": message}
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(entry) + "\n")


def read(host: Host, log: str) -> list[dict[str, t.Any]]:
    path = folder(host) / f"{log}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []
