# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""move_secret.ps1 as Windows runs it (its twin), against SecretMgr.exe as the lab emulates it.

SecretMgr misbehaving (exit 0 doing nothing, its error on stdout, a question, a hang), exports in
every place SecretMgr may put them and under any extension, files a scanner holds, folders someone
else made or linked elsewhere, litter from interrupted runs, and a disk that fills up. Outcomes are
read back from the host: its files, their descriptors (tplab.acl), and the processes still running.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import time
import typing as t
from pathlib import Path

import pytest

from tplab import acl, cli, programs, services, twins
from tplab.estate import Estate, Host
from tplab.generator import EstateSpec, build_estate
from tplab.twins import _private_folder
from tplab.windows.network import admin_session

EM_FOLDER = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager"
SECRETMGR = EM_FOLDER + "\\SecretMgr.exe"
SECRET_FILE = EM_FOLDER + "\\CertsInfo\\Secret.dpapi"
SYSWOW64 = "C:\\Windows\\SysWOW64"
SYSTEM32 = "C:\\Windows\\System32"
WORK_ROOT = "C:\\ProgramData\\netwrix.threat_prevention"
MARKER = WORK_ROOT + "\\em-secret-import.json"
VICTIM = "C:\\Users\\Public\\victim"
USER = "S-1-5-21-1004336348-1177238915-682003330-1105"  # a local account without admin rights
OUTPUTS = ("syswow64", "working_folder", "own_folder")
STALE_ID = "0f3c9a0e5b6d4e7f8a9b0c1d2e3f4a5b"


# Helpers ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> t.Callable[[str], Path]:
    """A fresh estate (each EM with its own secret) per secretmgr_output, built once for this module."""
    built: dict[str, Path] = {}

    def get(output: str) -> Path:
        if output not in built:
            built[output] = tmp_path_factory.mktemp(output) / "estate"
            build_estate(built[output], EstateSpec(agents=1, new_em="fresh", secretmgr_output=output))
        return built[output]
    return get


def copy(template: t.Callable[[str], Path], tmp_path: Path, output: str) -> Estate:
    shutil.copytree(template(output), tmp_path / "estate")
    return Estate(tmp_path / "estate")


@pytest.fixture
def lab(template: t.Callable[[str], Path], tmp_path: Path) -> Estate:
    """A private fresh estate whose SecretMgr writes its export to SysWOW64 (the documented default)."""
    return copy(template, tmp_path, "syswow64")


@pytest.fixture(params=OUTPUTS)
def any_output(request: pytest.FixtureRequest, template: t.Callable[[str], Path], tmp_path: Path) -> Estate:
    return copy(template, tmp_path, request.param)


def run(estate: Estate, host: str, params: dict[str, t.Any], user: str | None = None) -> twins.ScriptRun:
    """Run the twin as win_powershell would, in the administrator's logon (or as ``user`` through become)."""
    session = admin_session(estate, host)
    script = twins.ScriptRun(estate=estate, host=estate.host(host), check_mode=False,
                             session=session.become(user) if user else session)
    twins.TWINS["move_secret"](script, params)
    return script


def failing(estate: Estate, host: str, params: dict[str, t.Any], match: str, **kwargs: t.Any) -> twins.ScriptRun:
    """Run the twin expecting its terminating error; return the run (its result is what the module still returns)."""
    session = admin_session(estate, host)
    script = twins.ScriptRun(estate=estate, host=estate.host(host), check_mode=False, session=session, **kwargs)
    with pytest.raises(twins.ScriptError, match=match):
        twins.TWINS["move_secret"](script, params)
    return script


def export_params(key: bytes = b"k" * 32, **extra: t.Any) -> dict[str, t.Any]:
    return {"Mode": "Export", "SecretMgr": SECRETMGR, "WorkRoot": WORK_ROOT, "OtherLocations": [SYSWOW64, SYSTEM32],
            "Key": base64.b64encode(key).decode("ascii"), **extra}


