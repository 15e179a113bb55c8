# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_agent_config end to end: read once, write only what changes, restart, and undo a failed restart."""

from __future__ import annotations

import base64
import difflib
import hashlib
import ntpath
import typing as t

import pytest

from tplab import certs

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_agent_config import ActionModule

from fake_host import EM_FOLDER, FakeWindows

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with task args and run_action keywords

AGENT_PATH = r'"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe"'
CONFIG = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe.config"
TEMPLATE = ('<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n  <appSettings>\r\n'
            '    <add key="managerAddress" value="{address}" />\r\n    <add key="dnsLookups" value="true" />\r\n'
            '  </appSettings>\r\n</configuration>\r\n')
OLD = "old-em.corp.example:3741"
NEW = "new-em.corp.example:3741"


def config(address: str = OLD, *, bom: bytes = b"\xef\xbb\xbf", encoding: str = "utf-8") -> bytes:
    """The agent config naming ``address``; a UTF-16 file declares itself utf-16, as .NET requires."""
    text = TEMPLATE.format(address=address)
    if encoding.startswith("utf-16"):
        text = text.replace('encoding="utf-8"', 'encoding="utf-16"')
    return bom + text.encode(encoding)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


AGENT_CA = ntpath.join(ntpath.dirname(CONFIG), "CertsInfo", "ca-crt.pem")
EM_CA = EM_FOLDER + r"\CertsInfo\Ca-crt.pem"
NEW_EM_ADDRESSES = ["10.0.0.11", "fd00::11"]
DNS = {"new-em.corp.example": ["10.0.0.11"], "new-em": ["10.0.0.11"], "old-em.corp.example": ["10.0.0.10"]}


@pytest.fixture(scope="module")
def ca_pem() -> bytes:
    """The CA that signed the agents' certificates (the old EM's, moved to the new one by tp_certs)."""
    return certs.make_ca("Threat Prevention CA").cert_pem


@pytest.fixture
def host(windows: FakeWindows, ca_pem: bytes) -> FakeWindows:
    """A running agent whose config file points at the old EM; it trusts the migrated CA."""
    windows.add_service("SIWindowsAgent", AGENT_PATH)
    windows.files[CONFIG] = config()
    windows.files[AGENT_CA] = ca_pem
    windows.dns = dict(DNS)
    return windows


@pytest.fixture
def new_em(peers: dict[str, FakeWindows], ca_pem: bytes) -> FakeWindows:
    """The new EM (inventory host new-em): running, listening on 3741 and 3740, holding the agents' CA."""
    em = FakeWindows()
    em.install_em()
    em.listening = {3741, 3740}
    em.files[EM_CA] = ca_pem
    em.addresses = list(NEW_EM_ADDRESSES)
    peers["new-em"] = em
    return em


@pytest.fixture
def repoint(run_action: RunAction, host: FakeWindows, new_em: FakeWindows) -> Run:
    """Run tp_agent_config against ``host``, pointing at the proven EM new-em unless the args say otherwise."""
    del host, new_em
    return lambda args, **kwargs: run_action(ActionModule, {"em_host": "new-em", **args}, **kwargs)


def test_already_pointing_costs_one_call(repoint: Run, host: FakeWindows) -> None:
    """An agent that already names the EM is read once and left alone."""
    host.files[CONFIG] = config(NEW)
    result = repoint({"manager_address": "new-em.corp.example"})
    assert host.kinds() == ["read_program_config"]
    assert host.args_of("read_program_config") == [{"ServiceName": "SIWindowsAgent", "ConfigPath": "", "ConfigSuffix": ".config",
                                                    "RecordSuffix": ".tp-written.json", "MaxBytes": 1048576,
                                                    "CompanionFile": "CertsInfo\\ca-crt.pem",
                                                    "ResolveName": "new-em.corp.example"}]
    assert result["changed"] is False and result["previous_address"] == result["address"] == NEW
    assert (result["path"], result["restarted"], result["backup_file"]) == (CONFIG, False, None)


