# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_secret end to end on two fake hosts: SecretMgr.exe -e on the old EM (the peer), -i on the new one.

The export is the secret itself, unprotected: it may exist only in controller memory and, for the
moment SecretMgr needs it, in a private folder that the script empties whatever happens. Every
result is searched for it (``tp_secret`` fixture), and every call's plain parameters too.
"""

from __future__ import annotations

import base64
import json
import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_secret import ActionModule

from conftest import SECRET_FILE, SECRETMGR, FakeWindows, sha256, shown

if t.TYPE_CHECKING:
    from conftest import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with extra task args and run_action keywords

OLD, NEW = "old-em", "new-em"
STATE_FOLDER = r"C:\ProgramData\netwrix.threat_prevention"
MARKER = STATE_FOLDER + r"\em-secret-import.json"
SYSWOW64 = r"C:\Windows\SysWOW64"
OLD_SECRET = b"DPAPI(old-em machine key): the EM secret"
NEW_SECRET = b"DPAPI(new-em machine key): a fresh install's own secret"


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


@pytest.fixture
def tp_secret(run_action: RunAction, old_em: FakeWindows, new_em: FakeWindows) -> Run:
    """Run tp_secret on the new EM from the old one; fail the test if the export shows anywhere but a SecureString."""

    def run(args: dict[str, t.Any] | None = None, **kwargs: t.Any) -> dict[str, t.Any]:
        result = run_action(ActionModule, {"source_host": OLD, **(args or {})}, host_name=NEW, **kwargs)
        export = old_em.secretmgr.export
        assert shown(result, export) == [], "the SecretMgr export is in the result"
        for host in (old_em, new_em):
            assert shown({"parameters": [call.get("parameters") for _module, call in host.calls]}, export) == []
            assert host.leftover_exports() == [], "an export file was left on a host"
        return result

    return run


def marker(host: FakeWindows) -> dict[str, t.Any]:
    return json.loads(host.files[MARKER].decode("utf-8-sig"))


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
    assert old_em.secret_log == [("written", landed), ("deleted", landed)]
    (exported,) = old_em.args_of("move_secret")
    assert exported == {"Mode": "Export", "SecretMgr": SECRETMGR, "WorkRoot": STATE_FOLDER,
                        "OtherLocations": [SYSWOW64, r"C:\Windows\System32"]}
    (imported,), (sensitive,) = new_em.args_of("move_secret"), new_em.sensitive_of("move_secret")
    assert "Export" not in imported and sensitive == {"Export": base64.b64encode(export).decode("ascii")}
    assert (imported["Mode"], imported["ExportSha256"], imported["SecretFile"], imported["MarkerPath"]) == (
        "Import", sha256(export), SECRET_FILE, MARKER)
    assert [event for event, _path in new_em.secret_log] == ["written", "deleted"]
    assert new_em.files[SECRET_FILE] != NEW_SECRET and old_em.files[SECRET_FILE] == OLD_SECRET
    record = marker(new_em)
    assert (record["source_host"], record["source_secret_sha256"], record["imported_sha256"]) == (
        OLD, sha256(OLD_SECRET), sha256(new_em.files[SECRET_FILE]))
    assert result["marker"] == MARKER


def test_a_second_run_finds_the_import_in_place_and_exports_nothing(tp_secret: Run, old_em: FakeWindows,
                                                                    new_em: FakeWindows) -> None:
    """The record's digests still match both Secret.dpapi files: no change, and SecretMgr is not run at all."""
    tp_secret()
    old_em.calls.clear()
    new_em.calls.clear()
    again = tp_secret()
    assert again["changed"] is False and again["in_place"] is True and again["export_landed"] is None
    assert "move_secret" not in old_em.kinds() + new_em.kinds()


@pytest.mark.parametrize("stale", ["old-secret-rotated", "new-secret-replaced", "other-source-host", "unreadable-record"])
def test_a_record_that_no_longer_matches_migrates_again(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                        stale: str) -> None:
    """Any mismatch between the record and the two Secret.dpapi files (or a record that cannot be read) re-runs the move."""
    tp_secret()
    if stale == "old-secret-rotated":
        old_em.files[SECRET_FILE] = b"DPAPI(old-em machine key): a newer secret"
    elif stale == "new-secret-replaced":
        new_em.files[SECRET_FILE] = NEW_SECRET
    elif stale == "other-source-host":
        new_em.files[MARKER] = json.dumps({**marker(new_em), "source_host": "older-em"}).encode()
    else:
        new_em.files[MARKER] = b"{not json"
    old_em.calls.clear()
    result = tp_secret()
    assert result["changed"] is True and result["in_place"] is False
    assert old_em.kinds().count("move_secret") == 1
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
    """SecretMgr -e exits 1: failed, changed false, its message and 'nothing was changed on the new EM'; half export deleted."""
    old_em.secretmgr.export_error = "Access is denied"
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{OLD}: SecretMgr.exe -e failed (exit code 1: Access is denied).")
    assert "nothing was changed on the new EM" in result["msg"]
    assert [event for event, _path in old_em.secret_log] == ["written", "deleted"]
    assert new_em.writes() == [] and new_em.files[SECRET_FILE] == NEW_SECRET


def test_an_import_failure_says_the_export_was_deleted_on_both_hosts(tp_secret: Run, old_em: FakeWindows,
                                                                     new_em: FakeWindows) -> None:
    """SecretMgr -i exits 1: failed, changed (it may have touched Secret.dpapi), no export left anywhere, no record."""
    new_em.secretmgr.import_error = "The secret could not be imported"
    result = tp_secret()
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(f"{NEW}: SecretMgr.exe -i failed (exit code 1: The secret could not be imported).")
    assert "The export was deleted on both hosts" in result["msg"]
    assert [event for event, _path in old_em.secret_log] == ["written", "deleted"]
    assert [event for event, _path in new_em.secret_log] == ["written", "deleted"]
    assert MARKER not in new_em.files


def test_validate_only_never_exports(tp_secret: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """validate_only checks both hosts and the record, reports no change, and never runs SecretMgr."""
    new_em.services["sienterprisemanager"].state = "started"
    result = tp_secret({"validate_only": True})
    assert not result.get("failed") and result["changed"] is False and result["in_place"] is False
    assert old_em.writes() == [] and new_em.writes() == [] and old_em.secret_log == []


def test_an_export_landing_in_syswow64_is_found_and_deleted_there(tp_secret: Run, old_em: FakeWindows) -> None:
    """SecretMgr's documented default: the export goes to C:\\Windows\\SysWOW64 whatever path it was given."""
    old_em.secretmgr.lands_in = SYSWOW64
    result = tp_secret()
    landed = result["export_landed"]
    assert result["changed"] is True and landed.startswith(SYSWOW64 + "\\tp-secret-")
    assert old_em.secret_log == [("written", landed), ("deleted", landed)]


def test_exports_left_by_a_run_that_was_cut_off_are_cleaned_first(tp_secret: Run, old_em: FakeWindows) -> None:
    """A stale tp-secret-*.export (in SysWOW64 or a private folder) is deleted before SecretMgr runs again."""
    stale = [SYSWOW64 + r"\tp-secret-0123.export", STATE_FOLDER + r"\tp-secret-4567\tp-secret-89ab.export"]
    old_em.files.update({path: old_em.secretmgr.export for path in stale})
    tp_secret()
    assert old_em.secret_log[:2] == [("deleted", path) for path in stale]
