# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_em_info end to end: describe the EM on the task's host, compare it with the old EM (the peer).

The EM configs hold SQL logins with a password, as SIDBConfigMgr writes them; every result is
searched for the password and the login (``tp_em_info`` fixture): only server and database names
may come back.
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_em_info import ActionModule

from action_runner import shown
from fake_host import EM_EXE, EM_FOLDER, FakeWindows

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with task args and run_action keywords

OLD, NEW = "old-em", "new-em"
CONFIG = EM_EXE + ".config"
VERSION = "7.5.0.321"
LOGIN, PASSWORD = "svc_tp_sql", "S3cr3t;Pa55w0rd!"
SQL = "sql01.corp.example,1433"
AUTO_DEPLOY = "Agent Auto Deploy settings hold an EM address: review them in the Administration Console."
PROTECTED = ('  <connectionStrings configProtectionProvider="DataProtectionConfigurationProvider">\r\n'
             "    <EncryptedData><CipherData><CipherValue>AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA</CipherValue></CipherData>"
             "</EncryptedData>\r\n  </connectionStrings>\r\n")


def em_config(server: str = SQL, databases: tuple[str, ...] = ("NVMonitorConfig", "NVMonitorData"),
              protected: bool = False) -> bytes:
    """SIEnterpriseManager.exe.config with one SQL-login connection string per database (or an encrypted section)."""
    entries = "".join(
        f'    <add name="{database}Connection" connectionString="Data Source={server};Initial Catalog={database};'
        f"User ID={LOGIN};Password='{PASSWORD}';Persist Security Info=False\" providerName=\"System.Data.SqlClient\" />\r\n"
        for database in databases)
    section = PROTECTED if protected else f"  <connectionStrings>\r\n{entries}  </connectionStrings>\r\n"
    return (b"\xef\xbb\xbf" + f'<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n{section}'
            f'  <appSettings>\r\n    <add key="ConsolePort" value="3740" />\r\n  </appSettings>\r\n'
            f"</configuration>\r\n".encode())


def install(host: FakeWindows, state: str) -> FakeWindows:
    host.install_em(state=state, version=VERSION)
    host.files[CONFIG] = em_config()
    return host


@pytest.fixture
def old_em(peers: dict[str, FakeWindows]) -> FakeWindows:
    """The old EM: running, same version and databases as the new one."""
    peers[OLD] = install(FakeWindows(), "started")
    return peers[OLD]


@pytest.fixture
def new_em(windows: FakeWindows) -> FakeWindows:
    """The new EM: installed against the old EM's SQL server and databases, stopped."""
    return install(windows, "stopped")


@pytest.fixture
def tp_em_info(run_action: RunAction, old_em: FakeWindows, new_em: FakeWindows) -> Run:
    """Run tp_em_info on the new EM; fail the test if the SQL login or password shows in the result."""
    del old_em, new_em

    def run(args: dict[str, t.Any] | None = None, **kwargs: t.Any) -> dict[str, t.Any]:
        result = run_action(ActionModule, args or {}, host_name=NEW, **kwargs)
        assert shown(result, PASSWORD) == [] and shown(result, LOGIN) == [], "SQL credentials in the result"
        assert "Pa55w0rd" not in repr(result)
        return result

    return run


def test_describe_only_costs_two_calls_and_reports_the_em(tp_em_info: Run, new_em: FakeWindows, old_em: FakeWindows) -> None:
    """Without compare_to: the service and one script; version, folders, databases (names only), follow-ups."""
    result = tp_em_info()
    assert new_em.kinds() == ["win_service_info", "read_em_info"] and old_em.calls == []
    assert new_em.args_of("read_em_info") == [{"Folder": EM_FOLDER, "MaxBytes": 1048576}]
    assert not result.get("failed") and result["changed"] is False and "problems" not in result
    assert (result["version"], result["install_folder"], result["certs_folder"]) == (VERSION, EM_FOLDER, EM_FOLDER + r"\CertsInfo")
    assert result["service"]["state"] == "stopped" and result["config_problem"] is None
    assert result["databases"] == {"protected": False, "targets": [
        {"entry": "NVMonitorConfigConnection", "server": SQL, "database": "NVMonitorConfig"},
        {"entry": "NVMonitorDataConnection", "server": SQL, "database": "NVMonitorData"}]}
    assert result["follow_ups"] == [AUTO_DEPLOY]


def test_a_matching_old_em_raises_no_problem(tp_em_info: Run, new_em: FakeWindows, old_em: FakeWindows) -> None:
    """Same version, same server and databases: problems empty, two calls on each host, the other EM described."""
    result = tp_em_info({"compare_to": OLD})
    assert not result.get("failed") and result["problems"] == [] and result["compared_to"] == OLD
    assert new_em.kinds() == old_em.kinds() == ["win_service_info", "read_em_info"]
    assert result["other"]["version"] == VERSION and result["other"]["service"]["state"] == "started"
    assert old_em.writes() == [] and new_em.writes() == []


def _spoil(new_em: FakeWindows, problem: str) -> None:
    if problem == "version":
        new_em.versions[EM_EXE] = "7.4.0.63"
    elif problem == "server":
        new_em.files[CONFIG] = em_config(server="sql02.corp.example")
    elif problem == "database":
        new_em.files[CONFIG] = em_config(databases=("NVMonitorConfig",))
    elif problem == "protected":
        new_em.files[CONFIG] = em_config(protected=True)
    else:
        del new_em.files[CONFIG]


