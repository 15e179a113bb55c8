# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The atomic replace as Windows does it: the .NET File.Replace model, replace_file.ps1 and read_program_config.ps1
through their twins, and tp_agent_config end to end through ansible-playbook.

Every ReplaceFile error the fault ``replace_fails`` injects leaves the files as Windows documents for it; the
tests check that the config is never lost and that a re-run completes, by looking at the files themselves.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ntpath
import os
import re
import time
import typing as t
from pathlib import Path

import pytest
import yaml

from tplab import acl, product, status
from tplab.estate import Estate, Host
from tplab.playbook import PlaybookRun, run_playbook
from tplab.twins import ScriptError, ScriptRun, TWINS
from tplab.twins import _windows_io as io
from tplab.twins._run import CLM_ERROR
from tplab.windows.network import admin_session

NEW_ADDRESS = "new-em.corp.example:3741"
CODES = (1175, 1176, 1177, 32, 5)
TRANSIENT = (1175, 32, 5)
PRIVATE = acl.Descriptor(acl.SYSTEM, True, acl.ADMINS_ONLY, acl.ADMINS_ONLY)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def script_run(estate: Estate, host: str, check_mode: bool = False, language_mode: str = "FullLanguage") -> ScriptRun:
    return ScriptRun(estate=estate, host=estate.host(host), check_mode=check_mode, session=admin_session(estate, host),
                     language_mode=language_mode)


def agent_config(agent: Host) -> str:
    return product.executable(agent.system()["services"]["SIWindowsAgent"]["path"]) + ".config"


def folder_listing(host: Host, windows_path: str) -> list[str]:
    return sorted(entry.name for entry in host.path(ntpath.dirname(windows_path)).iterdir())


def replace(estate: Estate, host: str, path: str, new: bytes, backup: str = "", **extra: str) -> ScriptRun:
    """Run replace_file.ps1's twin on the file as it is now."""
    run = script_run(estate, host)
    current = estate.host(host).path(path)
    TWINS["replace_file"](run, {"Path": path, "ContentBase64": base64.b64encode(new).decode("ascii"), "Sha256": sha256(new),
                                "ExpectedSha256": sha256(current.read_bytes()) if current.is_file() else "",
                                "BackupPath": backup, **extra})
    return run


def read_config(estate: Estate, host: str, check_mode: bool = False, **params: t.Any) -> ScriptRun:
    run = script_run(estate, host, check_mode=check_mode)
    TWINS["read_program_config"](run, {"ServiceName": "SIWindowsAgent", **params})
    return run


# The .NET model -----------------------------------------------------------------------------------
def test_powershell_passes_null_to_a_dotnet_string_as_empty() -> None:
    assert io.dotnet_string(None) == "" and io.dotnet_string(io.NULL_STRING) is None and io.dotnet_string("x") == "x"


def test_file_replace_refuses_an_empty_backup_name_and_takes_null_as_none(estate: Estate) -> None:
    """What the old script did ($backup = $null) throws; only a real null means "no backup"."""
    host = estate.host("agent01")
    path = agent_config(host)
    original = host.path(path).read_bytes()
    temporary = path + ".new"
    host.path(temporary).write_bytes(b"new")
    run = script_run(estate, "agent01")
    with pytest.raises(io.DotNetError) as raised:
        io.replace_file(run, temporary, path, io.dotnet_string(None))
    assert raised.value.message == 'Exception calling "Replace" with "3" argument(s): "The path is not of a legal form."'
    assert host.path(path).read_bytes() == original and host.path(temporary).is_file()
    io.replace_file(run, temporary, path, io.dotnet_string(io.NULL_STRING))
    assert host.path(path).read_bytes() == b"new" and not host.path(temporary).exists()


