# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's read, kept for the repoint of the same run: taken once, only by the same request, never damaged."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._read_cache import ReadKey, keep, take
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import (
    ProgramConfig, RemoteFile, Resolved, ServiceInfo)

KEY = ReadKey(host="agent01", service_name="SIWindowsAgent", path=None, suffix=".config", record_suffix=".tp-written.json",
              companion_file="CertsInfo\\ca-crt.pem", resolve_name="new-em.corp.example")
PROGRAM = ProgramConfig(
    service=ServiceInfo(name="SIWindowsAgent", display_name="Agent", state="started", start_mode="auto", path="C:\\a.exe",
                        accepts_stop=True, started_ms=1700000000000),
    config=RemoteFile(path="C:\\a.exe.config", content=b"<configuration>\xef\xbb\xbf</configuration>", sha256="ab" * 32,
                      last_write_ms=1690000000000, written_sha256=None),
    removed=("C:\\.a.exe.config.0123abcd.tmp",), self_test={"ok": True},
    companion=RemoteFile(path="C:\\CertsInfo\\ca-crt.pem", content=b"-----BEGIN CERTIFICATE-----", sha256="cd" * 32),
    resolved=Resolved(name="new-em.corp.example", addresses=("10.0.0.2", "fe80::2"), error=None))


def test_a_kept_read_comes_back_whole_for_the_same_request(tmp_path: Path) -> None:
    keep(str(tmp_path), KEY, PROGRAM)
    taken = take(str(tmp_path), KEY)
    # The sweep's list and the self-test were the preflight's to report; everything a write needs comes back.
    assert taken == replace(PROGRAM, removed=(), self_test=None)


def test_a_read_is_taken_once(tmp_path: Path) -> None:
    keep(str(tmp_path), KEY, PROGRAM)
    assert take(str(tmp_path), KEY) is not None
    assert take(str(tmp_path), KEY) is None
    assert not list(tmp_path.iterdir()), "nothing is left behind once taken"


def test_a_different_request_finds_nothing(tmp_path: Path) -> None:
    keep(str(tmp_path), KEY, PROGRAM)
    for other in (replace(KEY, host="agent02"), replace(KEY, path="D:\\x.config"), replace(KEY, resolve_name="old-em"),
                  replace(KEY, companion_file=None), replace(KEY, service_name="Other")):
        assert take(str(tmp_path), other) is None
    assert take(str(tmp_path), KEY) is not None


def test_a_damaged_or_foreign_entry_is_ignored_and_removed(tmp_path: Path) -> None:
    folder = str(tmp_path)
    keep(folder, KEY, PROGRAM)
    (entry,) = tmp_path.iterdir()
    entry.write_text("{not json", encoding="utf-8")
    assert take(folder, KEY) is None and not list(tmp_path.iterdir())
    keep(folder, KEY, PROGRAM)
    (entry,) = tmp_path.iterdir()
    raw = json.loads(entry.read_text(encoding="utf-8"))
    raw["key"]["host"] = "agent09"  # a digest collision would still not hand another host's read over
    entry.write_text(json.dumps(raw), encoding="utf-8")
    assert take(folder, KEY) is None
    keep(folder, KEY, PROGRAM)
    (entry,) = tmp_path.iterdir()
    raw = json.loads(entry.read_text(encoding="utf-8"))
    raw["program"]["config"]["content"] = "not base64!"
    entry.write_text(json.dumps(raw), encoding="utf-8")
    assert take(folder, KEY) is None


def test_the_folder_and_its_entries_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "tp-reads"
    keep(str(folder), KEY, PROGRAM)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (entry,) = folder.iterdir()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_a_missing_folder_is_no_read(tmp_path: Path) -> None:
    assert take(str(tmp_path / "absent"), KEY) is None