def test_change_writes_with_backup_then_restarts(repoint: Run, host: FakeWindows) -> None:
    """Read, then replace (guarded by the sha read, backup beside the file) and restart in one call: one value moved."""
    original = host.files[CONFIG]
    result = repoint({"manager_address": "new-em.corp.example"})
    assert host.kinds() == ["read_program_config", "replace_file"]
    (write,) = host.args_of("replace_file")
    assert write["Path"] == CONFIG and write["ExpectedSha256"] == sha(original)
    assert (write["RestartService"], write["ServiceState"]) == ("SIWindowsAgent", "started")
    assert base64.b64decode(write["ContentBase64"]) == config(NEW) and write["Sha256"] == sha(config(NEW))
    backup = write["BackupPath"]
    assert backup.startswith(CONFIG + ".") and backup.endswith(".bak") and ntpath.dirname(backup) == ntpath.dirname(CONFIG)
    assert host.files[CONFIG] == config(NEW) and host.files[backup] == original
    assert result["changed"] is True and not result.get("failed")
    assert (result["previous_address"], result["address"], result["backup_file"], result["restarted"]) == (OLD, NEW, backup, True)
    assert result["encoding"] == "utf-8 with BOM"


def test_backup_false_keeps_no_backup(repoint: Run, host: FakeWindows) -> None:
    """backup=false sends an empty BackupPath and returns backup_file null."""
    result = repoint({"manager_address": NEW, "backup": False})
    assert host.args_of("replace_file")[0]["BackupPath"] == "" and result["backup_file"] is None


@pytest.mark.parametrize(("current", "wanted"), [
    ("NEW-EM:3741", "new-em:3741"),
    ("[FD00:0::11]:3741", "[fd00::11]:3741"),
    ("new-em.corp.example.:3741", "NEW-EM.corp.example:3741"),
    ("NEW-EM:3741", "new-em"),
], ids=["case", "ipv6-by-value", "trailing-dot-and-case", "case-without-port"])
def test_same_endpoint_spelled_differently_is_not_a_change(repoint: Run, host: FakeWindows,
                                                           current: str, wanted: str) -> None:
    """Host case, IPv6 spelling and a defaulted port do not make a write (no churn across runs)."""
    host.files[CONFIG] = config(current)
    result = repoint({"manager_address": wanted})
    assert host.kinds() == ["read_program_config"]
    assert result["changed"] is False and result["address"] == current


@pytest.mark.parametrize("wanted", ["new-em", "new-em:3741"])
def test_host_only_value_in_the_file_is_a_change(repoint: Run, host: FakeWindows, wanted: str) -> None:
    """A file value without a port is rewritten as host:port, the form agents are documented to need."""
    host.files[CONFIG] = config("new-em")
    result = repoint({"manager_address": wanted})
    assert result["changed"] is True and result["address"] == "new-em:3741"
    assert host.files[CONFIG] == config("new-em:3741")


def test_check_mode_reads_once_and_predicts(repoint: Run, host: FakeWindows) -> None:
    """Check mode: one read, changed=True, the restart it would do, nothing written."""
    original = host.files[CONFIG]
    result = repoint({"manager_address": NEW}, check_mode=True)
    assert host.kinds() == ["read_program_config"]
    assert result["changed"] is True and result["restarted"] is True and result["backup_file"] is None
    assert result["address"] == NEW and host.files[CONFIG] == original


def test_diff_is_the_decoded_file_with_only_the_value_changed(repoint: Run, host: FakeWindows) -> None:
    """The diff shows text (BOM decoded away) and the only differing line is the managerAddress one."""
    result = repoint({"manager_address": NEW}, diff=True, check_mode=True)
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before == TEMPLATE.format(address=OLD) and after == TEMPLATE.format(address=NEW)
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert changed == [f'-     <add key="managerAddress" value="{OLD}" />', f'+     <add key="managerAddress" value="{NEW}" />']
    assert result["diff"]["before_header"] == CONFIG


def test_stopped_agent_is_written_and_started(repoint: Run, host: FakeWindows) -> None:
    """A stopped (not disabled) agent is started after the write, so that it registers with the new EM."""
    host.services["siwindowsagent"].state = "stopped"
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config", "replace_file"]
    assert host.args_of("replace_file")[0]["ServiceState"] == "stopped"
    assert result["changed"] is True and result["restarted"] is True and "warnings" not in result
    assert result["service_state"] == "stopped" and host.services["siwindowsagent"].state == "started"