@pytest.mark.parametrize("with_backup", [True, False], ids=["backup", "no-backup"])
@pytest.mark.parametrize("code", CODES)
def test_replace_fails_leaves_the_files_as_windows_documents(estate: Estate, code: int, with_backup: bool) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    original, backup = host.path(path).read_bytes(), path + ".bak" if with_backup else None
    temporary = path + ".new"
    host.path(temporary).write_bytes(b"new")
    before = set(folder_listing(host, path))
    estate.set_fault("agent01", "replace_fails", {"code": code, "times": 1})
    with pytest.raises(io.DotNetError) as raised:
        io.replace_file(script_run(estate, "agent01"), temporary, path, backup)
    assert raised.value.win32 == code and 'Exception calling "Replace" with "3" argument(s): "' in raised.value.message
    assert host.faults()["replace_fails"] == {"code": code, "times": 0}, "each call uses one failure up"
    after = set(folder_listing(host, path))
    assert host.path(temporary).read_bytes() == b"new", "the replacement always keeps its name"
    name = ntpath.basename(path)
    if code == 1176 and not with_backup:  # "the replaced file no longer exists"
        assert after == before - {name}
    elif code == 1177:  # "the file to be replaced still exists with a different name", the backup's when given
        assert name not in after
        renamed = host.path(backup).read_bytes() if backup else host.path(ntpath.join(ntpath.dirname(path), next(
            entry for entry in after - before if entry.startswith("~RF")))).read_bytes()
        assert renamed == original
    else:  # both files keep their names, and there is no backup
        assert after == before and host.path(path).read_bytes() == original


# replace_file.ps1 ---------------------------------------------------------------------------------
def test_a_replace_without_a_kept_backup_works_and_leaves_nothing_behind(estate: Estate) -> None:
    """backup: false (and the restore after a failed restart) sends no BackupPath: the internal backup goes away."""
    host = estate.host("agent01")
    path = agent_config(host)
    before = folder_listing(host, path)
    run = replace(estate, "agent01", path, b"<configuration />")
    assert host.path(path).read_bytes() == b"<configuration />"
    assert run.result == {"sha256": sha256(b"<configuration />"), "backup_file": None}
    assert folder_listing(host, path) == before


@pytest.mark.parametrize("keep_backup", [True, False], ids=["kept-backup", "no-kept-backup"])
@pytest.mark.parametrize("code", CODES)
def test_a_failing_replacefile_never_loses_the_config_and_a_rerun_completes(
        estate: Estate, code: int, keep_backup: bool) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    original, new = host.path(path).read_bytes(), b"<configuration><appSettings /></configuration>"
    backup = path + ".20260101-000000.abcdef.bak" if keep_backup else ""
    before = folder_listing(host, path)
    estate.set_fault("agent01", "replace_fails", {"code": code, "times": 1})
    if code in TRANSIENT:  # retried: the second attempt goes through
        replace(estate, "agent01", path, new, backup)
    else:
        with pytest.raises(ScriptError) as raised:
            replace(estate, "agent01", path, new, backup)
        message = raised.value.message
        assert message.startswith(f"replacing {path} failed after 1 attempt(s): ") and f"(Win32 error {code})" in message
        assert "nothing was changed" in message or "was not changed" in message
        assert "exclude" in message and ntpath.dirname(path) in message
        assert host.path(path).read_bytes() == original, "the config is never lost"
        assert folder_listing(host, path) == before, "no temporary file, no backup: nothing was changed"
        replace(estate, "agent01", path, new, backup)
    assert host.path(path).read_bytes() == new
    assert folder_listing(host, path) == sorted(before + ([ntpath.basename(backup)] if keep_backup else []))
    if keep_backup:
        assert host.path(backup).read_bytes() == original


@pytest.mark.parametrize("code", TRANSIENT)
def test_a_replacefile_that_keeps_failing_is_given_up_after_five_attempts(estate: Estate, code: int) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    original, before = host.path(path).read_bytes(), folder_listing(host, path)
    estate.set_fault("agent01", "replace_fails", {"code": code, "times": 9})
    with pytest.raises(ScriptError, match=rf"failed after 5 attempt\(s\): .* \(Win32 error {code}\)\. {re.escape(path)} was not changed\."):
        replace(estate, "agent01", path, b"new")
    assert host.faults()["replace_fails"]["times"] == 4
    assert host.path(path).read_bytes() == original and folder_listing(host, path) == before


