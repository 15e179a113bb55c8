# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_certs end to end on two fake hosts: the new EM (the task's host) and the old EM (the peer).

The certificate sets are real (made by the lab's generator with ``cryptography``), so the action's
validation earns its verdicts. Every result any test gets back is searched for key and certificate
material (``tp_certs`` fixture): only names and SHA-256 digests may ever leave the module.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import typing as t

import pytest
from tplab import certs

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_certs import ActionModule
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._certificates import DEFAULT_SET

from action_runner import shown
from fake_host import CERTS_FOLDER, FakeWindows, sha256

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with extra task args and run_action keywords

CA_CERT, CA_KEY, EM_CERT, EM_KEY = DEFAULT_SET
OLD, NEW = "old-em", "new-em"
BACKUP_FOLDER = re.compile(re.escape(CERTS_FOLDER) + r"\\backup-\d{8}-\d{6}")


def cert_set(ca_name: str, em_name: str, **em_dates: t.Any) -> dict[str, bytes]:
    """A default CertsInfo set as the EM installer makes it: a local CA and an EM certificate it signed."""
    ca = certs.make_ca(ca_name)
    em = certs.issue(ca, em_name, **em_dates)
    return {CA_CERT: ca.cert_pem, CA_KEY: ca.key_pem, EM_CERT: em.cert_pem, EM_KEY: em.key_pem}


def in_certs(files: dict[str, bytes]) -> dict[str, bytes]:
    return {f"{CERTS_FOLDER}\\{name}": content for name, content in files.items()}


@pytest.fixture(scope="module")
def old_set() -> dict[str, bytes]:
    """The old EM's set: what must arrive on the new EM."""
    return cert_set("Threat Prevention CA", "OLD-EM")


@pytest.fixture(scope="module")
def new_set() -> dict[str, bytes]:
    """The set the new EM's installer made for itself, which the migration replaces."""
    return cert_set("Threat Prevention CA", "NEW-EM")


@pytest.fixture
def old_em(peers: dict[str, FakeWindows], old_set: dict[str, bytes]) -> FakeWindows:
    """The old EM: running, its CertsInfo holding the default set."""
    host = FakeWindows()
    host.install_em(state="started")
    host.files.update(in_certs(old_set))
    peers[OLD] = host
    return host


@pytest.fixture
def new_em(windows: FakeWindows, new_set: dict[str, bytes]) -> FakeWindows:
    """The new EM: installed against the same databases, stopped, with its own installer-made set."""
    windows.install_em(state="stopped")
    windows.files.update(in_certs(new_set))
    return windows


@pytest.fixture
def tp_certs(run_action: RunAction, old_em: FakeWindows, new_em: FakeWindows) -> Run:
    """Run tp_certs on the new EM from the old one; fail the test if the result shows any PEM content."""

    def run(args: dict[str, t.Any] | None = None, **kwargs: t.Any) -> dict[str, t.Any]:
        pems = {content for host in (old_em, new_em) for path, content in host.files.items() if path.endswith(".pem")}
        result = run_action(ActionModule, {"source_host": OLD, **(args or {})}, host_name=NEW, **kwargs)
        assert not [piece for pem in pems for piece in shown(result, pem)], "certificate or key material in the result"
        assert "-----BEGIN" not in json.dumps(result)
        return result

    return run


def test_a_default_set_is_validated_written_file_by_file_and_verified(tp_certs: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                                      old_set: dict[str, bytes], new_set: dict[str, bytes]) -> None:
    """Read on the old EM, four guarded replaces (keys as SecureStrings) with backups, then one read-back."""
    result = tp_certs()
    assert not result.get("failed") and result["changed"] is True, result.get("msg")
    assert old_em.kinds() == ["win_service_info", "read_files"] and old_em.writes() == []
    assert new_em.kinds() == ["win_service_info", "read_files", *["replace_file"] * 4, "read_files"]
    assert [call["IncludeContent"] for call in new_em.args_of("read_files")] == [False, False], "new EM keys never leave it"
    backup_folder = result["backup_folder"]
    assert BACKUP_FOLDER.fullmatch(backup_folder), backup_folder
    for name, params, sensitive in zip(DEFAULT_SET, new_em.args_of("replace_file"), new_em.sensitive_of("replace_file")):
        path = f"{CERTS_FOLDER}\\{name}"
        assert (params["Path"], params["ExpectedSha256"], params["Sha256"]) == (path, sha256(new_set[name]), sha256(old_set[name]))
        assert params["BackupPath"] == f"{backup_folder}\\{name}" and new_em.files[params["BackupPath"]] == new_set[name]
        if name.endswith("-key.pem"):
            assert "ContentBase64" not in params and list(sensitive) == ["SecretContentBase64"]
            assert base64.b64decode(sensitive["SecretContentBase64"]) == old_set[name]
        else:
            assert sensitive == {} and base64.b64decode(params["ContentBase64"]) == old_set[name]
        assert new_em.files[path] == old_set[name]
    assert [(row["name"], row["action"], row["sha256"], row["previous_sha256"]) for row in result["files"]] == [
        (name, "replace", sha256(old_set[name]), sha256(new_set[name])) for name in DEFAULT_SET]
    assert [fact["name"] for fact in result["certificates"]] == [CA_CERT, EM_CERT]
    assert result["customer_supplied"] is False and result["warnings"] == []
    assert (result["source_folder"], result["folder"]) == (CERTS_FOLDER, CERTS_FOLDER)


def test_a_second_run_changes_nothing_and_writes_nothing(tp_certs: Run, new_em: FakeWindows) -> None:
    """Same digests on both sides: no replace call, changed false, every file unchanged (idempotence)."""
    tp_certs()
    new_em.calls.clear()
    again = tp_certs(diff=True)
    assert again["changed"] is False and not again.get("failed")
    assert new_em.kinds() == ["win_service_info", "read_files"]
    assert {row["action"] for row in again["files"]} == {"unchanged"} and "diff" not in again
    assert again["backup_folder"] is None


def test_check_mode_writes_nothing_and_reports_each_files_action(tp_certs: Run, new_em: FakeWindows) -> None:
    """Check mode predicts changed=True with per-file actions (replace, create) and leaves the new EM as it was."""
    del new_em.files[f"{CERTS_FOLDER}\\{CA_KEY}"]
    before = dict(new_em.files)
    result = tp_certs(check_mode=True)
    assert result["changed"] is True and not result.get("failed")
    assert [row["action"] for row in result["files"]] == ["replace", "create", "replace", "replace"]
    assert new_em.writes() == [] and new_em.files == before and result["backup_folder"] is None


@pytest.mark.parametrize("check_mode", [False, True])
def test_diff_shows_names_and_digests_only(tp_certs: Run, old_set: dict[str, bytes], new_set: dict[str, bytes],
                                           new_em: FakeWindows, check_mode: bool) -> None:
    """--diff lists each file with 'sha256:<digest>' (or '(absent)'), never a line of the files themselves."""
    del new_em.files[f"{CERTS_FOLDER}\\{EM_KEY}"]
    result = tp_certs(diff=True, check_mode=check_mode)
    diff = result["diff"]
    assert diff["before_header"] == diff["after_header"] == CERTS_FOLDER
    assert diff["before"] == "".join(f"{name}  sha256:{sha256(new_set[name])}\n" for name in (CA_CERT, CA_KEY, EM_CERT)) \
        + f"{EM_KEY}  (absent)\n"
    assert diff["after"] == "".join(f"{name}  sha256:{sha256(old_set[name])}\n" for name in DEFAULT_SET)


def test_customer_supplied_certificates_stop_before_the_new_em_is_touched(tp_certs: Run, old_em: FakeWindows,
                                                                          new_em: FakeWindows) -> None:
    """No Ca-key.pem on the old EM: failed, customer_supplied true, and not one call on the new EM."""
    del old_em.files[f"{CERTS_FOLDER}\\{CA_KEY}"]
    before = dict(new_em.files)
    result = tp_certs()
    assert result["failed"] is True and result["customer_supplied"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{OLD}: {CERTS_FOLDER}: ") and "customer-supplied" in result["msg"]
    assert new_em.calls == [] and new_em.files == before


@pytest.mark.parametrize(("name", "spoil", "says"), [
    (EM_KEY, "another-key", "Em-key.pem does not match Em-crt.pem"),
    (EM_CERT, "missing", "Em-crt.pem is missing from CertsInfo on the old EM"),
    (CA_CERT, "missing", "Ca-crt.pem is missing from CertsInfo on the old EM"),
], ids=["mismatched-em-key", "missing-em-crt", "missing-ca-crt"])
def test_a_bad_set_fails_naming_the_old_em_and_the_file_with_nothing_written(
        tp_certs: Run, old_em: FakeWindows, new_em: FakeWindows, new_set: dict[str, bytes], name: str, spoil: str,
        says: str) -> None:
    """A key that is not its certificate's, or a missing PEM, is refused up front; the new EM is not written."""
    path = f"{CERTS_FOLDER}\\{name}"
    if spoil == "missing":
        del old_em.files[path]
    else:
        old_em.files[path] = new_set[EM_KEY]
    before = dict(new_em.files)
    result = tp_certs()
    assert result["failed"] is True and result["customer_supplied"] is False and result["changed"] is False
    assert result["msg"].startswith(f"{OLD}: {CERTS_FOLDER}: ") and says in result["msg"]
    assert "Nothing was copied or changed" in result["msg"]
    assert new_em.writes() == [] and new_em.files == before


def test_a_running_new_em_is_refused_with_nothing_written(tp_certs: Run, new_em: FakeWindows) -> None:
    """require_stopped (the default): a running new EM fails with 'stop it', changed false, and nothing written."""
    new_em.services["sienterprisemanager"].state = "started"
    before = dict(new_em.files)
    result = tp_certs()
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(f"{NEW}: ") and "is started; stop it" in result["msg"] and "Nothing was changed" in result["msg"]
    assert new_em.writes() == [] and new_em.files == before


def test_a_running_new_em_is_not_a_failure_in_check_mode(tp_certs: Run, new_em: FakeWindows) -> None:
    """Check mode predicts the change (the run would stop the EM first) and writes nothing."""
    new_em.services["sienterprisemanager"].state = "started"
    before = dict(new_em.files)
    predicted = tp_certs(check_mode=True)
    assert not predicted.get("failed") and predicted["changed"] is True
    assert new_em.writes() == [] and new_em.files == before


def test_require_stopped_false_writes_to_a_running_em(tp_certs: Run, new_em: FakeWindows, old_set: dict[str, bytes]) -> None:
    """With require_stopped=false the running state is no obstacle."""
    new_em.services["sienterprisemanager"].state = "started"
    result = tp_certs({"require_stopped": False})
    assert result["changed"] is True and not result.get("failed")
    assert new_em.files[f"{CERTS_FOLDER}\\{EM_KEY}"] == old_set[EM_KEY]


@pytest.mark.parametrize("state", ["stopped", "started"])
def test_validate_only_never_writes(tp_certs: Run, new_em: FakeWindows, state: str) -> None:
    """validate_only reads, validates and plans (actions 'replace') but reports no change and writes nothing."""
    new_em.services["sienterprisemanager"].state = state
    before = dict(new_em.files)
    result = tp_certs({"validate_only": True}, diff=True)
    assert not result.get("failed") and result["changed"] is False and "diff" not in result
    assert {row["action"] for row in result["files"]} == {"replace"}
    assert new_em.writes() == [] and new_em.files == before


def test_a_write_failing_half_way_names_the_file_and_what_was_replaced_and_a_rerun_finishes(
        tp_certs: Run, new_em: FakeWindows, old_set: dict[str, bytes], new_set: dict[str, bytes]) -> None:
    """The 3rd replace fails: changed, the message names Em-crt.pem and the two files already replaced; a re-run completes."""
    locked = f"{CERTS_FOLDER}\\{EM_CERT}"
    new_em.refuse_writes[locked] = "The process cannot access the file because it is being used by another process."
    result = tp_certs()
    assert result["failed"] is True and result["changed"] is True
    assert "being used by another process" in result["msg"]
    assert f"While writing {EM_CERT} (already replaced: {CA_CERT}, {CA_KEY})" in result["msg"]
    assert BACKUP_FOLDER.fullmatch(result["backup_folder"])
    assert new_em.kinds() == ["win_service_info", "read_files", "replace_file", "replace_file", "replace_file"]
    assert [new_em.files[f"{CERTS_FOLDER}\\{name}"] for name in DEFAULT_SET] == [
        old_set[CA_CERT], old_set[CA_KEY], new_set[EM_CERT], new_set[EM_KEY]]
    del new_em.refuse_writes[locked]
    new_em.calls.clear()
    rerun = tp_certs()
    assert rerun["changed"] is True and not rerun.get("failed")
    assert [params["Path"] for params in new_em.args_of("replace_file")] == [locked, f"{CERTS_FOLDER}\\{EM_KEY}"]
    assert all(new_em.files[f"{CERTS_FOLDER}\\{name}"] == old_set[name] for name in DEFAULT_SET)


def test_a_first_write_failing_reports_no_change(tp_certs: Run, new_em: FakeWindows) -> None:
    """When nothing could be replaced the task failed without changing anything ('already replaced: none')."""
    new_em.refuse_writes[f"{CERTS_FOLDER}\\{CA_CERT}"] = "Access to the path is denied."
    result = tp_certs()
    assert result["failed"] is True and result["changed"] is False and "(already replaced: none)" in result["msg"]


def test_a_file_that_does_not_read_back_as_written_fails_verification(tp_certs: Run, new_em: FakeWindows) -> None:
    """Something else writes Em-key.pem just after the replace: the read-back names it and the task fails, changed."""
    new_em.overwrite_after_write[f"{CERTS_FOLDER}\\{EM_KEY}"] = b"written by another process\r\n"
    result = tp_certs()
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(f"{NEW}: after writing, {EM_KEY} in {CERTS_FOLDER} do not match the old EM's files")


def test_names_match_case_insensitively_on_both_hosts(tp_certs: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                      old_set: dict[str, bytes]) -> None:
    """CA-CRT.pem on the old EM is Ca-crt.pem; ca-key.pem on the new EM is replaced in place, not doubled."""
    old_em.files[f"{CERTS_FOLDER}\\CA-CRT.pem"] = old_em.files.pop(f"{CERTS_FOLDER}\\{CA_CERT}")
    new_em.files[f"{CERTS_FOLDER}\\ca-key.pem"] = new_em.files.pop(f"{CERTS_FOLDER}\\{CA_KEY}")
    result = tp_certs()
    assert not result.get("failed") and result["changed"] is True, result.get("msg")
    assert new_em.args_of("replace_file")[1]["Path"] == f"{CERTS_FOLDER}\\ca-key.pem"
    assert new_em.files[f"{CERTS_FOLDER}\\ca-key.pem"] == old_set[CA_KEY]
    assert f"{CERTS_FOLDER}\\{CA_KEY}" not in new_em.files
    assert new_em.files[f"{CERTS_FOLDER}\\{CA_CERT}"] == old_set[CA_CERT]


def test_files_missing_on_the_new_em_are_created_without_a_backup(tp_certs: Run, new_em: FakeWindows,
                                                                  old_set: dict[str, bytes]) -> None:
    """A file the new EM lacks is created: ExpectedSha256 empty (it must not appear meanwhile), no BackupPath."""
    del new_em.files[f"{CERTS_FOLDER}\\{EM_KEY}"]
    result = tp_certs()
    create = new_em.args_of("replace_file")[3]
    assert (create["ExpectedSha256"], create["BackupPath"]) == ("", "")
    assert result["files"][3]["action"] == "create" and new_em.files[f"{CERTS_FOLDER}\\{EM_KEY}"] == old_set[EM_KEY]


def test_backup_false_keeps_no_backup(tp_certs: Run, new_em: FakeWindows) -> None:
    """backup=false: empty BackupPath on every replace and backup_folder null."""
    result = tp_certs({"backup": False})
    assert {params["BackupPath"] for params in new_em.args_of("replace_file")} == {""}
    assert result["backup_folder"] is None and not any("backup-" in path for path in new_em.files)


def test_explicit_folders_skip_the_service_lookup_on_the_old_em(tp_certs: Run, old_em: FakeWindows, new_em: FakeWindows,
                                                                old_set: dict[str, bytes]) -> None:
    """source_folder is read as given (no win_service_info on the old EM); folder is where the files go."""
    elsewhere, target = r"D:\TP\CertsInfo", r"D:\NewTP\CertsInfo"
    old_em.files.update({f"{elsewhere}\\{name}": content for name, content in old_set.items()})
    result = tp_certs({"source_folder": elsewhere, "folder": target})
    assert old_em.kinds() == ["read_files"] and old_em.args_of("read_files")[0]["Folder"] == elsewhere
    assert {row["action"] for row in result["files"]} == {"create"}
    assert all(new_em.files[f"{target}\\{name}"] == old_set[name] for name in DEFAULT_SET)


def test_a_certificate_about_to_expire_is_moved_with_a_warning(tp_certs: Run, old_em: FakeWindows) -> None:
    """Not fatal, but the user is told: a warning names Em-crt.pem and its expiry."""
    old_em.files.update(in_certs(cert_set("Threat Prevention CA", "OLD-EM", days=10,
                                          not_before=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))))
    result = tp_certs()
    assert not result.get("failed") and result["changed"] is True
    assert len(result["warnings"]) == 1 and result["warnings"][0].startswith(f"{EM_CERT} expires on ")


def test_an_old_em_that_is_not_in_the_inventory_fails_naming_it(tp_certs: Run, new_em: FakeWindows) -> None:
    """source_host must be an inventory host; nothing is done on the new EM."""
    result = tp_certs({"source_host": "old-em.typo"})
    assert result["failed"] is True and "'old-em.typo' is not a host of this inventory" in result["msg"]
    assert new_em.calls == []


def test_a_new_em_running_from_outside_program_files_gets_no_keys_unless_the_folder_is_given(
        tp_certs: Run, new_em: FakeWindows) -> None:
    """A service path anyone could have set (C:\\Users\\Public\\...) is no reason to write private keys there."""
    new_em.services["sienterprisemanager"].path = '"C:\\Users\\Public\\evil\\SIEnterpriseManager.exe"'
    result = tp_certs()
    assert result["failed"] is True and new_em.writes() == []
    assert result["msg"].startswith(f"{NEW}: the Enterprise Manager service runs from C:\\Users\\Public\\evil, outside Program Files")
    assert "confirm it with the option folder" in result["msg"] and "Nothing was changed" in result["msg"]
    confirmed = tp_certs({"folder": "C:\\Users\\Public\\evil\\CertsInfo"})
    assert not confirmed.get("failed") and confirmed["folder"] == "C:\\Users\\Public\\evil\\CertsInfo"


def test_the_preflight_proves_the_atomic_replace_in_the_new_ems_certsinfo(tp_certs: Run, new_em: FakeWindows) -> None:
    """validate_only on a real run asks the same read for the self-test; a failure stops before anything changes."""
    assert tp_certs({"validate_only": True}).get("failed") is not True
    assert new_em.args_of("read_files")[-1]["SelfTest"] is True
    new_em.self_test_failure = {"ok": False, "folder": CERTS_FOLDER, "step": "replace it keeping a backup",
                                "error": "Access to the path is denied", "left": []}
    before = dict(new_em.files)
    result = tp_certs({"validate_only": True})
    assert result["failed"] is True and result["changed"] is False and new_em.files == before
    assert result["msg"].startswith(f"{NEW}: the atomic replace that writes the certificate files in {CERTS_FOLDER} does not work")
    assert "'replace it keeping a backup' failed: Access to the path is denied." in result["msg"]


def test_every_run_sweeps_what_an_interrupted_write_left_in_certsinfo(tp_certs: Run, new_em: FakeWindows) -> None:
    cut = f"{CERTS_FOLDER}\\.Em-key.pem.0a1b2c3d.tmp"
    new_em.stale[CERTS_FOLDER] = [cut]
    result = tp_certs()
    assert result["removed_temporary_files"] == [cut]
    assert not any(args.get("SelfTest") for args in new_em.args_of("read_files")), "only the preflight runs the self-test"