def test_disabled_agent_is_written_not_started_and_warned(repoint: Run, host: FakeWindows) -> None:
    """A disabled, stopped agent is left alone (no win_service call); a warning says when it will read the address."""
    host.services["siwindowsagent"].start_mode = "disabled"
    host.services["siwindowsagent"].state = "stopped"
    checked = repoint({"manager_address": NEW}, check_mode=True)
    assert checked["warnings"] == ["agent01: service 'SIWindowsAgent' is disabled, so a run will not restart it: while "
                                   "it runs it still uses the address it read when it started. Enable and restart it "
                                   "to use the new one."]
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config", "read_program_config", "replace_file"]
    assert "RestartService" not in host.args_of("replace_file")[0]
    assert result["changed"] is True and result["restarted"] is False and host.files[CONFIG] == config(NEW)
    assert result["warnings"][0].startswith("agent01: service 'SIWindowsAgent' is disabled, so it was not restarted: ")


def test_restart_false_writes_only(repoint: Run, host: FakeWindows) -> None:
    """restart=false writes the file and does not touch the (running) service, without a warning."""
    result = repoint({"manager_address": NEW, "restart": False})
    assert host.kinds() == ["read_program_config", "replace_file"]
    assert result["restarted"] is False and "warnings" not in result


def test_hardened_running_agent_is_refused_before_writing(repoint: Run, host: FakeWindows) -> None:
    """A hardened agent cannot be restarted, so the file is not touched and the message says Soften."""
    host.services["siwindowsagent"].hardened = True
    original = host.files[CONFIG]
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config"] and host.files[CONFIG] == original
    assert result["failed"] is True and result["hardened"] is True
    assert "Soften" in result["msg"] and "Nothing was changed" in result["msg"]


def test_failed_restart_puts_the_previous_file_back(repoint: Run, host: FakeWindows) -> None:
    """A restart that fails restores the original bytes and starts the agent on them, in the same call as the write."""
    host.services["siwindowsagent"].refuse["restarted"] = "Service 'SIWindowsAgent' did not start: error 1053"
    original = host.files[CONFIG]
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config", "replace_file"]
    (write,) = host.args_of("replace_file")
    assert host.files[CONFIG] == original and host.services["siwindowsagent"].state == "started"
    assert result["failed"] is True and "error 1053" in result["msg"]
    assert "was put back" in result["msg"] and "started again on the previous address" in result["msg"]
    assert result["backup_file"] == write["BackupPath"]


def test_failed_restart_and_failed_start_both_reported(repoint: Run, host: FakeWindows) -> None:
    """When the service will not start on the old file either, the message says that too."""
    service = host.services["siwindowsagent"]
    service.refuse.update(restarted="error 1053", started="error 1067")
    result = repoint({"manager_address": NEW})
    assert host.files[CONFIG] == config(OLD)
    assert result["failed"] is True and "was put back" in result["msg"]
    assert "starting it on the previous address failed too (error 1067)" in result["msg"]
    assert host.services["siwindowsagent"].state == "stopped"


@pytest.mark.parametrize("content", [
    b"<configuration><appSettings><add key='managerAddress' value='x:1'/></appSettings>",
    b"<!DOCTYPE configuration [<!ENTITY e 'x'>]><configuration><appSettings>"
    b"<add key='managerAddress' value='&e;'/></appSettings></configuration>",
    b"<configuration><appSettings><add key='managerAddress' value='a:1'/>"
    b"<add key='MANAGERADDRESS' value='b:1'/></appSettings></configuration>",
], ids=["malformed", "dtd", "duplicate-key"])
def test_unsafe_file_is_refused_unchanged(repoint: Run, host: FakeWindows, content: bytes) -> None:
    """A file the editor refuses is not written; the message names host and path and says nothing changed."""
    host.files[CONFIG] = content
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config"] and host.files[CONFIG] == content
    assert result["failed"] is True and result["msg"].startswith(f"agent01: {CONFIG}: ")
    assert "Nothing was changed" in result["msg"]


