# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secret's move through real playbook runs: a SecretMgr that misbehaves, where its export lands, what the
hosts' logs keep, become, a disk that fills up, and litter left for a later run to sweep."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import typing as t
from pathlib import Path

import pytest

from tplab import leaks, programs, status
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook
from tplab.windows import eventlog

pytestmark = pytest.mark.lab

EM_FOLDER = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager"
STATE_FOLDER = "C:\\ProgramData\\netwrix.threat_prevention"
MARKER = STATE_FOLDER + "\\em-secret-import.json"
SECRET_PLAY = """
- name: Move the secret only
  hosts: tp_new_em
  gather_facts: false
  tasks:
    - name: Stop this EM
      netwrix.threat_prevention.tp_service:
        component: enterprise_manager
        state: stopped
    - name: Move the secret
      netwrix.threat_prevention.tp_secret:
        source_host: "{{ groups['tp_old_em'][0] }}"
"""
BECOME = """      become: true
      become_method: runas
      become_user: SYSTEM
"""


def migrate(estate: Estate) -> PlaybookRun:
    return run_playbook(estate, "migrate.yml", extra_vars={
        "agent_verify_delay": 1, "agent_verify_timeout": 15, "tp_verify_delay": 1, "tp_verify_timeout": 15,
        "tp_report_folder": str(estate.root / "reports")})


def move_secret(estate: Estate, become: bool = False) -> PlaybookRun:
    """A play that stops the new EM and runs tp_secret alone."""
    playbook = estate.root / "secret.yml"
    playbook.write_text(SECRET_PLAY + (BECOME if become else ""), encoding="utf-8")
    return run_playbook(estate, str(playbook))


def em(estate: Estate, name: str) -> dict[str, t.Any]:
    return next(row for row in status.em_rows(estate) if row["em"] == name)


def exports_left(estate: Estate) -> list[str]:
    return [str(path.relative_to(estate.root)) for path in (estate.root / "hosts").rglob("*") if "tp-secret-" in path.name]


def secret_task(run: PlaybookRun) -> dict[str, t.Any]:
    return next(entry for entry in run.results if entry["task"].startswith("Move the secret"))


def export_needles(estate: Estate) -> dict[str, set[bytes]]:
    """The old EM's export as SecretMgr writes it: its fragments, and its digests in every common form."""
    export = programs.EXPORT_HEADER + base64.b64encode(t.cast(bytes, programs.secret_of(estate.host("old-em")))) + b"\n"
    digests = {hashlib.new(name, export) for name in ("md5", "sha1", "sha256", "sha512")}
    hexes = {digest.hexdigest().encode() for digest in digests}
    return {"export": leaks.forms(export, 0, 0), "export digest": hexes | {value.upper() for value in hexes}
            | {base64.b64encode(digest.digest()) for digest in digests}}


def modes_logged(entries: list[dict[str, t.Any]]) -> list[str]:
    """The Mode of each move_secret.ps1 call a host's Application log records ("Invoked with:" and the arguments)."""
    calls = [json.loads(entry["message"].split("Invoked with:", 1)[1]) for entry in entries
             if entry["message"].startswith("ansible.windows.win_powershell - Invoked with:")]
    return [call["parameters"]["Mode"] for call in calls if "$OtherLocations" in call["script"]]


@pytest.mark.parametrize(("host", "kind", "says"), [
    ("new-em", "noop", "SecretMgr.exe -i exited with code 0 but did not change"),
    ("old-em", "noop", "SecretMgr.exe -e reported success but wrote no export"),
    ("old-em", "stdout_error", "output: SecretMgr: Access to the secret store was denied"),
    ("new-em", "prompt", "No answer (end of input); nothing was done."),
    ("old-em", "hang", "SecretMgr.exe -e did not exit within 120 seconds, so it was stopped"),
])
def test_a_misbehaving_secretmgr_stops_the_migration_and_a_rerun_completes(
        make_estate: t.Callable[..., Estate], host: str, kind: str, says: str) -> None:
    """Exit 0 doing nothing is a failure too: the new EM never runs on its own secret believing it has the old one."""
    estate = make_estate(agents=2, new_em="fresh")
    estate.set_fault(host, "secretmgr_misbehaves", kind)

    failed = migrate(estate)

    assert failed.returncode != 0
    message = failed.failures()["new-em"]
    assert message.startswith(f"{host}: ") and says in message, message
    assert not estate.host("new-em").path(MARKER).exists() and em(estate, "new-em")["db_secret"] is False
    assert em(estate, "old-em")["service"] == "started" and set(status.registered_on(estate).values()) == {"old-em"}
    assert exports_left(estate) == [] and programs.running(estate.host(host)) == []

    estate.clear_faults()
    again = migrate(estate)

    assert again.returncode == 0, again.output[-3000:]
    assert em(estate, "new-em")["db_secret"] is True and exports_left(estate) == []


