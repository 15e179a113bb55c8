# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_secret end to end on two fake hosts: SecretMgr.exe -e on the old EM (the peer), -i on the new one.

The export is the secret itself, unprotected: it may exist only in controller memory and, for the
moment SecretMgr needs it, in a private folder that the script empties whatever happens. Every
result is searched for it (``tp_secret`` fixture), and every call's plain parameters too, for the
export and for any plain digest of it (the module's plain parameters end up in the Application
event log). What the script could not delete must be named, never reported as deleted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_secret import ActionModule

from action_runner import shown
from fake_host import SECRET_FILE, SECRETMGR, STALE_MS, FakeWindows, sha256

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with extra task args and run_action keywords

OLD, NEW = "old-em", "new-em"
STATE_FOLDER = r"C:\ProgramData\netwrix.threat_prevention"
MARKER = STATE_FOLDER + r"\em-secret-import.json"
SYSWOW64 = r"C:\Windows\SysWOW64"
EM_FOLDER = SECRETMGR.rsplit("\\", 1)[0]
OLD_SECRET = b"DPAPI(old-em machine key): the EM secret"
NEW_SECRET = b"DPAPI(new-em machine key): a fresh install's own secret"
STALE_ID = "0f3c9a0e5b6d4e7f8a9b0c1d2e3f4a5b"


@pytest.fixture
def old_em(peers: dict[str, FakeWindows]) -> FakeWindows:
    """The old EM: running, with its Secret.dpapi and a SecretMgr.exe that exports it."""
    host = FakeWindows()
    host.install_em(state="started")
    host.files[SECRET_FILE] = OLD_SECRET
    peers[OLD] = host
    return host


@pytest.fixture
def new_em(windows: FakeWindows) -> FakeWindows:
    """The new EM: stopped, with the secret its installer made."""
    windows.install_em(state="stopped")
    windows.files[SECRET_FILE] = NEW_SECRET
    return windows


def digests(data: bytes) -> set[str]:
    """Plain digests of the export in every common form: none may travel as a plain parameter."""
    hexes = {hashlib.new(name, data).hexdigest() for name in ("md5", "sha1", "sha256", "sha512")}
    return hexes | {digest.upper() for digest in hexes} | {base64.b64encode(hashlib.sha256(data).digest()).decode()}


@pytest.fixture
def tp_secret(run_action: RunAction, old_em: FakeWindows, new_em: FakeWindows) -> Run:
    """Run tp_secret on the new EM from the old one; fail the test if the export shows anywhere but a SecureString.

    Unless ``leaves`` is set, no export file may be left on either host either.
    """

    def run(args: dict[str, t.Any] | None = None, leaves: bool = False, **kwargs: t.Any) -> dict[str, t.Any]:
        result = run_action(ActionModule, {"source_host": OLD, **(args or {})}, host_name=NEW, **kwargs)
        export = old_em.secretmgr.export
        assert shown(result, export) == [], "the SecretMgr export is in the result"
        for host in (old_em, new_em):
            plain = json.dumps([call.get("parameters") for _module, call in host.calls])
            assert shown({"parameters": plain}, export) == []
            assert [digest for digest in digests(export) if digest in plain] == [], "a digest of the export was sent plainly"
            assert leaves or host.leftover_exports() == [], "an export file was left on a host"
        return result

    return run


def marker(host: FakeWindows) -> dict[str, t.Any]:
    return json.loads(host.files[MARKER].decode("utf-8-sig"))


def modes(host: FakeWindows) -> list[str]:
    return [params["Mode"] for params in host.args_of("move_secret")]


def stale(host: FakeWindows, *paths: str) -> None:
    """Files an interrupted run left more than 10 minutes ago."""
    host.files.update({path: host.secretmgr.export for path in paths})
    host.written_at.update({path: 0 for path in paths})
    host.clock = STALE_MS + 1000