@pytest.mark.parametrize("address", [
    "a b", "host:99999", "host:0", "[fd00::10", "",
    "host:\u00b2",
])
def test_bad_address_fails_before_any_remote_call(repoint: Run, host: FakeWindows, address: str) -> None:
    """An address that is not host[:port] fails naming the option, and the host is never contacted."""
    result = repoint({"manager_address": address})
    assert host.calls == []
    assert result["failed"] is True and "option manager_address" in result["msg"] and "Nothing was changed" in result["msg"]


def test_missing_service_without_path_fails(repoint: Run, host: FakeWindows) -> None:
    """Without the service there is nowhere to look for the file, and the message says what to set."""
    host.services.clear()
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config"]
    assert result["failed"] is True and result["exists"] is False
    assert "'SIWindowsAgent' is not installed" in result["msg"] and "path" in result["msg"]


def test_missing_config_file_fails(repoint: Run, host: FakeWindows) -> None:
    """A service whose config file is gone fails naming the file it looked for."""
    del host.files[CONFIG]
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config"]
    assert result["failed"] is True and f"{CONFIG} does not exist" in result["msg"] and result["path"] == CONFIG


def test_explicit_path_is_read_and_written(repoint: Run, host: FakeWindows) -> None:
    """path= goes to the read script as ConfigPath and is the file written, even with no such service."""
    other = r"D:\myagent\SIWindowsAgent.exe.config"
    host.files[other] = config()
    host.files[r"D:\myagent\CertsInfo\ca-crt.pem"] = host.files[AGENT_CA]
    result = repoint({"manager_address": NEW, "path": other, "service_name": "NoSuchService"})
    assert host.args_of("read_program_config")[0]["ConfigPath"] == other
    assert host.kinds() == ["read_program_config", "replace_file"]
    assert host.files[other] == config(NEW) and host.files[CONFIG] == config(OLD)
    assert result["path"] == other and result["restarted"] is False and "warnings" not in result


def test_utf16_file_round_trips_as_utf16_with_bom(repoint: Run, host: FakeWindows) -> None:
    """A UTF-16 LE file with BOM is written back as UTF-16 LE with BOM, differing only in the value."""
    original = config(bom=b"\xff\xfe", encoding="utf-16-le")
    host.files[CONFIG] = original
    result = repoint({"manager_address": NEW})
    written = base64.b64decode(host.args_of("replace_file")[0]["ContentBase64"])
    assert written == config(NEW, bom=b"\xff\xfe", encoding="utf-16-le")
    assert written[:2] == b"\xff\xfe" and f'value="{NEW}"' in written[2:].decode("utf-16-le")
    assert result["encoding"] == "utf-16-le with BOM"


@pytest.mark.parametrize("add_if_missing", [False, True])
def test_missing_key_is_added_only_when_asked(repoint: Run, host: FakeWindows, add_if_missing: bool) -> None:
    """add_if_missing reaches the editor: refused without it, inserted with it."""
    host.files[CONFIG] = config().replace(f'    <add key="managerAddress" value="{OLD}" />\r\n'.encode(), b"")
    result = repoint({"manager_address": NEW, "add_if_missing": add_if_missing})
    assert bool(result.get("failed")) is not add_if_missing
    if add_if_missing:
        assert result["previous_address"] is None and f'value="{NEW}"'.encode() in host.files[CONFIG]


def test_delegated_task_names_both_hosts(repoint: Run, host: FakeWindows) -> None:
    """Delegated to new-em for agent01, the message says 'new-em (for agent01)'."""
    host.services["siwindowsagent"].hardened = True
    result = repoint({"manager_address": NEW}, delegate_to="new-em")
    assert result["failed"] is True and result["msg"].startswith("new-em (for agent01): ")


def test_a_file_written_after_the_agent_started_gets_the_restart_it_missed(repoint: Run, host: FakeWindows) -> None:
    """An interrupted run (written, not restarted) is finished by the next: restart only, no write."""
    host.files[CONFIG] = config(NEW)
    host.written_at[CONFIG] = host.services["siwindowsagent"].started_ms + 5
    result = repoint({"manager_address": "new-em.corp.example"})
    assert host.kinds() == ["read_program_config", "win_service"]
    assert result["changed"] is True and result["pending_restart"] is True and result["restarted"] is True
    assert result["backup_file"] is None and host.files[CONFIG] == config(NEW)
    again = repoint({"manager_address": "new-em.corp.example"})
    assert again["changed"] is False and again["pending_restart"] is False, "the restart must settle it"