def import_params(export: bytes, key: bytes = b"i" * 32, **extra: t.Any) -> dict[str, t.Any]:
    return {"Mode": "Import", "SecretMgr": SECRETMGR, "WorkRoot": WORK_ROOT, "OtherLocations": [SYSWOW64, SYSTEM32],
            "Key": base64.b64encode(key).decode("ascii"), "Export": base64.b64encode(export).decode("ascii"),
            "ExportHmac": hmac.new(key, export, hashlib.sha256).hexdigest(), "SecretFile": SECRET_FILE,
            "MarkerPath": MARKER, "Marker": json.dumps({"source_host": "old-em"}), **extra}


def sweep_params() -> dict[str, t.Any]:
    return {"Mode": "Sweep", "SecretMgr": SECRETMGR, "WorkRoot": WORK_ROOT, "OtherLocations": [SYSWOW64, SYSTEM32]}


def exported(estate: Estate) -> bytes:
    return base64.b64decode(run(estate, "old-em", export_params()).result["content"])


def ready_to_import(estate: Estate) -> tuple[Host, bytes, bytes]:
    """The new EM stopped, its Secret.dpapi before the import, and an export from the old EM."""
    new = estate.host("new-em")
    services.stop(new, "SIEnterpriseManager")
    return new, new.path(SECRET_FILE).read_bytes(), exported(estate)


def secretmgr_call(estate: Estate, host: str, **extra: t.Any) -> tuple[str, dict[str, t.Any]]:
    """The switch SecretMgr runs with on this EM, and the script's parameters there: -e on the old, -i on the new."""
    if host == "old-em":
        return "-e", export_params(**extra)
    return "-i", import_params(ready_to_import(estate)[2], **extra)


def litter(host: Host) -> list[str]:
    """Every tp-secret-* entry on the host's drives (links counted, never followed)."""
    found = []
    for folder, names, files in os.walk(host.root):
        found += [str(Path(folder, name).relative_to(host.root)) for name in names + files if name.startswith("tp-secret-")]
    return sorted(found)


def make_stale(host: Host, *paths: str) -> None:
    """Last written 11 minutes ago (a folder's time after its files', as NTFS keeps it)."""
    then = time.time() - 11 * 60
    for path in sorted(paths, key=len, reverse=True):
        os.utime(host.path(path), (then, then), follow_symlinks=False)


def plant(host: Host, path: str, data: bytes = b"stale export") -> str:
    host.path(path.rsplit("\\", 1)[0]).mkdir(parents=True, exist_ok=True)
    host.path(path).write_bytes(data)
    return path


def plant_victim(host: Host) -> dict[str, bytes]:
    """A folder of a user's files that a planted link will point at."""
    files = {f"{VICTIM}\\notes.txt": b"my notes", f"{VICTIM}\\sub\\photo.jpg": b"JPEG"}
    for path, data in files.items():
        plant(host, path, data)
    return files


def link(host: Host, path: str, target: str) -> None:
    """A junction at ``path`` pointing at ``target``."""
    host.path(path).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(host.path(target), host.path(path), target_is_directory=True)


def watch(monkeypatch: pytest.MonkeyPatch, action: t.Callable[[Host, list[str], str], None], after: bool = False) -> None:
    """Call ``action(host, arguments, working_folder)`` as SecretMgr starts (or once it has run)."""
    real = programs.start

    def start(host: Host, executable: str, arguments: list[str], working_folder: str, **kwargs: t.Any) -> programs.Process:
        if not after:
            action(host, arguments, working_folder)
        process = real(host, executable, arguments, working_folder, **kwargs)
        if after:
            action(host, arguments, working_folder)
        return process
    monkeypatch.setattr(programs, "start", start)


# The emulated SecretMgr.exe and its settings ------------------------------------------------------
def test_the_cli_builds_an_estate_whose_secretmgr_writes_to_its_own_folder(tmp_path: Path) -> None:
    assert cli.main(["up", str(tmp_path / "estate"), "--agents", "1", "--secretmgr-output", "own_folder"]) == 0
    old = Estate(tmp_path / "estate").host("old-em")
    process = programs.start(old, SECRETMGR, ["-e", "C:\\Temp\\out.export"], "C:\\Temp", stdin_closed=True, user=None)
    assert process.exit_code == 0 and old.path(f"{EM_FOLDER}\\out.export").is_file()