def test_the_secret_moves_through_memory_and_every_copy_is_deleted(tp_secret: Run, old_em: FakeWindows,
                                                                   new_em: FakeWindows) -> None:
    """Export on the old EM (deleted where it landed), import on the new one as a SecureString, record written."""
    export = old_em.secretmgr.export
    result = tp_secret()
    assert not result.get("failed") and result["changed"] is True and result["in_place"] is False, result.get("msg")
    assert old_em.kinds() == ["win_service_info", "read_files", "read_files", "move_secret"]
    assert new_em.kinds() == ["win_service_info", "read_files", "read_files", "read_files", "move_secret"]
    landed = result["export_landed"]
    assert landed.startswith(STATE_FOLDER + "\\tp-secret-") and landed.endswith(".export")
    assert result["export_outside_private_folder"] is False and "warnings" not in result
    assert (result["swept"], result["leftovers"]) == ({}, {})
    assert old_em.secret_log == [("written", landed), ("deleted", landed)]
    (exported,), (export_key,) = old_em.args_of("move_secret"), old_em.sensitive_of("move_secret")
    assert exported == {"Mode": "Export", "SecretMgr": SECRETMGR, "WorkRoot": STATE_FOLDER,
                        "OtherLocations": [SYSWOW64, r"C:\Windows\System32"], "TimeoutSeconds": 120}
    assert set(export_key) == {"Key"} and len(base64.b64decode(export_key["Key"])) == 32
    (imported,), (sensitive,) = new_em.args_of("move_secret"), new_em.sensitive_of("move_secret")
    assert "Export" not in imported and "ExportSha256" not in imported
    assert sensitive["Export"] == base64.b64encode(export).decode("ascii") and sensitive["Key"] != export_key["Key"]
    assert imported["ExportHmac"] == hmac.new(base64.b64decode(sensitive["Key"]), export, hashlib.sha256).hexdigest()
    assert (imported["Mode"], imported["SecretFile"], imported["MarkerPath"]) == ("Import", SECRET_FILE, MARKER)
    assert [event for event, _path in new_em.secret_log] == ["written", "deleted"]
    assert new_em.files[SECRET_FILE] != NEW_SECRET and old_em.files[SECRET_FILE] == OLD_SECRET
    record = marker(new_em)
    assert (record["source_host"], record["source_secret_sha256"], record["imported_sha256"]) == (
        OLD, sha256(OLD_SECRET), sha256(new_em.files[SECRET_FILE]))
    assert result["marker"] == MARKER


def test_a_second_run_finds_the_import_in_place_and_only_sweeps_both_ems(tp_secret: Run, old_em: FakeWindows,
                                                                         new_em: FakeWindows) -> None:
    """The record's digests still match both Secret.dpapi files: no change, SecretMgr is not run, each EM is swept once."""
    tp_secret()
    old_em.calls.clear()
    new_em.calls.clear()
    again = tp_secret()
    assert again["changed"] is False and again["in_place"] is True and again["export_landed"] is None
    assert modes(old_em) == modes(new_em) == ["Sweep"]
    assert old_em.sensitive_of("move_secret") == new_em.sensitive_of("move_secret") == [{}]


def test_an_export_left_in_place_on_the_new_em_is_swept_by_a_later_run(tp_secret: Run, new_em: FakeWindows) -> None:
    """An export left in the new EM's private folder after the record was written is removed although nothing else moves."""
    tp_secret()
    left = f"{STATE_FOLDER}\\tp-secret-{STALE_ID}\\tp-secret-{STALE_ID}.export"
    stale(new_em, left)
    again = tp_secret()
    assert again["in_place"] is True and again["changed"] is True and not again.get("failed")
    assert again["swept"] == {NEW: [left]} and left not in new_em.files


@pytest.mark.parametrize("args", [{"validate_only": True}, {}], ids=["validate_only", "check_mode"])
def test_nothing_is_swept_when_nothing_may_change(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                  args: dict[str, t.Any]) -> None:
    """validate_only and check mode change nothing, so they do not sweep either."""
    tp_secret()
    old_em.calls.clear()
    new_em.calls.clear()
    result = tp_secret(args, check_mode=not args)
    assert result["in_place"] is True and result["changed"] is False
    assert "move_secret" not in old_em.kinds() + new_em.kinds()