def test_a_pending_restart_is_only_predicted_in_check_mode_and_off_with_restart_false(repoint: Run, host: FakeWindows) -> None:
    host.files[CONFIG] = config(NEW)
    host.written_at[CONFIG] = host.services["siwindowsagent"].started_ms + 5
    predicted = repoint({"manager_address": "new-em.corp.example"}, check_mode=True)
    assert predicted["changed"] is True and predicted["restarted"] is True and host.kinds() == ["read_program_config"]
    untouched = repoint({"manager_address": "new-em.corp.example", "restart": False})
    assert untouched["changed"] is False and "win_service" not in host.kinds()


def test_a_failed_restart_reports_changed_because_the_host_was_touched(repoint: Run, host: FakeWindows) -> None:
    """The file was written and restored and the service restarted: changed, even though the task failed."""
    host.services["siwindowsagent"].refuse["restarted"] = "Service 'X (SIWindowsAgent)' cannot be started."
    result = repoint({"manager_address": "new-em.corp.example"})
    assert result["failed"] is True and result["changed"] is True
    assert "cannot be started. The previous" in result["msg"] and ".." not in result["msg"]


RECORD = CONFIG + ".tp-written.json"


def test_a_write_is_recorded_beside_the_file(repoint: Run, host: FakeWindows) -> None:
    """tp_agent_config asks replace_file.ps1 to record what it wrote; the restore after a failed restart too."""
    repoint({"manager_address": NEW})
    assert host.args_of("replace_file")[0]["RecordPath"] == RECORD
    assert host.files[RECORD] and sha(config(NEW)) in host.files[RECORD].decode()


def test_an_agent_that_rewrites_its_own_config_is_not_restarted_on_every_run(repoint: Run, host: FakeWindows) -> None:
    """The file is newer than the process, but it is not what the collection wrote: nothing is left to read."""
    repoint({"manager_address": NEW})
    rewritten = config(NEW).replace(b"</configuration>", b"<!-- saved by the agent --></configuration>")
    host.files[CONFIG], host.written_at[CONFIG] = rewritten, host.tick()
    for _attempt in range(2):
        again = repoint({"manager_address": NEW})
        assert again["changed"] is False and again["pending_restart"] is False
    assert host.kinds().count("replace_file") == 1 and "win_service" not in host.kinds(), (
        "restarted only by the run that wrote the file (in its write)")


def test_an_interrupted_run_with_a_record_is_still_finished(repoint: Run, host: FakeWindows) -> None:
    """Written and recorded, never restarted (restart=false stands in for the cut): the next run restarts."""
    repoint({"manager_address": NEW, "restart": False})
    assert host.files[CONFIG] == config(NEW) and "win_service" not in host.kinds()
    finished = repoint({"manager_address": NEW})
    assert finished["changed"] is True and finished["pending_restart"] is True and finished["restarted"] is True
    assert host.kinds()[-2:] == ["read_program_config", "win_service"]
    assert repoint({"manager_address": NEW})["changed"] is False


