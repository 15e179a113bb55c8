# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's Enterprise Manager side: generated EMs and consoles, SecretMgr.exe, the EM twins, EM start rules.

Outcomes are read back from the estate (files, system.json, the product's start checks), never
taken from what a helper says it did. Module-level templates are built once and copied for each
test that changes one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import typing as t
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _em_config
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import _script_text
from tplab import certs, dotnet_config, dpapi, generator, product, programs, services, twins
from tplab.estate import Estate, Host
from tplab.generator import EstateSpec, build_estate
from tplab.windows import exec_wrapper, network

EM = "SIEnterpriseManager"
SYSWOW64 = "C:\\Windows\\SysWOW64"
WORK_ROOT = "C:\\ProgramData\\NetwrixTP"
PEMS = ("Ca-crt.pem", "Ca-key.pem", "Em-crt.pem", "Em-key.pem")
OLD_VERSION, NEW_VERSION = "7.4.0.1107", "7.5.0.2120"
NEW_SQL_SERVER = "tcp:sql02.corp.example\\TP,1444"
NEW_DATABASES = ("NVMonitorConfig_TP2", "NVMonitorData_TP2")
HASHTABLE = "System.Collections.Hashtable"
NO_LOG_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


# Helpers ----------------------------------------------------------------------------------------
def em_folder(host: Host) -> str:
    """The Windows path of the EM install folder on this host (from its service's command line)."""
    return product.install_folder(host.system()["services"][EM])


def certs_info(host: Host, file_name: str) -> Path:
    return host.path(f"{em_folder(host)}\\CertsInfo\\{file_name}")


def secretmgr(host: Host) -> str:
    return f"{em_folder(host)}\\SecretMgr.exe"


def em_state(host: Host) -> dict[str, t.Any]:
    return host.system()["services"][EM]


def plain_secret(host: Host) -> bytes:
    """Secret.dpapi of this host's EM, decrypted with this host's machine key."""
    return dpapi.unprotect(host.system()["machine_key"], certs_info(host, "Secret.dpapi").read_bytes())


def script_run(estate: Estate, host: str) -> twins.ScriptRun:
    return twins.ScriptRun(estate=estate, host=estate.host(host), check_mode=False)


def copy_of(template: Path, destination: Path) -> Estate:
    shutil.copytree(template, destination)
    return Estate(destination)


def run_module(estate: Estate, host: str, module: str, args: dict[str, t.Any]) -> tuple[str, dict[str, t.Any]]:
    """Run an emulated module as the emulated exec wrapper does; return its stdout (the JSON) and parsed result."""
    outcome = exec_wrapper.run_module(network.admin_session(estate, host), f"ansible.windows.{module}", args)
    assert outcome.stdout.strip(), f"{module} printed no result: {outcome.stderr}"
    return outcome.stdout, json.loads(outcome.stdout)


def script_text(name: str) -> str:
    """A script as the collection sends it, its #include libraries put in (what its twin is bound to)."""
    return _script_text(name)


def connection_strings(config: bytes) -> list[str]:
    root = ET.fromstring(config)
    return [add.attrib["connectionString"] for add in root.iter("add") if "connectionString" in add.attrib]


# Estates ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh new EM (own CA and secret, newer version, another SQL server and databases), 3 agents, 2 consoles."""
    root = tmp_path_factory.mktemp("fresh") / "estate"
    build_estate(root, EstateSpec(agents=3, consoles=2, new_em="fresh", old_em_version=OLD_VERSION, new_em_version=NEW_VERSION,
                                  new_em_sql_server=NEW_SQL_SERVER, new_em_databases=NEW_DATABASES))
    return root


@pytest.fixture
def fresh(fresh_template: Path, tmp_path: Path) -> Estate:
    """A private copy of the fresh estate."""
    return copy_of(fresh_template, tmp_path / "estate")


@pytest.fixture(scope="module")
def working_folder_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated estate whose SecretMgr.exe writes its export where the path says."""
    root = tmp_path_factory.mktemp("working-folder") / "estate"
    build_estate(root, EstateSpec(agents=1, secretmgr_output="working_folder"))
    return root


@pytest.fixture(params=["syswow64", "working_folder"])
def any_mode(request: pytest.FixtureRequest, estate_template: Path, working_folder_template: Path, tmp_path: Path) -> Estate:
    """A private estate for each secretmgr_output mode."""
    template = estate_template if request.param == "syswow64" else working_folder_template
    estate = copy_of(template, tmp_path / "estate")
    assert estate.setting("secretmgr_output") == request.param
    return estate


# 1. The generator ---------------------------------------------------------------------------------
def test_fresh_new_em_has_its_own_ca_and_runs(fresh_template: Path) -> None:
    """new_em=fresh gives new-em a CA of its own (another Ca-crt.pem fingerprint), and new-em runs on 3740/3741."""
    estate = Estate(fresh_template)
    old, new = estate.host("old-em"), estate.host("new-em")
    assert certs.fingerprint(certs_info(old, "Ca-crt.pem").read_bytes()) != certs.fingerprint(certs_info(new, "Ca-crt.pem").read_bytes())
    assert certs.issued_by(certs_info(new, "Em-crt.pem").read_bytes(), certs_info(new, "Ca-crt.pem").read_bytes())
    for host in (old, new):
        assert em_state(host)["state"] == "started", em_state(host).get("last_start_error")
        assert product.listening_ports(host) == {3740, 3741}


def test_fresh_new_em_has_its_own_secret_and_the_old_em_holds_the_databases(fresh_template: Path) -> None:
    """The fresh EM's secret differs from the old EM's; the old EM's is the one lab/database.json records."""
    estate = Estate(fresh_template)
    old_secret, new_secret = programs.secret_of(estate.host("old-em")), programs.secret_of(estate.host("new-em"))
    assert old_secret and new_secret and old_secret != new_secret
    recorded = json.loads((estate.lab / "database.json").read_text(encoding="utf-8"))["secret_sha256"]
    assert hashlib.sha256(old_secret).hexdigest() == recorded
    assert hashlib.sha256(new_secret).hexdigest() != recorded


def test_fresh_estate_has_every_agent_on_the_old_em(fresh_template: Path) -> None:
    """Before a migration every agent is connected to old-em; none to the fresh new-em."""
    estate = Estate(fresh_template)
    connected = {agent.name: getattr(product.connected_em(estate, agent), "name", None) for agent in estate.hosts("agent")}
    assert connected == {"agent01": "old-em", "agent02": "old-em", "agent03": "old-em"}


def test_fresh_estate_of_twenty_has_every_agent_on_the_old_em(tmp_path: Path) -> None:
    """With 20 agents too, a pre-migration (fresh) estate has every agent connected to old-em."""
    estate = build_estate(tmp_path / "estate", EstateSpec(agents=20, new_em="fresh"))
    assert {getattr(product.connected_em(estate, agent), "name", None) for agent in estate.hosts("agent")} == {"old-em"}


def test_consoles_name_the_old_em_on_3740_and_are_in_the_inventory(fresh_template: Path) -> None:
    """consoles=2 writes two SIWinConsole.exe.Config files whose managerAddress is old-em:3740, and tp_consoles lists them."""
    estate = Estate(fresh_template)
    consoles = estate.hosts("console")
    assert [host.name for host in consoles] == ["console01", "console02"]
    for console in consoles:
        config = console.path(product.CONSOLE_CONFIG)
        address = dotnet_config.read_app_setting(config.read_bytes(), "managerAddress")
        assert address is not None
        name, port = product.parse_manager(address, 0)
        resolved = estate.resolve_name(name)
        assert resolved is not None and resolved.name == "old-em" and port == 3740, address
    inventory = yaml.safe_load((estate.root / "inventory.yml").read_text(encoding="utf-8"))
    members = inventory["all"]["children"]["tp_consoles"]["hosts"]
    assert set(members) == {"console01", "console02"}
    for name, host_vars in members.items():
        resolved = estate.resolve_name(host_vars["ansible_host"])
        assert resolved is not None and resolved.name == name


def _customer_estate(root: Path) -> Estate:
    """Build an estate with customer certificates, tolerating the EM start failure pinned below (files are written first)."""
    try:
        return build_estate(root, EstateSpec(agents=1, certificates="customer"))
    except services.ServiceError:
        return Estate(root)


def test_customer_certificates_leave_no_ca_key_on_either_em(tmp_path: Path) -> None:
    """certificates=customer writes no Ca-key.pem on old-em or new-em, but the three other PEMs and Secret.dpapi."""
    estate = _customer_estate(tmp_path / "estate")
    for host in (estate.host("old-em"), estate.host("new-em")):
        assert not certs_info(host, "Ca-key.pem").exists()
        for name in ("Ca-crt.pem", "Em-crt.pem", "Em-key.pem", "Secret.dpapi"):
            assert certs_info(host, name).is_file(), f"{host.name}: {name}"


def test_customer_certificates_ems_start(tmp_path: Path) -> None:
    """Both EMs start with a customer CA set (no Ca-key.pem), and the agent is connected to old-em."""
    estate = build_estate(tmp_path / "estate", EstateSpec(agents=1, certificates="customer"))
    for name in ("old-em", "new-em"):
        assert em_state(estate.host(name))["state"] == "started"
    assert getattr(product.connected_em(estate, estate.host("agent01")), "name", None) == "old-em"


def test_versions_follow_the_spec(fresh_template: Path) -> None:
    """old_em_version and new_em_version land in each EM's system.json product_version."""
    estate = Estate(fresh_template)
    assert estate.host("old-em").system()["product_version"] == OLD_VERSION
    assert estate.host("new-em").system()["product_version"] == NEW_VERSION


@pytest.mark.parametrize(("host", "server", "databases"), [
    ("old-em", generator.SQL_SERVER, generator.DATABASES),
    ("new-em", NEW_SQL_SERVER, NEW_DATABASES),
])
def test_em_config_names_the_sql_server_and_databases_of_the_spec(
        fresh_template: Path, host: str, server: str, databases: tuple[str, str]) -> None:
    """The collection's ADO.NET reader finds the spec's server and databases in SIEnterpriseManager.exe.config."""
    em = Estate(fresh_template).host(host)
    config = em.path(f"{em_folder(em)}\\SIEnterpriseManager.exe.config").read_bytes()
    found = _em_config.read_databases(config)
    assert not found.protected
    assert sorted((target.server, target.database) for target in found.targets) == sorted((server, name) for name in databases)


def test_em_config_quotes_the_sql_password_so_ado_net_reads_it_whole(fresh_template: Path) -> None:
    """Each connection string gives Password = generator.SQL_PASSWORD (with its ';') to an ADO.NET parser."""
    em = Estate(fresh_template).host("old-em")
    strings = connection_strings(em.path(f"{em_folder(em)}\\SIEnterpriseManager.exe.config").read_bytes())
    assert len(strings) == 2 and ";" in generator.SQL_PASSWORD
    for text in strings:
        assert _em_config._sql_settings(text)["password"] == generator.SQL_PASSWORD  # pylint: disable=protected-access


# 2. SecretMgr.exe ---------------------------------------------------------------------------------
def run_secretmgr(host: Host, arguments: list[str], working_folder: str) -> tuple[int | None, str]:
    """Start the emulated SecretMgr.exe as move_secret.ps1 does (standard input closed); its exit code and error text."""
    process = programs.start(host, secretmgr(host), arguments, working_folder, stdin_closed=True, user=None)
    return process.exit_code, process.stderr.decode(programs.OEM_CODE_PAGE)


def test_export_in_working_folder_mode_goes_where_the_path_says(working_folder_template: Path, tmp_path: Path) -> None:
    """secretmgr_output=working_folder: -e with an absolute path writes there; a relative one in the working folder."""
    old = copy_of(working_folder_template, tmp_path / "estate").host("old-em")
    assert run_secretmgr(old, ["-e", "C:\\Temp\\abs.export"], "C:\\Windows\\System32") == (0, "")
    assert run_secretmgr(old, ["-e", "rel.export"], "C:\\Windows\\System32") == (0, "")
    assert old.path("C:\\Temp\\abs.export").is_file()
    assert old.path("C:\\Windows\\System32\\rel.export").is_file()
    assert not old.path(f"{SYSWOW64}\\abs.export").exists() and not old.path(f"{SYSWOW64}\\rel.export").exists()


def test_export_in_syswow64_mode_lands_in_syswow64_under_its_file_name(estate: Estate) -> None:
    """secretmgr_output=syswow64: -e writes C:\\Windows\\SysWOW64\\<file name> whatever folder was given."""
    old = estate.host("old-em")
    assert run_secretmgr(old, ["-e", "C:\\Temp\\out.export"], "C:\\Temp") == (0, "")
    assert old.path(f"{SYSWOW64}\\out.export").is_file()
    assert not old.path("C:\\Temp\\out.export").exists()


def test_the_export_holds_the_em_secret(any_mode: Estate) -> None:
    """The export contains the secret that Secret.dpapi decrypts to with the EM's machine key."""
    old = any_mode.host("old-em")
    assert run_secretmgr(old, ["-e", "C:\\Temp\\out.export"], "C:\\Temp")[0] == 0
    landed = f"{SYSWOW64}\\out.export" if any_mode.setting("secretmgr_output") == "syswow64" else "C:\\Temp\\out.export"
    assert base64.b64encode(plain_secret(old)) in old.path(landed).read_bytes()


def test_import_on_another_host_protects_the_secret_with_that_hosts_key(fresh: Estate) -> None:
    """-i on new-em re-protects the old EM's secret with new-em's machine key: new-em starts and holds old-em's secret."""
    old, new = fresh.host("old-em"), fresh.host("new-em")
    assert run_secretmgr(old, ["-e", "C:\\Temp\\move.export"], "C:\\Temp")[0] == 0
    new.path("C:\\Temp").mkdir(parents=True, exist_ok=True)
    new.path("C:\\Temp\\move.export").write_bytes(old.path(f"{SYSWOW64}\\move.export").read_bytes())
    services.stop(new, EM)
    assert run_secretmgr(new, ["-i", "C:\\Temp\\move.export"], "C:\\Temp") == (0, "")
    blob = certs_info(new, "Secret.dpapi").read_bytes()
    with pytest.raises(dpapi.DecryptError):
        dpapi.unprotect(old.system()["machine_key"], blob)
    services.start(new, EM)
    assert em_state(new)["state"] == "started"
    assert programs.secret_of(new) == programs.secret_of(old) == plain_secret(old)


def test_a_copied_secret_dpapi_makes_the_em_refuse_to_start(fresh: Estate) -> None:
    """Copying Secret.dpapi from old-em (vendor: 'do not copy') makes new-em refuse to start, naming Secret.dpapi."""
    old, new = fresh.host("old-em"), fresh.host("new-em")
    services.stop(new, EM)
    shutil.copyfile(certs_info(old, "Secret.dpapi"), certs_info(new, "Secret.dpapi"))
    with pytest.raises(services.ServiceError, match="cannot be started"):
        services.start(new, EM)
    assert em_state(new)["state"] == "stopped"
    assert "Secret.dpapi" in em_state(new)["last_start_error"]


def test_secretmgr_fails_leaves_half_an_export_and_exits_1(any_mode: Estate) -> None:
    """The secretmgr_fails fault writes a truncated export (no secret in it) where -e writes, and exits 1."""
    old = any_mode.host("old-em")
    any_mode.set_fault("old-em", "secretmgr_fails", True)
    code, error = run_secretmgr(old, ["-e", "C:\\Temp\\half.export"], "C:\\Temp")
    assert code == 1 and error
    landed = f"{SYSWOW64}\\half.export" if any_mode.setting("secretmgr_output") == "syswow64" else "C:\\Temp\\half.export"
    half = old.path(landed).read_bytes()
    assert half and base64.b64encode(plain_secret(old)) not in half


@pytest.mark.parametrize("arguments", [[], ["-e"], ["-x", "C:\\Temp\\a.export"], ["\u2013e", "C:\\Temp\\a.export"],
                                       ["-e", "C:\\Temp\\a.export", "extra"]])
def test_bad_arguments_give_a_non_zero_exit_code(estate: Estate, arguments: list[str]) -> None:
    """SecretMgr.exe without exactly '-e|-i <file>' (the docs' en-dash included) exits non-zero and writes nothing."""
    old = estate.host("old-em")
    code, error = run_secretmgr(old, arguments, "C:\\Temp")
    assert code != 0 and error
    assert not old.path(f"{SYSWOW64}\\a.export").exists() and not old.path("C:\\Temp\\a.export").exists()


def test_a_missing_secretmgr_cannot_be_started(estate: Estate) -> None:
    """Without SecretMgr.exe on disk CreateProcess fails (the twin turns that into Process.Start's error); no export."""
    old = estate.host("old-em")
    old.path(secretmgr(old)).unlink()
    with pytest.raises(FileNotFoundError):
        run_secretmgr(old, ["-e", "C:\\Temp\\a.export"], "C:\\Temp")
    assert not old.path(f"{SYSWOW64}\\a.export").exists()


# 3. The EM twins ----------------------------------------------------------------------------------
def test_read_files_matches_names_case_insensitively_and_returns_content_only_when_asked(estate: Estate) -> None:
    """read_files finds 'ca-CRT.PEM' as Ca-crt.pem with its hash; content only with IncludeContent; missing files say so."""
    em = estate.host("new-em")
    folder = f"{em_folder(em)}\\CertsInfo"
    expected = certs_info(em, "Ca-crt.pem").read_bytes()
    for include in (False, True):
        run = script_run(estate, "new-em")
        twins.TWINS["read_files"](run, {"Folder": folder, "Names": ["ca-CRT.PEM", "nope.pem"], "IncludeContent": include})
        found, missing = run.result["files"]
        assert found["requested"] == "ca-CRT.PEM" and found["name"] == "Ca-crt.pem" and found["exists"] is True
        assert found["path"] == f"{folder}\\Ca-crt.pem"
        assert found["sha256"] == hashlib.sha256(expected).hexdigest()
        assert found["content"] == (base64.b64encode(expected).decode("ascii") if include else None)
        assert missing == {"requested": "nope.pem", "name": "nope.pem", "path": f"{folder}\\nope.pem", "exists": False,
                           "too_large": False, "sha256": None, "content": None}
        assert run.changed is False


def test_read_em_info_reports_version_config_and_host_local_items(fresh: Estate) -> None:
    """read_em_info reports version, config bytes, PwnedStore, output\\file count, *.lic names, matching services, EPE_REST."""
    new = fresh.host("new-em")
    folder = em_folder(new)
    run = script_run(fresh, "new-em")
    twins.TWINS["read_em_info"](run, {"Folder": folder})
    config = new.path(f"{folder}\\SIEnterpriseManager.exe.config").read_bytes()
    assert run.result == {"version": NEW_VERSION, "config": base64.b64encode(config).decode("ascii"), "config_too_large": False,
                          "pwned_store": False, "file_action_output": 0, "licenses": [], "services": [], "epe_rest_site": False,
                          "powershell": {"edition": "Desktop", "version": "5.1.17763.6893"},
                          "powershell_logging": {"module_logging": False, "transcription": False, "script_block_logging": False}}
    new.path(f"{folder}\\PwnedStore").mkdir()
    for name in ("output\\file\\a.txt", "output\\file\\sub\\b.txt", "StealthIntercept.lic", "Old.LIC", "readme.txt"):
        new.path(f"{folder}\\{name}".rsplit("\\", 1)[0]).mkdir(parents=True, exist_ok=True)
        new.path(f"{folder}\\{name}").write_bytes(b"x")
    with new.editing_system() as system:
        for name in ("SIReportingService", "StealthDEFENDAgent", "Spooler"):
            system["services"][name] = {"display_name": name, "path": "C:\\x.exe", "program": "other", "start_mode": "manual",
                                        "state": "stopped"}
        system["iis_sites"] = ["Default Web Site", "EPE_REST"]
    run = script_run(fresh, "new-em")
    twins.TWINS["read_em_info"](run, {"Folder": folder})
    assert run.result["pwned_store"] is True and run.result["file_action_output"] == 2
    assert run.result["licenses"] == ["Old.LIC", "StealthIntercept.lic"]
    assert run.result["services"] == ["SIReportingService", "StealthDEFENDAgent"]
    assert run.result["epe_rest_site"] is True and run.changed is False


def test_replace_file_with_secret_content_writes_the_bytes_and_a_backup(fresh: Estate) -> None:
    """replace_file given SecretContentBase64 writes those bytes and creates the backup folder with the previous file."""
    old, new = fresh.host("old-em"), fresh.host("new-em")
    path = f"{em_folder(new)}\\CertsInfo\\Em-key.pem"
    backup = f"{em_folder(new)}\\CertsInfo\\backup-20260101\\Em-key.pem"
    previous, wanted = certs_info(new, "Em-key.pem").read_bytes(), certs_info(old, "Em-key.pem").read_bytes()
    assert not new.path(backup).parent.exists()
    run = script_run(fresh, "new-em")
    twins.TWINS["replace_file"](run, {
        "Path": path, "SecretContentBase64": base64.b64encode(wanted).decode("ascii"), "Sha256": hashlib.sha256(wanted).hexdigest(),
        "ExpectedSha256": hashlib.sha256(previous).hexdigest(), "BackupPath": backup})
    assert certs_info(new, "Em-key.pem").read_bytes() == wanted
    assert new.path(backup).read_bytes() == previous
    assert run.result == {"sha256": hashlib.sha256(wanted).hexdigest(), "backup_file": backup}


@pytest.mark.parametrize("sensitive", [True, False])
def test_win_powershell_masks_sensitive_parameter_values(estate: Estate, sensitive: bool) -> None:
    """A sensitive_parameters value never appears in the module's printed JSON (an ordinary parameter does: the control)."""
    data = os.urandom(48)
    encoded = base64.b64encode(data).decode("ascii")
    parameters = {"Path": f"{WORK_ROOT}\\secret.bin", "Sha256": hashlib.sha256(data).hexdigest(), "ExpectedSha256": "", "BackupPath": ""}
    args: dict[str, t.Any] = {"script": script_text("replace_file"), "parameters": parameters, "error_action": "stop",
                              "_ansible_no_log": False, "_ansible_inject_invocation": True}
    if sensitive:
        args["sensitive_parameters"] = [{"name": "SecretContentBase64", "value": encoded}]
    else:
        parameters["ContentBase64"] = encoded
    estate.host("new-em").path(WORK_ROOT).mkdir(parents=True)
    stdout, result = run_module(estate, "new-em", "win_powershell", args)
    assert not result.get("failed"), result
    assert estate.host("new-em").path(f"{WORK_ROOT}\\secret.bin").read_bytes() == data
    assert (encoded in stdout) is not sensitive
    if sensitive:
        assert result["invocation"]["module_args"]["sensitive_parameters"][0]["value"] == NO_LOG_MASK


def test_win_powershell_truncates_results_deeper_than_depth(estate: Estate) -> None:
    """depth=1 turns each read_files entry into 'System.Collections.Hashtable'; depth=0 does so for each agent row."""
    em = estate.host("old-em")
    read = {"script": script_text("read_files"), "error_action": "stop",
            "parameters": {"Folder": f"{em_folder(em)}\\CertsInfo", "Names": ["Ca-crt.pem", "Em-crt.pem"]}}
    _stdout, full = run_module(estate, "old-em", "win_powershell", read)
    assert [entry["name"] for entry in full["result"]["files"]] == ["Ca-crt.pem", "Em-crt.pem"]
    _stdout, shallow = run_module(estate, "old-em", "win_powershell", {**read, "depth": 1})
    assert shallow["result"]["files"] == [HASHTABLE, HASHTABLE]
    assert shallow["result"]["folder"] == f"{em_folder(em)}\\CertsInfo"
    status = {"script": script_text("get_agent_status"), "error_action": "stop", "depth": 0,
              "parameters": {"ModulePath": f"{em_folder(em)}\\SI.SIMonitor.PowerShell.dll", "Port": 3740}}
    _stdout, rows = run_module(estate, "old-em", "win_powershell", status)
    assert rows["output"] == [HASHTABLE] * len(estate.hosts("agent"))


def test_win_powershell_truncates_a_list_of_hashtables_as_powershell_does(estate: Estate) -> None:
    """depth=0: the files array is cast to [string], which names each hashtable's type and shows none of its values."""
    em = estate.host("old-em")
    _stdout, result = run_module(estate, "old-em", "win_powershell", {
        "script": script_text("read_files"), "error_action": "stop", "depth": 0,
        "parameters": {"Folder": f"{em_folder(em)}\\CertsInfo", "Names": ["Ca-crt.pem", "Em-crt.pem"]}})
    assert result["result"]["files"] == f"{HASHTABLE} {HASHTABLE}"


# 4. EM start rules and the agent list -------------------------------------------------------------
def test_new_em_with_the_old_ems_four_pems_and_its_own_secret_starts(fresh: Estate) -> None:
    """Vendor step 2 half done: new-em with old-em's CA and EM pairs but its own Secret.dpapi starts and trusts old-em's CA."""
    old, new = fresh.host("old-em"), fresh.host("new-em")
    own_secret = programs.secret_of(new)
    services.stop(new, EM)
    for name in PEMS:
        shutil.copyfile(certs_info(old, name), certs_info(new, name))
    services.start(new, EM)
    assert em_state(new)["state"] == "started" and em_state(new).get("last_start_error") is None
    assert programs.secret_of(new) == own_secret
    assert certs.fingerprint(certs_info(new, "Ca-crt.pem").read_bytes()) == certs.fingerprint(certs_info(old, "Ca-crt.pem").read_bytes())


def test_new_em_with_an_em_key_from_another_set_refuses_to_start(fresh: Estate) -> None:
    """new-em with old-em's Ca-crt, Ca-key and Em-crt but its own Em-key.pem refuses to start and says why."""
    old, new = fresh.host("old-em"), fresh.host("new-em")
    services.stop(new, EM)
    for name in ("Ca-crt.pem", "Ca-key.pem", "Em-crt.pem"):
        shutil.copyfile(certs_info(old, name), certs_info(new, name))
    with pytest.raises(services.ServiceError, match="cannot be started"):
        services.start(new, EM)
    assert em_state(new)["state"] == "stopped"
    assert "Em-key.pem" in em_state(new)["last_start_error"]


def _agent_status(estate: Estate, host: str) -> list[dict[str, t.Any]]:
    run = script_run(estate, host)
    em = estate.host(host)
    twins.TWINS["get_agent_status"](run, {"ModulePath": f"{em_folder(em)}\\SI.SIMonitor.PowerShell.dll", "Port": 3740})
    return run.output


def test_a_stopped_em_lists_no_agents(estate: Estate) -> None:
    """get_agent_status on a stopped EM cannot connect (and does list agents once the EM runs again)."""
    old = estate.host("old-em")
    services.stop(old, EM)
    with pytest.raises(twins.ScriptError, match=r"Unable to connect to the Enterprise Manager at 127\.0\.0\.1:3740"):
        _agent_status(estate, "old-em")
    services.start(old, EM)
    assert len(_agent_status(estate, "old-em")) == len(estate.hosts("agent"))


def test_a_running_em_lists_every_agent_with_its_status(estate: Estate) -> None:
    """Both running EMs list every agent: Active where connected, Stopped if its service is down, else Lost Connection
    (typed objects, the default shape: the status enum's name, the endpoint's ToString())."""
    services.stop(estate.host("agent02"), "SIWindowsAgent")
    expected = {agent.system()["computer_name"]: agent.system()["fqdn"] for agent in estate.hosts("agent")}
    for em, active in (("old-em", "Active"), ("new-em", "LostConnection")):
        rows = _agent_status(estate, em)
        assert {row["Machine"]: row["FQDN"] for row in rows} == expected
        statuses = {row["Machine"]: row["Status"] for row in rows}
        assert statuses == {"AGENT01": active, "AGENT02": "Stopped", "AGENT03": active, "AGENT04": active}
        assert all(row["Address"].endswith(":3741") and row["VersionString"] for row in rows)