def test_a_prompt_waits_for_ever_on_an_input_that_stays_open(lab: Estate) -> None:
    """What an inherited standard input does to the prompt: no answer ever comes, so the process never ends."""
    old = lab.host("old-em")
    lab.set_fault("old-em", "secretmgr_misbehaves", "prompt")
    process = programs.start(old, SECRETMGR, ["-e", "C:\\Temp\\out.export"], "C:\\Temp", stdin_closed=False, user=None)
    assert process.exit_code is None and process.stdout.decode(programs.OEM_CODE_PAGE) == programs.PROMPT
    assert [entry["pid"] for entry in programs.running(old)] == [process.pid]
    process.kill_tree()
    assert programs.running(old) == [] and process.exit_code == 1


# The round trip -----------------------------------------------------------------------------------
def test_an_export_is_found_wherever_secretmgr_puts_it_and_leaves_nothing(any_output: Estate) -> None:
    """Private folder, SysWOW64 or SecretMgr's own folder: found, HMAC keyed with the call's key, nothing left."""
    old = any_output.host("old-em")
    key = os.urandom(32)
    result = run(any_output, "old-em", export_params(key)).result
    content = base64.b64decode(result["content"])
    assert base64.b64encode(t.cast(bytes, programs.secret_of(old))) in content
    assert result["hmac"] == hmac.new(key, content, hashlib.sha256).hexdigest()
    folder = {"syswow64": SYSWOW64, "working_folder": WORK_ROOT + "\\tp-secret-", "own_folder": EM_FOLDER}
    assert result["landed"].startswith(folder[any_output.setting("secretmgr_output")])
    assert result["landed_private"] is True, "the export went over the private file made for it"
    assert (result["swept"], result["leftovers"]) == ([], [])
    assert litter(old) == []


def test_the_documented_default_and_secretmgrs_own_folder_are_searched_unasked(template: t.Callable[[str], Path],
                                                                               tmp_path: Path) -> None:
    """OtherLocations empty: an export in SysWOW64 or in SecretMgr's folder is still found and deleted."""
    for output in ("syswow64", "own_folder"):
        estate = copy(template, tmp_path / output, output)
        result = run(estate, "old-em", export_params(OtherLocations=[])).result
        assert result["landed"].startswith({"syswow64": SYSWOW64, "own_folder": EM_FOLDER}[output])
        assert litter(estate.host("old-em")) == []