def test_a_failing_sweep_fails_the_task_saying_the_secret_is_in_place(tp_secret: Run, old_em: FakeWindows) -> None:
    """A sweep that is refused (say, the state folder is not private) fails the task; the secret is not touched."""
    tp_secret()
    old_em.script_failures["move_secret"] = "C:\\ProgramData\\netwrix.threat_prevention already exists but is not private"
    result = tp_secret()
    assert result["failed"] is True and result["in_place"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{OLD}: C:\\ProgramData\\netwrix.threat_prevention already exists but is not private")
    assert "The secret is in place; nothing else was changed." in result["msg"]


@pytest.mark.parametrize("kind", ["old-secret-rotated", "new-secret-replaced", "other-source-host", "unreadable-record"])
def test_a_record_that_no_longer_matches_migrates_again(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                        kind: str) -> None:
    """Any mismatch between the record and the two Secret.dpapi files (or a record that cannot be read) re-runs the move."""
    tp_secret()
    if kind == "old-secret-rotated":
        old_em.files[SECRET_FILE] = b"DPAPI(old-em machine key): a newer secret"
    elif kind == "new-secret-replaced":
        new_em.files[SECRET_FILE] = NEW_SECRET
    elif kind == "other-source-host":
        new_em.files[MARKER] = json.dumps({**marker(new_em), "source_host": "older-em"}).encode()
    else:
        new_em.files[MARKER] = b"{not json"
    old_em.calls.clear()
    result = tp_secret()
    assert result["changed"] is True and result["in_place"] is False and not result.get("failed"), result.get("msg")
    assert modes(old_em) == ["Export"]
    assert marker(new_em)["source_secret_sha256"] == sha256(old_em.files[SECRET_FILE])


def test_a_running_new_em_is_refused_before_anything_is_exported(tp_secret: Run, old_em: FakeWindows,
                                                                 new_em: FakeWindows) -> None:
    """require_stopped (the default): failed, 'stop it', changed false, SecretMgr not run on either host."""
    new_em.services["sienterprisemanager"].state = "started"
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{NEW}: ") and "stop it before the secret is imported" in result["msg"]
    assert "move_secret" not in old_em.kinds() + new_em.kinds()


def test_a_running_new_em_is_not_a_failure_in_check_mode(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """Check mode predicts the move (the run would stop the EM first) and runs SecretMgr nowhere."""
    new_em.services["sienterprisemanager"].state = "started"
    result = tp_secret(check_mode=True)
    assert not result.get("failed") and result["changed"] is True and result["in_place"] is False
    assert old_em.writes() == [] and new_em.writes() == [] and new_em.files[SECRET_FILE] == NEW_SECRET


def test_require_stopped_false_imports_into_a_running_em(tp_secret: Run, new_em: FakeWindows) -> None:
    """require_stopped=false lets the import run beside a started EM (the user's choice)."""
    new_em.services["sienterprisemanager"].state = "started"
    result = tp_secret({"require_stopped": False})
    assert result["changed"] is True and not result.get("failed") and new_em.files[SECRET_FILE] != NEW_SECRET


@pytest.mark.parametrize("side", ["old", "new"])
def test_a_missing_secretmgr_fails_naming_the_host_and_path(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                            side: str) -> None:
    """SecretMgr.exe is looked for beside the EM on both hosts before anything runs; the message names the file."""
    host, name = (old_em, OLD) if side == "old" else (new_em, NEW)
    del host.files[SECRETMGR]
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{name}: {SECRETMGR} was not found") and "secretmgr option" in result["msg"]
    assert old_em.writes() == [] and new_em.writes() == []


def test_an_absolute_secretmgr_path_is_used_as_given(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """An absolute secretmgr is run as given on both hosts, not joined to the install folder."""
    tool = r"D:\Tools\SecretMgr.exe"
    for host in (old_em, new_em):
        host.files[tool] = host.files.pop(SECRETMGR)
    result = tp_secret({"secretmgr": tool})
    assert result["changed"] is True and {params["SecretMgr"] for params in old_em.args_of("move_secret")} == {tool}


def test_no_secret_on_the_old_em_fails_before_anything_runs(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """Without Secret.dpapi on the old EM there is nothing to move: fail before the new EM is read."""
    del old_em.files[SECRET_FILE]
    result = tp_secret()
    assert result["failed"] is True and result["msg"].startswith(f"{OLD}: {SECRET_FILE} does not exist")
    assert new_em.calls == [] and old_em.writes() == []


def test_an_export_failure_changes_nothing_on_the_new_em(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """SecretMgr -e exits 1: failed, changed false, its message, what was left (nothing), and 'nothing was changed'."""
    old_em.secretmgr.export_error = "Access is denied"
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{OLD}: SecretMgr.exe -e failed (exit code 1; error output: Access is denied).")
    assert "No export was left on old-em. Nothing was changed on the new EM." in result["msg"]
    assert [event for event, _path in old_em.secret_log] == ["written", "deleted"]
    assert new_em.writes() == [] and new_em.files[SECRET_FILE] == NEW_SECRET


def test_an_import_failure_says_what_became_of_the_export_on_both_hosts(tp_secret: Run, old_em: FakeWindows,
                                                                        new_em: FakeWindows) -> None:
    """SecretMgr -i exits 1: failed, changed (it may have touched Secret.dpapi), no export left anywhere, no record."""
    new_em.secretmgr.import_error = "The secret could not be imported"
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(f"{NEW}: SecretMgr.exe -i failed (exit code 1; error output: The secret could not be "
                                    f"imported).")
    assert "No export was left on old-em or new-em." in result["msg"]
    assert [event for event, _path in old_em.secret_log] == ["written", "deleted"]
    assert [event for event, _path in new_em.secret_log] == ["written", "deleted"]
    assert MARKER not in new_em.files


def test_an_import_that_changes_nothing_is_a_failure_and_records_nothing(tp_secret: Run, new_em: FakeWindows) -> None:
    """SecretMgr -i exits 0 but Secret.dpapi is as it was: failed, no record, so the next run imports again."""
    new_em.secretmgr.import_noop = True
    result = tp_secret()
    assert result["failed"] is True and "did not change" in result["msg"] and MARKER not in new_em.files
    assert new_em.files[SECRET_FILE] == NEW_SECRET
    new_em.secretmgr.import_noop = False
    again = tp_secret()
    assert again["changed"] is True and not again.get("failed") and marker(new_em)["imported_sha256"] == sha256(
        new_em.files[SECRET_FILE])


def test_an_export_that_could_not_be_deleted_is_named_never_said_deleted(tp_secret: Run, old_em: FakeWindows) -> None:
    """A failed export whose half file a scanner holds: the message and ``leftovers`` name it; nothing says deleted."""
    old_em.secretmgr.lands_in = SYSWOW64
    old_em.secretmgr.export_error = "Access is denied"
    old_em.secretmgr.undeletable = {SYSWOW64}
    result = tp_secret(leaves=True)
    (left,) = result["leftovers"][OLD]
    assert left.startswith(SYSWOW64 + "\\tp-secret-") and left in old_em.files
    assert result["failed"] is True and f"Could not delete on old-em: {left}; these may hold the secret" in result["msg"]
    assert "deleted" not in result["msg"].replace("Could not delete", "") and "No export was left" not in result["msg"]


def test_a_move_that_leaves_a_file_behind_warns_naming_it(tp_secret: Run, old_em: FakeWindows) -> None:
    """The secret moved but a file stayed on the old EM: success, a warning and ``leftovers`` with its path."""
    old_em.secretmgr.lands_in = SYSWOW64
    old_em.secretmgr.undeletable = {SYSWOW64}
    result = tp_secret(leaves=True)
    assert result["changed"] is True and not result.get("failed")
    (left,) = result["leftovers"][OLD]
    assert any(warning.startswith(f"{OLD}: could not delete {left}. These may hold the secret export")
               for warning in result["warnings"])


def test_a_scripts_silence_is_not_taken_for_a_clean_up(tp_secret: Run, old_em: FakeWindows) -> None:
    """A failure without the script's result (it never reached its clean-up) says what is left is unknown, and where to look."""
    old_em.script_failures["move_secret"] = "Unhandled exception while executing module: out of memory"
    result = tp_secret()
    assert result["failed"] is True and "Whether an export was left on old-em is not known" in result["msg"]
    assert SYSWOW64 in result["msg"] and "No export was left" not in result["msg"]


def test_validate_only_never_exports(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """validate_only checks both hosts and the record, reports no change, and never runs SecretMgr."""
    new_em.services["sienterprisemanager"].state = "started"
    result = tp_secret({"validate_only": True})
    assert not result.get("failed") and result["changed"] is False and result["in_place"] is False
    assert old_em.writes() == [] and new_em.writes() == [] and old_em.secret_log == []


def test_an_export_landing_in_syswow64_is_found_deleted_and_warned_about(tp_secret: Run, old_em: FakeWindows) -> None:
    """SecretMgr's documented default: the export goes to C:\\Windows\\SysWOW64 over the private file made for it."""
    old_em.secretmgr.lands_in = SYSWOW64
    result = tp_secret()
    landed = result["export_landed"]
    assert result["changed"] is True and landed.startswith(SYSWOW64 + "\\tp-secret-")
    assert old_em.secret_log == [("written", landed), ("deleted", landed)]
    assert result["export_outside_private_folder"] is True
    assert result["warnings"] == [f"{OLD}: SecretMgr.exe wrote the export to {landed}, outside the private folder. It "
                                  f"overwrote the file made for it there, which only SYSTEM and Administrators may open."]


@pytest.mark.parametrize("folder", [SYSWOW64, EM_FOLDER], ids=["syswow64", "own_folder"])
def test_an_export_under_another_extension_is_found_and_deleted(tp_secret: Run, old_em: FakeWindows, folder: str) -> None:
    """tp-secret-<id>.dat (SecretMgr chose the extension) is the export too; it did not keep the private file: warned."""
    old_em.secretmgr.lands_in, old_em.secretmgr.extension = folder, ".dat"
    result = tp_secret()
    assert result["export_landed"].startswith(folder + "\\tp-secret-") and result["export_landed"].endswith(".dat")
    assert "other accounts could read the export" in result["warnings"][0]


def test_exports_left_by_a_run_that_was_cut_off_are_swept_first(tp_secret: Run, old_em: FakeWindows) -> None:
    """Stale tp-secret-<id>* files (loose, or in a private folder) go first; young ones and other names stay."""
    swept = [SYSWOW64 + f"\\tp-secret-{STALE_ID}.export", EM_FOLDER + f"\\tp-secret-{STALE_ID}.dat",
             STATE_FOLDER + f"\\tp-secret-{STALE_ID}\\tp-secret-{STALE_ID}.export"]
    stale(old_em, *swept)
    kept = {SYSWOW64 + "\\tp-secret-0123.export": b"not ours", SYSWOW64 + f"\\tp-secret-{'1' * 32}.export": b"live run"}
    old_em.files.update(kept)
    old_em.written_at.update({path: old_em.clock for path in kept})
    result = tp_secret(leaves=True)
    assert result["swept"] == {OLD: swept}
    assert old_em.secret_log[:3] == [("deleted", path) for path in swept]
    assert {path: old_em.files[path] for path in kept} == kept


def test_secretmgr_timeout_is_passed_to_both_calls(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    result = tp_secret({"secretmgr_timeout": 30})
    assert result["changed"] is True
    assert [params["TimeoutSeconds"] for params in old_em.args_of("move_secret") + new_em.args_of("move_secret")] == [30, 30]


@pytest.mark.parametrize("timeout", [0, 481])
def test_a_timeout_out_of_range_is_refused_before_any_call(
        tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows, timeout: int) -> None:
    result = tp_secret({"secretmgr_timeout": timeout})
    assert result["failed"] is True and result["msg"].startswith(f"{NEW}: secretmgr_timeout is {timeout}; give 1 to 480")
    assert old_em.calls == [] and new_em.calls == []


@pytest.mark.parametrize("side", ["old", "new"])
def test_secretmgr_is_not_run_from_an_em_folder_outside_program_files(tp_secret: Run, old_em: FakeWindows,
                                                                      new_em: FakeWindows, side: str) -> None:
    """SecretMgr.exe runs as an administrator: from a folder other accounts may write to, only when named absolutely."""
    host = old_em if side == "old" else new_em
    host.services["sienterprisemanager"].path = '"D:\\Data\\TP\\SIEnterpriseManager.exe"'
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is False
    assert "runs from D:\\Data\\TP, outside Program Files" in result["msg"]
    assert "secretmgr (an absolute path)" in result["msg"] and "Nothing was changed" in result["msg"]