def test_the_temporary_copy_of_a_private_file_has_the_files_dacl(estate: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    """While it exists, the new key's temporary file is readable only by whom the key itself is; the result keeps it."""
    host = estate.host("new-em")
    key = product.install_folder(host.system()["services"]["SIEnterpriseManager"]) + "\\CertsInfo\\Em-key.pem"
    acl.set_descriptor(host, key, PRIVATE)
    assert not acl.descriptor(host, ntpath.dirname(key)).allows_only_admins(), "the folder is readable by Users"
    seen: list[acl.Descriptor] = []
    real = io.replace_file

    def spying(run: ScriptRun, source: str, destination: str, backup: str | None) -> None:
        seen.append(acl.descriptor(run.host, source))
        real(run, source, destination, backup)

    monkeypatch.setattr(io, "replace_file", spying)
    replace(estate, "new-em", key, b"-----BEGIN PRIVATE KEY-----\nnew\n-----END PRIVATE KEY-----\n")
    assert [(entry.readers, entry.writers, entry.protected) for entry in seen] == [(PRIVATE.readers, PRIVATE.writers, True)]
    assert acl.descriptor(host, key) == PRIVATE, "ReplaceFile keeps the original's DACL"
    fresh = ntpath.join(ntpath.dirname(key), "Ca-key.pem.new")
    replace(estate, "new-em", fresh, b"x")
    assert not acl.has_own(host, fresh), "a new file inherits the folder's DACL"


@pytest.mark.parametrize("edition", ["Desktop", "Core"])
def test_the_dacl_is_carried_with_the_api_each_powershell_has(estate: Estate, edition: str) -> None:
    """File.GetAccessControl and the FileSecurity FileStream exist in .NET Framework only; PowerShell 7 has
    FileSystemAclExtensions instead. The library picks by $PSVersionTable.PSEdition; the other API fails."""
    host = estate.host("new-em")
    key = product.install_folder(host.system()["services"]["SIEnterpriseManager"]) + "\\CertsInfo\\Em-key.pem"
    acl.set_descriptor(host, key, PRIVATE)
    run = script_run(estate, "new-em")
    run.edition = edition
    with pytest.raises(ScriptError, match="GetAccessControl|FileSystemAclExtensions"):
        io.get_access_control(run, key, extension=edition == "Desktop")
    TWINS["replace_file"](run, {"Path": key, "ContentBase64": base64.b64encode(b"k").decode("ascii"), "Sha256": sha256(b"k"),
                                "ExpectedSha256": sha256(host.path(key).read_bytes())})
    assert host.path(key).read_bytes() == b"k" and acl.descriptor(host, key) == PRIVATE


def test_a_full_disk_leaves_the_original_and_no_temporary_file(estate: Estate) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    original, before = host.path(path).read_bytes(), folder_listing(host, path)
    estate.set_fault("agent01", "partial_write", True)
    with pytest.raises(ScriptError, match="There is not enough space on the disk"):
        replace(estate, "agent01", path, b"new" * 100)
    assert host.path(path).read_bytes() == original and folder_listing(host, path) == before


def test_what_was_written_is_recorded_beside_the_file(estate: Estate) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    record = path + ".tp-written.json"
    replace(estate, "agent01", path, b"first", RecordPath=record)
    assert json.loads(host.path(record).read_bytes())["sha256"] == sha256(b"first")
    assert read_config(estate, "agent01", RecordSuffix=".tp-written.json").result["config"]["written_sha256"] == sha256(b"first")
    replace(estate, "agent01", path, b"second", RecordPath=record)
    assert json.loads(host.path(record).read_bytes())["sha256"] == sha256(b"second")
    host.path(record).write_bytes(b"not json")
    assert read_config(estate, "agent01", RecordSuffix=".tp-written.json").result["config"]["written_sha256"] is None


def test_replace_file_stops_at_its_first_dotnet_call_in_constrained_language_mode(estate: Estate) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    original = host.path(path).read_bytes()
    run = script_run(estate, "agent01", language_mode="ConstrainedLanguage")
    with pytest.raises(ScriptError, match=CLM_ERROR):
        TWINS["replace_file"](run, {"Path": path, "ContentBase64": "eA==", "Sha256": sha256(b"x"),
                                    "ExpectedSha256": sha256(original)})
    assert host.path(path).read_bytes() == original


# read_program_config.ps1 --------------------------------------------------------------------------
def plant(host: Host, folder: str, name: str, age_minutes: float) -> Path:
    local = host.path(ntpath.join(folder, name))
    local.write_bytes(b"cut")
    then = time.time() - age_minutes * 60
    os.utime(local, (then, then))
    return local


def test_the_sweep_removes_only_its_own_stale_temporary_files(estate: Estate) -> None:
    """A cut temporary config older than 10 minutes goes, with nothing to change; a fresh one and others stay."""
    host = estate.host("agent01")
    path = agent_config(host)
    folder, name = ntpath.dirname(path), ntpath.basename(path)
    stale = [f".{name}.0badf00d.tmp", f".{name}.0badf00d.bak.tmp", f".{name}.12345678.selftest.tmp",
             f"..{name}.12345678.selftest.tmp.9abcdef0.bak.tmp", f".{name}.tp-written.json.0badf00d.tmp"]
    kept = {plant(host, folder, f".{name}.1badf00d.tmp", 2): "fresh",
            plant(host, folder, f"{name}.20260101-000000.abc123.bak", 60): "a kept backup",
            plant(host, folder, f".{name}.zzzzzzzz.tmp", 60): "not a hex id",
            plant(host, folder, ".Other.exe.config.0badf00d.tmp", 60): "another file's",
            plant(host, folder, f".{name}.0badf00d.tmp.txt", 60): "another suffix"}
    for entry in stale:
        plant(host, folder, entry, 11)
    check = read_config(estate, "agent01", check_mode=True, RecordSuffix=".tp-written.json")
    assert check.result["removed"] == [] and all(host.path(ntpath.join(folder, entry)).exists() for entry in stale)
    assert f'What if: Performing the operation "Remove stale temporary files of the collection" on target "{folder}".' in check.host_out
    run = read_config(estate, "agent01", RecordSuffix=".tp-written.json")
    assert sorted(run.result["removed"]) == sorted(ntpath.join(folder, entry) for entry in stale)
    assert not any(host.path(ntpath.join(folder, entry)).exists() for entry in stale)
    assert all(local.exists() for local in kept), kept


def test_a_config_over_the_cap_is_refused_without_its_bytes(estate: Estate) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    host.path(path).write_bytes(b"<!--" + b"x" * 2048 + b"-->")
    run = script_run(estate, "agent01")
    with pytest.raises(ScriptError, match="is larger than 1024 bytes") as raised:
        TWINS["read_program_config"](run, {"ServiceName": "SIWindowsAgent", "MaxBytes": 1024})
    assert "xxxx" not in raised.value.message and run.result is None


def test_constrained_language_mode_is_reported_before_any_dotnet_call(estate: Estate) -> None:
    run = script_run(estate, "agent01", language_mode="ConstrainedLanguage")
    TWINS["read_program_config"](run, {"ServiceName": "SIWindowsAgent", "SelfTest": True})
    assert run.result == {"language_mode": "ConstrainedLanguage"}


def test_the_self_test_proves_the_replace_and_leaves_the_folder_as_it_was(estate: Estate) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    before = folder_listing(host, path)
    digest = status.tree_digest(estate)
    run = read_config(estate, "agent01", SelfTest=True)
    assert run.result["self_test"] == {"ok": True, "folder": ntpath.dirname(path), "step": None, "error": None, "left": []}
    assert folder_listing(host, path) == before and status.tree_digest(estate) == digest
    skipped = read_config(estate, "agent01", check_mode=True, SelfTest=True)
    assert skipped.result["self_test"] is None


@pytest.mark.parametrize(("fault", "step"), [
    ({"code": 1177, "times": 1}, "replace it keeping a backup"),
    ({"code": 1176, "times": 1}, "replace it keeping a backup"),
    ({"code": 5, "times": 10}, "replace it keeping a backup"),
], ids=["1177", "1176", "access-denied"])
def test_a_failing_self_test_says_which_step_and_cleans_up(estate: Estate, fault: dict[str, int], step: str) -> None:
    host = estate.host("agent01")
    path = agent_config(host)
    before = folder_listing(host, path)
    estate.set_fault("agent01", "replace_fails", fault)
    result = read_config(estate, "agent01", SelfTest=True).result["self_test"]
    assert result["ok"] is False and result["step"] == step and f"(Win32 error {fault['code']})" in result["error"]
    assert result["left"] == [] and folder_listing(host, path) == before


# tp_agent_config end to end -----------------------------------------------------------------------
def agent_play(estate: Estate, tmp_path: Path, hosts: str, **options: t.Any) -> PlaybookRun:
    playbook = tmp_path / f"repoint-{len(list(tmp_path.glob('repoint-*.yml')))}.yml"
    playbook.write_text(yaml.safe_dump([{"name": "repoint", "hosts": hosts, "gather_facts": False, "tasks": [
        {"name": "repoint", "netwrix.threat_prevention.tp_agent_config": {"manager_address": "new-em.corp.example",
                                                                          "em_host": "new-em", **options}}]}]), encoding="utf-8")
    return run_playbook(estate, str(playbook))


def result_of(run: PlaybookRun, host: str) -> dict[str, t.Any]:
    (entry,) = [entry for entry in run.results if entry["host"] == host and entry["task"] == "repoint"]
    return entry["result"]


@pytest.mark.lab
@pytest.mark.parametrize(("code", "backup"), [(1176, False), (1177, True)], ids=["1176-no-kept-backup", "1177-kept-backup"])
def test_tp_agent_config_survives_a_failing_replacefile_and_a_rerun_completes(estate: Estate, tmp_path: Path, code: int,
                                                                              backup: bool) -> None:
    agent = estate.host("agent01")
    path = agent_config(agent)
    original, before = agent.path(path).read_bytes(), folder_listing(agent, path)
    estate.set_fault("agent01", "replace_fails", {"code": code, "times": 1})
    first = agent_play(estate, tmp_path, "agent01", backup=backup)
    message = first.failures()["agent01"]
    assert message.startswith(f"agent01: replacing {path} failed") and f"(Win32 error {code})" in message, first.output
    assert agent.path(path).read_bytes() == original and folder_listing(agent, path) == before
    assert status.registered_on(estate)["agent01"] == "old-em"
    second = agent_play(estate, tmp_path, "agent01", backup=backup)
    assert second.returncode == 0, second.output
    assert NEW_ADDRESS.encode() in agent.path(path).read_bytes() and status.registered_on(estate)["agent01"] == "new-em"
    left = set(folder_listing(agent, path)) - set(before)
    assert {entry.endswith(".bak") for entry in left} == ({True, False} if backup else {False})
    assert ntpath.basename(path) + ".tp-written.json" in left


@pytest.mark.lab
def test_backup_false_and_the_restore_after_a_failed_restart_work(estate: Estate, tmp_path: Path) -> None:
    """Both replace without a kept backup, which the old script could not do on Windows (File.Replace refuses "")."""
    agents = [estate.host(name) for name in ("agent01", "agent02")]
    originals = {agent.name: agent.path(agent_config(agent)).read_bytes() for agent in agents}
    estate.set_fault("agent02", "service_start_fails", ["SIWindowsAgent"])
    run = agent_play(estate, tmp_path, "agent01:agent02", backup=False)
    assert result_of(run, "agent01")["changed"] is True and result_of(run, "agent01")["backup_file"] is None
    assert NEW_ADDRESS.encode() in agents[0].path(agent_config(agents[0])).read_bytes()
    assert "was put back" in run.failures()["agent02"], run.output
    assert agents[1].path(agent_config(agents[1])).read_bytes() == originals["agent02"]
    for agent in agents:
        assert not [entry for entry in folder_listing(agent, agent_config(agent)) if entry.endswith(".tmp")]


@pytest.mark.lab
def test_an_agent_that_rewrites_its_config_is_not_restarted_on_every_run(estate: Estate, tmp_path: Path) -> None:
    agent = estate.host("agent01")
    local = agent.path(agent_config(agent))
    assert agent_play(estate, tmp_path, "agent01").returncode == 0
    time.sleep(0.01)
    local.write_bytes(local.read_bytes().replace(b"</configuration>", b"<!-- saved by the agent --></configuration>"))
    started = agent.system()["services"]["SIWindowsAgent"]["started_ms"]
    for _attempt in range(2):
        run = agent_play(estate, tmp_path, "agent01")
        assert run.returncode == 0 and result_of(run, "agent01")["changed"] is False, run.output
    assert agent.system()["services"]["SIWindowsAgent"]["started_ms"] == started


@pytest.mark.lab
def test_a_real_preflight_changes_nothing_and_fails_where_the_replace_does_not_work(estate: Estate, tmp_path: Path) -> None:
    digest = status.tree_digest(estate)
    estate.set_fault("agent02", "replace_fails", {"code": 5, "times": 10})
    run = agent_play(estate, tmp_path, "agent01:agent02", preflight=True)
    ok = result_of(run, "agent01")
    assert ok["changed"] is False and ok["would_change"] is True and not ok.get("failed"), run.output
    folder = ntpath.dirname(agent_config(estate.host("agent02")))
    message = run.failures()["agent02"]
    assert message.startswith(f"agent02: the atomic replace that writes {agent_config(estate.host('agent02'))} does not "
                              f"work in {folder}: ") and "Win32 error 5" in message and "exclude" in message
    assert status.tree_digest(estate) == digest, "a preflight changes nothing, self-test or not"


@pytest.mark.lab
def test_a_run_with_nothing_to_change_removes_stale_temporary_files(estate: Estate, tmp_path: Path) -> None:
    assert agent_play(estate, tmp_path, "agent01").returncode == 0
    agent = estate.host("agent01")
    path = agent_config(agent)
    folder, name = ntpath.dirname(path), ntpath.basename(path)
    stale, fresh = plant(agent, folder, f".{name}.0badf00d.tmp", 11), plant(agent, folder, f".{name}.1badf00d.tmp", 1)
    run = agent_play(estate, tmp_path, "agent01")
    result = result_of(run, "agent01")
    assert result["changed"] is False and result["removed_temporary_files"] == [ntpath.join(folder, stale.name)]
    assert not stale.exists() and fresh.exists()


@pytest.mark.lab
def test_constrained_language_mode_fails_with_guidance_and_changes_nothing(estate: Estate, tmp_path: Path) -> None:
    with estate.host("agent01").editing_system() as system:
        system["powershell"] = {**system.get("powershell", {}), "language_mode": "ConstrainedLanguage"}
    digest = status.tree_digest(estate)
    run = agent_play(estate, tmp_path, "agent01")
    message = run.failures()["agent01"]
    assert message.startswith("agent01: PowerShell runs in ConstrainedLanguage mode"), run.output
    assert "WDAC or AppLocker" in message and "FullLanguage" in message and "Nothing was changed" in message
    assert status.tree_digest(estate) == digest
    assert status.registered_on(estate)["agent01"] == "old-em"