def test_a_record_that_could_not_be_written_is_a_warning(
        repoint: Run, host: FakeWindows, monkeypatch: pytest.MonkeyPatch) -> None:
    original = host._replace_file  # pylint: disable=protected-access

    def without_record(parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        # .NET Framework keeps the CRLF that ends a system message, inside PowerShell's quotes too.
        return {**original(parameters),
                "record_error": 'Exception calling "WriteAllBytes" with "2" argument(s): "There is not enough space on the disk.\r\n"'}

    monkeypatch.setattr(host, "_replace_file", without_record)
    result = repoint({"manager_address": NEW})
    assert result["changed"] is True and not result.get("failed")
    warning = next(warning for warning in result["warnings"] if RECORD in warning)
    assert 'not enough space on the disk. "' in warning and "\r" not in warning and "\n" not in warning


def test_preflight_changes_nothing_reports_would_change_and_proves_the_replace(repoint: Run, host: FakeWindows) -> None:
    """One call, SelfTest asked for, no write and no restart; changed stays false, would_change says what a run does."""
    original = host.files[CONFIG]
    result = repoint({"manager_address": NEW, "preflight": True})
    assert host.kinds() == ["read_program_config"] and host.args_of("read_program_config")[0]["SelfTest"] is True
    assert result["changed"] is False and result["would_change"] is True and result["restarted"] is True
    assert host.files[CONFIG] == original and not result.get("failed")
    host.files[CONFIG] = config(NEW)
    settled = repoint({"manager_address": NEW, "preflight": True})
    assert settled["changed"] is False and settled["would_change"] is False


def test_a_preflight_whose_self_test_fails_names_the_host_the_folder_and_what_to_do(repoint: Run, host: FakeWindows) -> None:
    folder = ntpath.dirname(CONFIG)
    host.self_test_failure = {"ok": False, "folder": folder, "step": "replace it keeping a backup", "left": [],
                              "error": "replacing ... failed after 5 attempt(s): Access to the path is denied (Win32 error 5)."}
    result = repoint({"manager_address": NEW, "preflight": True})
    assert result["failed"] is True and host.kinds() == ["read_program_config"]
    message = result["msg"]
    assert message.startswith(f"agent01: the atomic replace that writes {CONFIG} does not work in {folder}: ")
    assert "'replace it keeping a backup' failed" in message and "Win32 error 5" in message
    assert "exclude" in message and "NTFS" in message and "permissions" in message and "nothing was changed" in message


def test_a_preflight_in_check_mode_does_not_self_test(repoint: Run, host: FakeWindows) -> None:
    """Check mode passes -WhatIf, so the script skips the self-test; the controller does not ask for its result."""
    host.self_test_failure = {"ok": False, "folder": "x", "step": "create a scratch file", "error": "boom", "left": []}
    result = repoint({"manager_address": NEW, "preflight": True}, check_mode=True)
    assert not result.get("failed") and result["changed"] is False and result["would_change"] is True


def test_stale_temporary_files_removed_are_reported_but_are_no_change(repoint: Run, host: FakeWindows) -> None:
    stale = ntpath.dirname(CONFIG) + "\\.SIWindowsAgent.exe.config.0badf00d.tmp"
    host.stale[ntpath.dirname(CONFIG)] = [stale]
    host.files[CONFIG] = config(NEW)
    result = repoint({"manager_address": NEW})
    assert result["removed_temporary_files"] == [stale] and result["changed"] is False


def test_an_oversized_config_is_refused(repoint: Run, host: FakeWindows) -> None:
    host.files[CONFIG] = config() + b" " * (1024 * 1024)
    result = repoint({"manager_address": NEW})
    assert result["failed"] is True and "larger than 1048576 bytes" in result["msg"] and "Nothing was changed" in result["msg"]


# ---- the target EM is proven before a write (em_host) ------------------------------------------------------------

def test_a_write_reads_the_new_em_once_and_shows_the_proof(repoint: Run, host: FakeWindows, new_em: FakeWindows) -> None:
    result = repoint({"manager_address": NEW})
    assert new_em.kinds() == ["read_em_state"] and new_em.args_of("read_em_state")[0]["Ports"] == [3740, 3741]
    target = result["target"]
    assert target["em_host"] == "new-em" and target["ca_matches"] is True and target["not_ready"] is None
    assert target["resolved"] == ["10.0.0.11"] and target["service_state"] == "started"
    assert host.files[CONFIG] == config(NEW)


def test_the_agents_of_one_run_share_one_proof(repoint: Run, host: FakeWindows, new_em: FakeWindows) -> None:
    """A second agent in the same run (the same controller temp folder) reuses the proof: one EM call per batch."""
    repoint({"manager_address": NEW})
    host.files[CONFIG] = config(OLD)
    repoint({"manager_address": NEW}, host_name="agent02")
    assert new_em.kinds() == ["read_em_state"]


def test_a_proof_older_than_em_proof_max_age_is_taken_again(repoint: Run, host: FakeWindows, new_em: FakeWindows) -> None:
    repoint({"manager_address": NEW})
    host.files[CONFIG] = config(OLD)
    repoint({"manager_address": NEW, "em_proof_max_age": 0})
    assert new_em.kinds() == ["read_em_state", "read_em_state"]


@pytest.mark.parametrize(("breakage", "reason"), [
    (lambda em: setattr(em.services["sienterprisemanager"], "state", "stopped"), "on new-em is stopped"),
    (lambda em: setattr(em, "listening", {3740}), "nothing listens on port 3741 on new-em"),
    (lambda em: em.files.pop(EM_CA), "holds no usable CA certificate"),
    (lambda em: em.files.update({EM_CA: certs.make_ca("Another CA").cert_pem}), "is not the CA of new-em"),
], ids=["em-stopped", "not-listening", "no-ca", "other-ca"])
def test_an_em_that_cannot_take_the_agent_is_refused_before_any_write(
        repoint: Run, host: FakeWindows, new_em: FakeWindows, breakage: t.Callable[[FakeWindows], t.Any], reason: str) -> None:
    """Reproduction: --start-at-task "Repoint and verify" pointed the canary at a new EM without the certificates."""
    breakage(new_em)
    original = host.files[CONFIG]
    result = repoint({"manager_address": NEW})
    assert result["failed"] is True and reason in result["msg"] and "Nothing was changed" in result["msg"]
    assert result["msg"].startswith("agent01: not pointing the agent at new-em.corp.example:3741 (new-em)")
    assert host.kinds() == ["read_program_config"] and host.files[CONFIG] == original


def test_an_agent_without_its_ca_file_is_refused(repoint: Run, host: FakeWindows) -> None:
    del host.files[AGENT_CA]
    result = repoint({"manager_address": NEW})
    assert result["failed"] is True and f"{AGENT_CA} does not exist" in result["msg"] and host.files[CONFIG] == config(OLD)


@pytest.mark.parametrize(("address", "dns", "expected"), [
    ("old-em.corp.example", {}, "10.0.0.10 is not an address of new-em (10.0.0.11, fd00::11)"),
    ("10.0.0.10", {}, "10.0.0.10 is not an address of new-em"),
    ("gone.corp.example", {}, "does not resolve from this agent (No such host is known)"),
    ("new-em.corp.example", {"new-em.corp.example": ["10.0.0.11", "10.0.0.99"]}, "10.0.0.99 is not an address of new-em"),
], ids=["name-of-the-old-em", "ip-of-the-old-em", "unresolvable", "one-stale-record"])
def test_an_address_that_does_not_lead_to_the_new_em_is_refused_even_in_preflight(
        repoint: Run, host: FakeWindows, address: str, dns: dict[str, list[str]], expected: str) -> None:
    """Checked in the preflight read itself: no extra call on the agent, nothing written, in preflight as on a run."""
    host.dns.update(dns)
    for args in ({"preflight": True}, {}):
        result = repoint({"manager_address": address, **args})
        assert result["failed"] is True and expected in result["msg"], result["msg"]
        assert "option manager_address" in result["msg"] and "Nothing was changed" in result["msg"]
    assert host.kinds() == ["read_program_config", "read_program_config"] and host.files[CONFIG] == config(OLD)


def test_a_preflight_reports_an_em_not_ready_yet_without_failing(repoint: Run, host: FakeWindows, new_em: FakeWindows) -> None:
    """Before vendor step 3 the new EM is stopped and lacks the old CA: the preflight says so, a run would refuse."""
    new_em.services["sienterprisemanager"].state = "stopped"
    new_em.files[EM_CA] = certs.make_ca("New EM's own CA").cert_pem
    result = repoint({"manager_address": NEW, "preflight": True})
    assert not result.get("failed") and result["would_change"] is True
    assert result["target"]["not_ready"] == "the Enterprise Manager service on new-em is stopped"
    assert result["target"]["ca_matches"] is False
    checked = repoint({"manager_address": NEW}, check_mode=True)
    assert not checked.get("failed") and checked["changed"] is True and host.files[CONFIG] == config(OLD)


def test_without_em_host_a_write_is_refused_unless_prove_target_is_off(run_action: RunAction, host: FakeWindows) -> None:
    refused = run_action(ActionModule, {"manager_address": NEW})
    assert refused["failed"] is True and "option em_host" in refused["msg"] and host.files[CONFIG] == config(OLD)
    allowed = run_action(ActionModule, {"manager_address": NEW, "prove_target": False})
    assert allowed["changed"] is True and allowed["target"] is None and host.files[CONFIG] == config(NEW)


def test_a_stopped_agent_already_on_the_new_em_is_started(repoint: Run, host: FakeWindows) -> None:
    """Reproduction: a run killed between the stop and the start of a restart left the agent stopped on the new file;
    every re-run failed on it. Now it is started (and only started: the file is right)."""
    host.files[CONFIG] = config(NEW)
    host.services["siwindowsagent"].state = "stopped"
    result = repoint({"manager_address": NEW})
    assert result["changed"] is True and result["pending_restart"] is True and result["restarted"] is True
    assert host.kinds() == ["read_program_config", "win_service"] and host.services["siwindowsagent"].state == "started"
    again = repoint({"manager_address": NEW})
    assert again["changed"] is False


# The preflight's read is the repoint's read (_read_cache.py) ---------------------------------------
def test_after_a_preflight_a_repoint_costs_one_more_call(repoint: Run, host: FakeWindows) -> None:
    repoint({"manager_address": NEW, "preflight": True})
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config", "replace_file"] and result["changed"] is True
    assert host.files[CONFIG] == config(NEW) and host.services["siwindowsagent"].state == "started"


def test_after_a_preflight_an_agent_that_needs_nothing_costs_no_more_call(repoint: Run, host: FakeWindows) -> None:
    host.files[CONFIG] = config(NEW)
    repoint({"manager_address": NEW, "preflight": True})
    result = repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config"] and result["changed"] is False


@pytest.mark.parametrize("change", ["file", "service stopped", "hardened", "disabled"])
def test_a_host_changed_since_the_preflight_is_read_again_and_decided_on_what_is_there(
        repoint: Run, host: FakeWindows, change: str) -> None:
    repoint({"manager_address": NEW, "preflight": True})
    agent = host.services["siwindowsagent"]
    if change == "file":
        host.files[CONFIG] = config().replace(b"</appSettings>", b"<!-- edited --></appSettings>")
    elif change == "service stopped":
        agent.state = "stopped"
    elif change == "hardened":
        agent.hardened = True
    else:
        agent.start_mode = "disabled"
    result = repoint({"manager_address": NEW})
    assert host.kinds()[:3] == ["read_program_config", "replace_file", "read_program_config"], "the stale write, a fresh read"
    if change == "hardened":  # the fresh read shows a hardened agent: refused before any change, as always
        assert result["failed"] is True and "Soften" in result["msg"] and host.files[CONFIG] == config()
        return
    assert not result.get("failed") and result["changed"] is True and host.kinds()[3:] == ["replace_file"]
    assert b'value="new-em.corp.example:3741"' in host.files[CONFIG]
    if change == "file":
        assert b"<!-- edited -->" in host.files[CONFIG], "the write was made on the file as it is now"
    assert result["restarted"] is (change != "disabled")


def test_a_read_of_this_task_that_no_longer_holds_fails_without_a_second_try(repoint: Run, host: FakeWindows) -> None:
    """Without a preflight the read is the task's own: a file edited in between is an error, as before."""
    host.overwrite_before_write = {CONFIG: config().replace(b"</appSettings>", b"<!-- x --></appSettings>")}
    result = repoint({"manager_address": NEW})
    assert result["failed"] is True and "changed after it was read" in result["msg"]
    assert host.kinds() == ["read_program_config", "replace_file"]


def test_a_preflight_of_another_agent_is_not_this_agents_read(repoint: Run, host: FakeWindows) -> None:
    repoint({"manager_address": NEW, "preflight": True}, host_name="agent02")
    repoint({"manager_address": NEW})
    assert host.kinds() == ["read_program_config", "read_program_config", "replace_file"]