PROBLEMS = [
    ("version", f"product versions differ: {OLD} runs {VERSION}, {NEW} runs 7.4.0.63"),
    ("server", f"NVMonitorConfig is on {SQL} for the old EM but on sql02.corp.example,1433 for the new EM"),
    ("database", "the new EM's config names no NVMonitorData database"),
    ("protected", "the new EM's connection strings are encrypted with .NET protected configuration"),
    ("no-config", f"{NEW}: {CONFIG} was not found."),
]


@pytest.mark.parametrize(("problem", "says"), PROBLEMS, ids=[case[0] for case in PROBLEMS])
def test_a_new_em_that_cannot_take_over_fails_naming_the_problem(tp_em_info: Run, new_em: FakeWindows, problem: str,
                                                                 says: str) -> None:
    """Each way the EMs differ is a problem sentence, and the task fails with all of them, changing nothing."""
    _spoil(new_em, problem)
    result = tp_em_info({"compare_to": OLD})
    assert result["failed"] is True and result["changed"] is False
    assert any(says in sentence for sentence in result["problems"]), result["problems"]
    assert result["msg"].startswith(f"{NEW}: the new EM cannot take over from {OLD}: ") and says in result["msg"]
    assert result["msg"].endswith("Nothing was changed.") and new_em.writes() == []


@pytest.mark.parametrize("problem", ["version", "server"])
def test_fail_on_problems_false_reports_them_without_failing(tp_em_info: Run, new_em: FakeWindows, problem: str) -> None:
    """fail_on_problems=false turns the refusal into data, for a report that must go on."""
    _spoil(new_em, problem)
    result = tp_em_info({"compare_to": OLD, "fail_on_problems": False})
    assert not result.get("failed") and len(result["problems"]) >= 1


@pytest.mark.parametrize("problem", ["server", "database", "protected", "no-config"])
def test_skip_database_check_ignores_the_configs_but_not_the_version(tp_em_info: Run, new_em: FakeWindows,
                                                                     problem: str) -> None:
    """skip_database_check (for encrypted configs checked by hand) silences database problems only."""
    _spoil(new_em, problem)
    assert tp_em_info({"compare_to": OLD, "skip_database_check": True})["problems"] == []
    new_em.versions[EM_EXE] = "7.4.0.63"
    problems = tp_em_info({"compare_to": OLD, "skip_database_check": True, "fail_on_problems": False})["problems"]
    assert len(problems) == 1 and problems[0].startswith("product versions differ")


def test_only_the_databases_asked_for_must_be_shared(tp_em_info: Run, new_em: FakeWindows) -> None:
    """The databases option narrows the check: a database not asked for may be missing."""
    new_em.files[CONFIG] = em_config(databases=("NVMonitorConfig",))
    assert tp_em_info({"compare_to": OLD, "databases": ["NVMonitorConfig"]})["problems"] == []


def test_follow_ups_list_what_the_vendor_procedure_leaves_on_the_old_em(tp_em_info: Run, old_em: FakeWindows) -> None:
    """Licence files, the HIBP store, File action output, side services and the EPE_REST site are each named."""
    old_em.files.update({EM_FOLDER + r"\tp.lic": b"licence", EM_FOLDER + r"\PwnedStore\pwned.bin": b"hashes",
                         **{EM_FOLDER + rf"\output\file\day{index}\actions.csv": b"row" for index in range(3)}})
    old_em.add_service("SIReportingService", r"C:\TP\SIReportingService.exe")
    old_em.add_service("StealthDEFENDAgent", r"C:\TP\StealthDEFEND.exe")
    old_em.iis_sites.add("EPE_REST")
    follow_ups = tp_em_info({"compare_to": OLD})["other"]["follow_ups"]
    assert follow_ups[0].startswith("Licence files tp.lic: ")
    assert follow_ups[1].startswith("HIBP (Pwned) store in PwnedStore")
    assert follow_ups[2].startswith("3 file(s) written by File actions under output\\file")
    assert follow_ups[3].startswith("Services SIReportingService, StealthDEFENDAgent run beside the EM here")
    assert follow_ups[4].startswith("The EPE Rest Site (IIS site EPE_REST) is on this host")
    assert follow_ups[5:] == [AUTO_DEPLOY]


def test_an_other_host_without_an_em_fails_naming_it(tp_em_info: Run, old_em: FakeWindows) -> None:
    """compare_to must be an EM host; the message names that host, not the task's."""
    old_em.services.clear()
    result = tp_em_info({"compare_to": OLD})
    assert result["failed"] is True and result["msg"].startswith(f"{OLD}: the Windows service 'SIEnterpriseManager' ")
    assert "not installed" in result["msg"]


def test_describe_runs_in_check_mode(tp_em_info: Run, new_em: FakeWindows) -> None:
    """The read script supports check mode, so the preflight of a --check run sees the real EM."""
    result = tp_em_info({"compare_to": OLD}, check_mode=True)
    assert result["version"] == VERSION and result["problems"] == [] and "read_em_info" in new_em.kinds()