def test_an_export_in_secretmgrs_own_folder_is_found_and_deleted(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=1, new_em="fresh", secretmgr_output="own_folder")
    run = move_secret(estate)
    assert run.returncode == 0, run.output[-3000:]
    assert secret_task(run)["result"]["export_landed"].startswith(EM_FOLDER + "\\tp-secret-")
    assert em(estate, "new-em")["db_secret"] is True and exports_left(estate) == []


def test_the_application_logs_hold_no_digest_or_fragment_of_the_export(make_estate: t.Callable[..., Estate]) -> None:
    """Windows logs each module's plain parameters ("Invoked with:"): the export's HMAC is there, never its digest."""
    estate = make_estate(agents=1, consoles=1, new_em="fresh")
    needles = export_needles(estate)
    run = migrate(estate)
    assert run.returncode == 0, run.output[-3000:]
    logged = {host: eventlog.read(estate.host(host), "Application") for host in ("old-em", "new-em")}
    assert ["Export"] == modes_logged(logged["old-em"]) and "Import" in modes_logged(logged["new-em"]), "not logged"
    logs = {f"{host} Application log": json.dumps(entries).encode() for host, entries in logged.items()}
    assert leaks.search(logs, needles) == []


def test_the_search_finds_a_digest_of_the_export_where_there_is_one(make_estate: t.Callable[..., Estate]) -> None:
    """The needles are real: the export's SHA-256 (what ExportSha256 used to send) and a fragment are found."""
    estate = make_estate(agents=1, new_em="fresh")
    export = programs.EXPORT_HEADER + base64.b64encode(t.cast(bytes, programs.secret_of(estate.host("old-em")))) + b"\n"
    haystacks = {"digest": json.dumps({"ExportSha256": hashlib.sha256(export).hexdigest()}).encode(),
                 "fragment": b"Export: " + base64.b64encode(export)}
    assert leaks.search(haystacks, export_needles(estate)) == ["export digest in digest", "export in fragment"]


def test_under_become_secretmgr_runs_as_system_on_both_ems(make_estate: t.Callable[..., Estate]) -> None:
    """become_method runas, become_user SYSTEM: the DPAPI user key SecretMgr may need exists in that logon."""
    estate = make_estate(agents=1, new_em="fresh")
    run = move_secret(estate, become=True)
    assert run.returncode == 0, run.output[-3000:]
    assert em(estate, "new-em")["db_secret"] is True and exports_left(estate) == []
    users = {host: [entry["user"] for entry in programs.history(estate.host(host)) if entry["event"] == "started"]
             for host in ("old-em", "new-em")}
    assert users == {"old-em": ["SYSTEM"], "new-em": ["SYSTEM"]}


def test_under_become_the_import_runs_as_system_and_the_secret_moves(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=1, new_em="fresh")
    run = move_secret(estate, become=True)
    assert run.returncode == 0, run.output[-3000:]
    assert em(estate, "new-em")["db_secret"] is True and exports_left(estate) == []
    assert [entry["user"] for entry in programs.history(estate.host("new-em")) if entry["event"] == "started"] == ["SYSTEM"]


def test_a_disk_full_while_the_export_is_written_on_the_new_em_leaves_nothing(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=1, new_em="fresh")
    new = estate.host("new-em")
    before = new.path(f"{EM_FOLDER}\\CertsInfo\\Secret.dpapi").read_bytes()
    estate.set_fault("new-em", "partial_write", True)

    failed = move_secret(estate)

    assert failed.returncode != 0
    message = failed.failures()["new-em"]
    assert "There is not enough space on the disk" in message and "No export was left on old-em or new-em." in message
    assert exports_left(estate) == [] and not new.path(MARKER).exists()
    assert new.path(f"{EM_FOLDER}\\CertsInfo\\Secret.dpapi").read_bytes() == before

    estate.clear_faults()
    again = move_secret(estate)

    assert again.returncode == 0, again.output[-3000:]
    assert new.path(MARKER).is_file() and em(estate, "new-em")["db_secret"] is True and exports_left(estate) == []


def test_an_export_left_on_the_new_em_is_swept_by_a_run_with_nothing_to_move(make_estate: t.Callable[..., Estate]) -> None:
    """A run cut off after its record was written left its export behind: the next run, secret in place, removes it."""
    estate = make_estate(agents=1, new_em="fresh")
    assert move_secret(estate).returncode == 0
    new = estate.host("new-em")
    stem = "tp-secret-" + "5" * 32
    left = new.path(f"{STATE_FOLDER}\\{stem}")
    left.mkdir()
    (left / f"{stem}.export").write_bytes(programs.EXPORT_HEADER + b"...")
    then = time.time() - 11 * 60
    for path in (left / f"{stem}.export", left):
        os.utime(path, (then, then))

    again = move_secret(estate)

    assert again.returncode == 0, again.output[-3000:]
    result = secret_task(again)["result"]
    assert result["in_place"] is True and result["changed"] is True
    assert result["swept"] == {"new-em": [f"{STATE_FOLDER}\\{stem}\\{stem}.export", f"{STATE_FOLDER}\\{stem}"]}
    assert exports_left(estate) == []
    assert Path(left).exists() is False