def test_an_export_under_another_extension_is_found_deleted_and_not_private(lab: Estate,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """SecretMgr choosing its own extension (tp-secret-<id>.dat): found, deleted, and reported as readable by Users."""
    real = programs._export_path  # pylint: disable=protected-access
    monkeypatch.setattr(programs, "_export_path", lambda host, exe, target: real(host, exe, target)[:-7] + ".dat")
    result = run(lab, "old-em", export_params()).result
    assert result["landed"].startswith(SYSWOW64 + "\\tp-secret-") and result["landed"].endswith(".dat")
    assert result["landed_private"] is False
    assert litter(lab.host("old-em")) == []


def test_the_export_is_written_over_private_files_made_in_every_place_it_may_land(lab: Estate,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """While SecretMgr runs, its private folder and a file of the export's name in each searched folder are admin-only."""
    seen: dict[str, acl.Descriptor] = {}

    def look(host: Host, arguments: list[str], working_folder: str) -> None:
        stem = working_folder.rsplit("\\", 1)[1]
        for folder in (working_folder, *(f"{place}\\{stem}.export" for place in (SYSWOW64, SYSTEM32, EM_FOLDER))):
            assert acl.has_own(host, folder), folder
            seen[folder] = acl.descriptor(host, folder)
        assert not host.path(f"{working_folder}\\{stem}.export").exists(), "the asked-for path is left to SecretMgr"
    watch(monkeypatch, look)
    run(lab, "old-em", export_params())
    assert len(seen) == 4 and all(found.protected and found.allows_only_admins() and found.owner == acl.ADMINISTRATORS
                                  for found in seen.values()), seen
    assert not any(acl.has_own(lab.host("old-em"), path) for path in seen), "a deleted path keeps no descriptor"


def test_an_import_replaces_secret_dpapi_and_records_it(lab: Estate) -> None:
    """Import re-protects the secret on new-em and writes the record with imported_sha256; nothing is left."""
    new, _before, export = ready_to_import(lab)
    result = run(lab, "new-em", import_params(export)).result
    now = hashlib.sha256(new.path(SECRET_FILE).read_bytes()).hexdigest()
    assert result == {"imported_sha256": now, "swept": [], "leftovers": []}
    assert json.loads(new.path(MARKER).read_bytes()) == {"source_host": "old-em", "imported_sha256": now}
    assert litter(new) == []
    services.start(new, "SIEnterpriseManager")
    assert programs.secret_of(new) == programs.secret_of(lab.host("old-em"))


def test_an_import_replaces_an_earlier_record(lab: Estate) -> None:
    new, _before, export = ready_to_import(lab)
    run(lab, "new-em", import_params(export))
    first = new.path(MARKER).read_bytes()
    run(lab, "new-em", import_params(export))
    assert new.path(MARKER).read_bytes() != first, "DPAPI is salted: a second import gives another Secret.dpapi"


def test_a_damaged_export_is_not_imported(lab: Estate) -> None:
    new, before, export = ready_to_import(lab)
    failing(lab, "new-em", import_params(export, ExportHmac="0" * 64), "arrived damaged \\(HMAC mismatch\\)")
    assert new.path(SECRET_FILE).read_bytes() == before and not new.path(MARKER).exists() and litter(new) == []


def test_an_export_after_secretmgr_fails_leaves_nothing(any_output: Estate) -> None:
    """secretmgr_fails writes half an export where the export goes: it is deleted too."""
    any_output.set_fault("old-em", "secretmgr_fails", True)
    failing(any_output, "old-em", export_params(), r"SecretMgr\.exe -e failed \(exit code 1; error output: SecretMgr: "
            r"unexpected error")
    assert litter(any_output.host("old-em")) == []


# Defect 4: SecretMgr judged by more than its exit code --------------------------------------------
def test_an_import_that_exits_0_and_changes_nothing_fails_and_records_nothing(lab: Estate) -> None:
    new, before, export = ready_to_import(lab)
    lab.set_fault("new-em", "secretmgr_misbehaves", "noop")
    script = failing(lab, "new-em", import_params(export), r"SecretMgr\.exe -i exited with code 0 but did not change "
                     r".*Secret\.dpapi, so the secret was not imported.*Nothing was recorded \(no output\)\.")
    assert new.path(SECRET_FILE).read_bytes() == before and not new.path(MARKER).exists()
    assert script.result == {"swept": [], "leftovers": []} and litter(new) == []


def test_an_export_that_exits_0_and_writes_nothing_fails(lab: Estate) -> None:
    lab.set_fault("old-em", "secretmgr_misbehaves", "noop")
    failing(lab, "old-em", export_params(), r"SecretMgr\.exe -e reported success but wrote no export named tp-secret-\w+\* "
            r"in .*SysWOW64.*SIEnterpriseManager \(no output\)\.")
    assert litter(lab.host("old-em")) == []


@pytest.mark.parametrize("host", ["old-em", "new-em"])
@pytest.mark.parametrize(("misbehaviour", "printed"), [
    ("stdout_error", r"SecretMgr: Access to the secret store was denied \(fault injected by the lab\)"),
    # Standard input is closed: the prompt reads end-of-file at once; its question and answer are in the message.
    ("prompt", r"The output file exists or is not trusted\. Continue\? \[y/N\] No answer \(end of input\); nothing was "
               r"done\."),
])
def test_what_a_failing_secretmgr_prints_is_in_the_message(lab: Estate, host: str, misbehaviour: str, printed: str) -> None:
    switch, params = secretmgr_call(lab, host)
    lab.set_fault(host, "secretmgr_misbehaves", misbehaviour)
    failing(lab, host, params, rf"SecretMgr\.exe {switch} failed \(exit code 1; output: {printed}\)\.")
    assert programs.running(lab.host(host)) == []


@pytest.mark.parametrize("host", ["old-em", "new-em"])
def test_a_hung_secretmgr_is_stopped_at_the_time_out_and_nothing_is_left(lab: Estate, host: str) -> None:
    _switch, params = secretmgr_call(lab, host, TimeoutSeconds=1)
    lab.set_fault(host, "secretmgr_misbehaves", "hang")
    failing(lab, host, params, r"SecretMgr\.exe -[ei] did not exit within 1 seconds, so it was stopped, with any process "
            r"it started \(no output\)\..*raise secretmgr_timeout")
    assert programs.running(lab.host(host)) == []
    assert [entry["event"] for entry in programs.history(lab.host(host))][-2:] == ["started", "killed"]
    assert litter(lab.host(host)) == [] and not lab.host("new-em").path(MARKER).exists()


@pytest.mark.parametrize("timeout", [0, 481])
def test_a_time_out_out_of_range_is_refused_by_parameter_binding(lab: Estate, timeout: int) -> None:
    script = failing(lab, "old-em", export_params(TimeoutSeconds=timeout), "Cannot validate argument on parameter "
                     "'TimeoutSeconds'")
    assert script.result is None and not lab.host("old-em").path(WORK_ROOT).exists()


# Defect 5: the clean-up, item by item -----------------------------------------------------------
def test_a_file_that_cannot_be_deleted_is_reported_and_the_rest_is_still_cleaned(lab: Estate) -> None:
    """A scanner holds a stale export in SysWOW64: named in leftovers; the new export and private folder still go."""
    old = lab.host("old-em")
    held = plant(old, f"{SYSWOW64}\\tp-secret-{STALE_ID}.export")
    make_stale(old, held)
    lab.set_fault("old-em", "locked", [held])
    result = run(lab, "old-em", export_params()).result
    assert result["leftovers"] == [held] and result["swept"] == []
    assert litter(old) == [f"C/Windows/SysWOW64/tp-secret-{STALE_ID}.export"]


def test_a_file_a_scanner_lets_go_of_is_deleted_on_a_later_attempt(lab: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    old = lab.host("old-em")
    held = plant(old, f"{SYSWOW64}\\tp-secret-{STALE_ID}.export")
    make_stale(old, held)
    lab.set_fault("old-em", "locked", [held])
    monkeypatch.setattr(_private_folder, "start_sleep", lambda milliseconds: lab.clear_faults("old-em"))
    result = run(lab, "old-em", export_params()).result
    assert (result["swept"], result["leftovers"]) == ([held], []) and litter(old) == []


# Defect 6: private folders that nobody else can have touched ----------------------------------
@pytest.mark.parametrize("user", [None, "SYSTEM"])
def test_the_work_root_is_created_private_in_one_step(lab: Estate, monkeypatch: pytest.MonkeyPatch, user: str | None) -> None:
    """Owned by Administrators (for an administrator and under become as SYSTEM alike), protected, admin-only."""
    work: list[acl.Descriptor] = []
    watch(monkeypatch, lambda host, arguments, folder: work.append(acl.descriptor(host, folder)))
    run(lab, "old-em", export_params(), user=user)
    root = acl.descriptor(lab.host("old-em"), WORK_ROOT)
    assert (root.owner, root.protected, root.allows_only_admins()) == (acl.ADMINISTRATORS, True, True)
    assert (work[0].owner, work[0].protected, work[0].allows_only_admins()) == (acl.ADMINISTRATORS, True, True)
    assert [entry["user"] for entry in programs.history(lab.host("old-em")) if entry["event"] == "started"] == [
        user or lab.setting("winrm_user")]


@pytest.mark.parametrize("mode", ["Export", "Sweep"])
def test_a_work_root_a_user_made_is_refused_and_its_planted_link_not_followed(lab: Estate, mode: str) -> None:
    """A user made WorkRoot first and planted tp-secret-* links to their victim folder: refused; nothing touched."""
    old = lab.host("old-em")
    victim = plant_victim(old)
    old.path(WORK_ROOT).mkdir(parents=True)
    acl.set_descriptor(old, WORK_ROOT, acl.Descriptor(USER, False, (acl.SYSTEM, acl.ADMINISTRATORS, acl.USERS),
                                                      (acl.SYSTEM, acl.ADMINISTRATORS, acl.USERS, USER)))
    for name in ("tp-secret-planted", f"tp-secret-{STALE_ID}"):
        link(old, f"{WORK_ROOT}\\{name}", VICTIM)
        make_stale(old, f"{WORK_ROOT}\\{name}")
    params = export_params() if mode == "Export" else sweep_params()
    failing(lab, "old-em", params, rf"^{WORK_ROOT.replace(chr(92), chr(92) * 2)} already exists but is not private "
            rf"\(owner {USER}; permissions inherited from its parent; access for {USER}, BUILTIN\\Users\): another account "
            r"may own it.*nothing was changed")
    assert {path: old.path(path).read_bytes() for path in victim} == victim
    assert not any(old.path(SYSWOW64).iterdir()) and programs.history(old) == []


def test_a_work_root_left_by_an_earlier_version_is_refused_with_guidance(lab: Estate) -> None:
    """Made with New-Item (inherits ProgramData's "Users may create"): refused until an administrator deals with it."""
    new = lab.host("new-em")
    new.path(WORK_ROOT).mkdir(parents=True)
    everyone = (acl.SYSTEM, acl.ADMINISTRATORS, acl.USERS)
    acl.set_descriptor(new, WORK_ROOT, acl.Descriptor(acl.ADMINISTRATORS, False, everyone, everyone))
    failing(lab, "new-em", sweep_params(), r"\(owner BUILTIN\\Administrators; permissions inherited from its parent; "
            r"access for BUILTIN\\Users\).*move it aside or delete it \(without following links\), or choose another folder")


def test_a_work_root_that_is_a_junction_is_refused(lab: Estate) -> None:
    old = lab.host("old-em")
    victim = plant_victim(old)
    link(old, WORK_ROOT, VICTIM)
    failing(lab, "old-em", export_params(), r"is a junction or symbolic link, not a folder this collection made.*rmdir")
    assert {path: old.path(path).read_bytes() for path in victim} == victim


def test_a_stale_link_in_a_private_work_root_is_never_followed(lab: Estate) -> None:
    """Even where only admins could have planted it, a tp-secret-<id> junction is left alone and its target untouched."""
    old = lab.host("old-em")
    run(lab, "old-em", export_params())  # makes the private WorkRoot
    victim = plant_victim(old)
    link(old, f"{WORK_ROOT}\\tp-secret-{STALE_ID}", VICTIM)
    make_stale(old, f"{WORK_ROOT}\\tp-secret-{STALE_ID}")
    result = run(lab, "old-em", sweep_params()).result
    assert {path: old.path(path).read_bytes() for path in victim} == victim
    assert result == {"swept": [], "leftovers": []}


# Defect 9: litter swept on every run, and a disk that fills up -----------------------------------
def test_a_sweep_removes_stale_litter_of_this_collections_names_only(lab: Estate) -> None:
    new = lab.host("new-em")
    run(lab, "new-em", sweep_params())
    assert not new.path(WORK_ROOT).exists(), "a sweep makes no folder"
    run(lab, "new-em", export_params(OtherLocations=[]))  # the private WorkRoot, as an import leaves it
    folder = f"{WORK_ROOT}\\tp-secret-{STALE_ID}"
    stale = [plant(new, f"{folder}\\tp-secret-{STALE_ID}.export"), plant(new, f"{SYSWOW64}\\tp-secret-{STALE_ID}.export"),
             plant(new, f"{EM_FOLDER}\\tp-secret-{STALE_ID}.dat"), plant(new, f"{WORK_ROOT}\\tp-secret-{STALE_ID}.record")]
    young = [plant(new, f"{WORK_ROOT}\\tp-secret-{'1' * 32}\\tp-secret-{'1' * 32}.export"),
             plant(new, f"{SYSWOW64}\\tp-secret-{'2' * 32}.export")]
    others = [plant(new, f"{SYSWOW64}\\tp-secret-planted.export"), plant(new, f"{SYSWOW64}\\kernel32.dll", b"MZ")]
    make_stale(new, *stale, folder, *others)
    result = run(lab, "new-em", sweep_params()).result
    assert sorted(result["swept"]) == sorted([*stale, folder]) and result["leftovers"] == []
    assert all(new.path(path).exists() for path in young + others) and not new.path(folder).exists()


def test_a_disk_full_while_the_export_is_written_leaves_nothing_and_a_rerun_imports(lab: Estate) -> None:
    new, before, export = ready_to_import(lab)
    lab.set_fault("new-em", "partial_write", True)
    failing(lab, "new-em", import_params(export), r'"WriteAllBytes" with "2" argument\(s\): "There is not enough space')
    assert litter(new) == [] and new.path(SECRET_FILE).read_bytes() == before and not new.path(MARKER).exists()
    lab.clear_faults("new-em")
    result = run(lab, "new-em", import_params(export)).result
    assert json.loads(new.path(MARKER).read_bytes())["imported_sha256"] == result["imported_sha256"]


def test_a_disk_full_while_the_record_is_written_leaves_no_record_and_a_rerun_records(
        lab: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up as SecretMgr -i finishes: Secret.dpapi changed, but no record (the next run imports again)."""
    new, _before, export = ready_to_import(lab)
    watch(monkeypatch, lambda host, arguments, folder: lab.set_fault("new-em", "partial_write", True), after=True)
    failing(lab, "new-em", import_params(export),
            r"^SecretMgr.exe -i imported the secret into .*, but the import record .* could not be written: There is "
            r"not enough space on the disk\. Run again: ")
    assert litter(new) == [] and not new.path(MARKER).exists()
    monkeypatch.undo()
    lab.clear_faults("new-em")
    result = run(lab, "new-em", import_params(export)).result
    assert json.loads(new.path(MARKER).read_bytes())["imported_sha256"] == result["imported_sha256"]
    assert hashlib.sha256(new.path(SECRET_FILE).read_bytes()).hexdigest() == result["imported_sha256"]


def test_constrained_language_mode_fails_before_anything_is_made(lab: Estate) -> None:
    script = failing(lab, "old-em", export_params(), "Method invocation is supported only on core types",
                     language_mode="ConstrainedLanguage")
    assert script.result == {"swept": [], "leftovers": []} and not lab.host("old-em").path(WORK_ROOT).exists()


# The record and WorkRoot, through the one System.IO model (tplab.twins._windows_io) ---------------
REPLACE_FAILURES = {
    1175: "Unable to remove the file to be replaced.",
    1176: "Unable to move the replacement file to the file to be replaced. The file to be replaced has retained its "
          "original name.",
    1177: "Unable to move the replacement file to the file to be replaced. The file to be replaced has been renamed using "
          "the backup name.",
}


@pytest.mark.parametrize("code", sorted(REPLACE_FAILURES))
def test_a_record_replace_that_replacefile_fails_is_reported_and_a_rerun_records(lab: Estate, code: int) -> None:
    """[IO.File]::Replace($temporary, $MarkerPath, [NullString]::Value) is ReplaceFile without a backup: it meets the
    host's replace_fails faults and leaves the earlier record as ReplaceFileW documents for the error."""
    new, _before, export = ready_to_import(lab)
    run(lab, "new-em", import_params(export))
    earlier = new.path(MARKER).read_bytes()
    lab.set_fault("new-em", "replace_fails", {"code": code, "times": 1})
    failing(lab, "new-em", import_params(export),
            rf"^SecretMgr.exe -i imported the secret into .*Secret\.dpapi, but the import record "
            rf"{re.escape(MARKER)} could not be written: {re.escape(REPLACE_FAILURES[code])} Run again: the "
            rf"re-run imports the same secret again and records it\.$")
    assert lab.host("new-em").faults()["replace_fails"]["times"] == 0 and litter(new) == []
    renamed = [entry for entry in new.path(WORK_ROOT).iterdir() if entry.name.startswith("~RF")]
    if code == 1175:  # both files keep their names
        assert new.path(MARKER).read_bytes() == earlier and renamed == []
    elif code == 1176:  # without a backup, "the replaced file no longer exists"
        assert not new.path(MARKER).exists() and renamed == []
    else:  # "still exists with a different name", one the script cannot know
        assert not new.path(MARKER).exists() and [entry.read_bytes() for entry in renamed] == [earlier]
    result = run(lab, "new-em", import_params(export)).result
    assert json.loads(new.path(MARKER).read_bytes())["imported_sha256"] == result["imported_sha256"]


def test_a_work_root_that_is_a_file_is_refused_by_createdirectory(lab: Estate) -> None:
    old = lab.host("old-em")
    plant(old, WORK_ROOT, b"")
    failing(lab, "old-em", export_params(), rf'^Exception calling "CreateDirectory" with "2" argument\(s\): "Cannot create '
            rf'"{re.escape(WORK_ROOT)}" because a file or directory with the same name already exists\."$')
    assert old.path(WORK_ROOT).is_file() and programs.history(old) == [] and litter(old) == []
