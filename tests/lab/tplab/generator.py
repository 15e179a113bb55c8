# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build an emulated estate: an old EM, a new EM, agents in the variants the field has, an inventory.

Hosts are written stopped and then booted through the same service emulation the modules use, so
every agent's starting state (which EM it is connected to) is computed, not declared.

Agents cycle through install folders (default, custom, legacy STEALTHbits, Program Files (x86)),
service command lines (quoted, unquoted with spaces, with arguments), config file styles
(tplab.config_variants) and ways of writing the old EM's address (short name, FQDN, IPv4, IPv6,
host only, upper case). One agent in twenty already points at the new EM.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from tplab import certs, config_variants, dpapi, services
from tplab.product import CONSOLE_CONFIG, CONSOLE_FOLDER, DEFAULT_AGENT_STATUS_SHAPE
from tplab.estate import Estate, Host, write_bytes_atomic, write_json_atomic

EM_FOLDER = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager"
AGENT_FOLDERS = (
    ("default", r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent"),
    ("custom", r"D:\myagent"),
    ("legacy", r"C:\Program Files\STEALTHbits\StealthINTERCEPT\SIWindowsAgent"),
    ("default", r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent"),
    ("x86", r"C:\Program Files (x86)\Netwrix\Netwrix Threat Prevention\SIWindowsAgent"),
)
COMMAND_LINES = ('"{exe}"', "{exe}", '"{exe}" -service')
OLD_ADDRESS_FORMS = ("old-em:3741", "old-em.{domain}:3741", "10.20.0.10:3741", "[fd00::10]:3741", "old-em",
                     "OLD-EM.{DOMAIN}:3741")
WINDOWS_FOLDERS = (r"C:\Windows\SysWOW64", r"C:\Windows\System32")
PRODUCT_VERSION = "7.4.0.1107"
PROGRAM_BYTES = b"MZ\x90\x00 emulated program (tests/lab)\n"
SQL_SERVER = "sql01.corp.example,1433"
DATABASES = ("NVMonitorConfig", "NVMonitorData")
# The SQL login's password in every EM config: tests check that it never leaves a host.
SQL_PASSWORD = "Lab-Sql-Pa55;word"
# The account the controller logs on with (a local administrator on every host); each estate gets its own password.
WINRM_USER = "CORP\\tp-ansible"
# What the inventory sets for each connection plugin: HTTPS on 5986, as WinRM in production should be.
CONNECTION_VARS = {
    "psrp": {"ansible_connection": "psrp", "ansible_port": 5986, "ansible_psrp_protocol": "https",
             "ansible_psrp_auth": "negotiate", "ansible_psrp_cert_validation": "ignore"},
    "winrm": {"ansible_connection": "winrm", "ansible_port": 5986, "ansible_winrm_scheme": "https",
              "ansible_winrm_transport": "ntlm", "ansible_winrm_server_cert_validation": "ignore"},
}


@dataclass(frozen=True)
class EstateSpec:
    """What to build. The defaults are an estate whose new EM is already migrated (same CA, the old
    EM's secret); ``new_em="fresh"`` is the state before a migration: the new EM just installed,
    with the installer's own CA and secret, running against the same databases."""

    agents: int = 20
    consoles: int = 0
    windows_hosts: int = 0  # bare Windows hosts (group windows) for the ansible-test integration targets
    domain: str = "corp.example"
    new_em: str = "migrated"  # or "fresh"
    certificates: str = "default"  # or "customer": a customer CA signs the EM certificate; no Ca-key.pem
    old_em_version: str = PRODUCT_VERSION
    new_em_version: str = PRODUCT_VERSION
    new_em_sql_server: str = SQL_SERVER
    new_em_databases: tuple[str, str] = DATABASES
    secretmgr_output: str = "syswow64"  # or working_folder, own_folder: where SecretMgr.exe -e writes (tplab.programs)
    agent_default_port: int = 3741  # what an agent assumes for a host-only managerAddress
    connection: str = "mixed"  # psrp, winrm, or mixed: every other host (in estate order) over psrp, the rest over winrm
    winrm_password: str | None = None  # the administrator account's password; None: a random one for this estate
    agent_status_shape: str = DEFAULT_AGENT_STATUS_SHAPE  # what Get-SIAgentStatus writes (tplab.product)
    sql_password: str = SQL_PASSWORD  # the SQL login's password in both EMs' configs (leak tests give each estate its own)


@dataclass(frozen=True)
class Trust:
    """The certificate authority agents and EMs are enrolled with; its key exists only in memory here."""

    ca: certs.KeyPair
    customer: bool


def build_estate(root: Path, spec: EstateSpec) -> Estate:
    """Create the estate folder from scratch and boot every host."""
    estate = Estate(root)
    if root.exists():
        if any(root.iterdir()) and not estate.exists():
            raise FileExistsError(f"{root} exists and is not an estate; refusing to delete it (choose an empty or new folder)")
        shutil.rmtree(root)
    roles = {"old-em": "old_em", "new-em": "new_em"}
    roles.update({agent_name(index): "agent" for index in range(1, spec.agents + 1)})
    roles.update({console_name(index): "console" for index in range(1, spec.consoles + 1)})
    roles.update({windows_name(index): "windows" for index in range(1, spec.windows_hosts + 1)})
    write_json_atomic(estate.lab / "estate.json", {"roles": roles, "settings": {
        "domain": spec.domain, "secretmgr_output": spec.secretmgr_output, "agent_default_port": spec.agent_default_port,
        "connection": spec.connection, "winrm_user": WINRM_USER, "agent_status_shape": spec.agent_status_shape,
        "winrm_password": spec.winrm_password or secrets.token_urlsafe(12)}})
    trust = Trust(ca=certs.make_ca("Customer Root CA" if spec.certificates == "customer" else "Threat Prevention CA"),
                  customer=spec.certificates == "customer")
    secret = os.urandom(32)
    write_json_atomic(estate.lab / "database.json", {"server": SQL_SERVER, "secret_sha256": hashlib.sha256(secret).hexdigest()})
    _write_em(estate, "old-em", 10, trust, secret, EmSetup(spec.old_em_version, SQL_SERVER, DATABASES, spec.sql_password), spec)
    new_setup = EmSetup(spec.new_em_version, spec.new_em_sql_server, spec.new_em_databases, spec.sql_password)
    if spec.new_em == "fresh":  # the installer made its own CA and secret
        fresh = Trust(ca=certs.make_ca("Threat Prevention CA"), customer=False)
        _write_em(estate, "new-em", 11, fresh, os.urandom(32), new_setup, spec)
    else:
        _write_em(estate, "new-em", 11, trust, secret, new_setup, spec)
    for index in range(1, spec.agents + 1):
        _write_agent(estate, index, trust.ca, spec)
    for index in range(1, spec.windows_hosts + 1):
        _write_bare_windows(estate, index, spec)
    for index in range(1, spec.consoles + 1):
        _write_console(estate, index, trust.ca, spec)
    for host in estate.hosts():
        _boot(host)
    write_inventory(estate, spec)
    return estate


def agent_name(index: int) -> str:
    return f"agent{index:02d}"


def windows_name(index: int) -> str:
    return f"win{index:02d}"


def _write_bare_windows(estate: Estate, index: int, spec: EstateSpec) -> None:
    """A Windows Server with nothing of Threat Prevention on it: the collection's integration targets build their own."""
    host = estate.host(windows_name(index))
    for folder in WINDOWS_FOLDERS:
        host.path(folder).mkdir(parents=True, exist_ok=True)
    write_json_atomic(host.root / "system.json", _system(windows_name(index), f"3.{index}", spec))


def console_name(index: int) -> str:
    return f"console{index:02d}"


def _system(name: str, octet: str, spec: EstateSpec, version: str = PRODUCT_VERSION) -> dict:
    return {"computer_name": name.upper(), "fqdn": f"{name}.{spec.domain}",
            "addresses": [f"10.20.{octet}", f"fd00::{octet.replace('.', ':')}"],
            "machine_key": dpapi.new_machine_key(), "product_version": version, "services": {}}


def _write_file(host: Host, windows_path: str, data: bytes) -> None:
    write_bytes_atomic(host.path(windows_path), data)


@dataclass(frozen=True)
class EmSetup:
    """What the installer was given: the product version and the SQL server and databases."""

    version: str
    sql_server: str
    databases: tuple[str, str]
    sql_password: str


def _write_em(estate: Estate, name: str, octet: int, trust: Trust, secret: bytes, setup: EmSetup, spec: EstateSpec) -> None:
    host = estate.host(name)
    system = _system(name, f"0.{octet}", spec, setup.version)
    em = certs.issue(trust.ca, f"{name}.{spec.domain}")
    files = {"Ca-crt.pem": trust.ca.cert_pem, "Em-crt.pem": em.cert_pem, "Em-key.pem": em.key_pem,
             "Secret.dpapi": dpapi.protect(system["machine_key"], secret)}
    if not trust.customer:  # "Ca-key.pem (absent if custom signed)"
        files["Ca-key.pem"] = trust.ca.key_pem
    for file_name, data in files.items():
        _write_file(host, f"{EM_FOLDER}\\CertsInfo\\{file_name}", data)
    for program in ("SIEnterpriseManager.exe", "SecretMgr.exe", "SIDBConfigMgr.exe", "SICertMgr.exe", "SI.SIMonitor.PowerShell.dll"):
        _write_file(host, f"{EM_FOLDER}\\{program}", PROGRAM_BYTES)
    _write_file(host, f"{EM_FOLDER}\\SIEnterpriseManager.exe.config", _em_config(setup))
    for folder in WINDOWS_FOLDERS:
        host.path(folder).mkdir(parents=True, exist_ok=True)
    system["services"]["SIEnterpriseManager"] = {
        "display_name": "Netwrix Threat Prevention Enterprise Manager", "path": f'"{EM_FOLDER}\\SIEnterpriseManager.exe"',
        "program": "enterprise_manager", "start_mode": "auto", "state": "stopped"}
    write_json_atomic(host.root / "system.json", system)


def _em_config(setup: EmSetup) -> bytes:
    """SIEnterpriseManager.exe.config as SIDBConfigMgr writes it (entry names are a guess; the vendor does not say)."""
    strings = "".join(
        f'    <add name="{database}" connectionString="Data Source={setup.sql_server};Initial Catalog={database};'
        f"User ID=tp_service;Password='{setup.sql_password}';Encrypt=True\" />\r\n" for database in setup.databases)
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n  <connectionStrings>\r\n' + strings +
            '  </connectionStrings>\r\n  <appSettings>\r\n'
            '    <add key="AgentPort" value="3741" />\r\n    <add key="ConsolePort" value="3740" />\r\n'
            '  </appSettings>\r\n</configuration>\r\n').encode("utf-8")


def _write_console(estate: Estate, index: int, ca: certs.KeyPair, spec: EstateSpec) -> None:
    """A remote Administration Console: its config names the EM on 3740; its CertsInfo holds the CA certificate."""
    name = console_name(index)
    host = estate.host(name)
    style = config_variants.CONSOLE_STYLES[index % len(config_variants.CONSOLE_STYLES)]
    address = "old-em.{domain}:3740" if index % 2 else "10.20.0.10:3740"
    _write_file(host, f"{CONSOLE_FOLDER}\\SIWinConsole.exe", PROGRAM_BYTES)
    _write_file(host, CONSOLE_CONFIG,
                config_variants.render_console_config(style, address.format(domain=spec.domain)))
    _write_file(host, f"{CONSOLE_FOLDER}\\CertsInfo\\ca-crt.pem", ca.cert_pem)
    system = _system(name, f"2.{index}", spec)
    system["lab"] = {"config_style": style.name}
    write_json_atomic(host.root / "system.json", system)


def _write_agent(estate: Estate, index: int, ca: certs.KeyPair, spec: EstateSpec) -> None:
    name = agent_name(index)
    host = estate.host(name)
    system = _system(name, f"1.{index}", spec)
    _kind, folder = AGENT_FOLDERS[index % len(AGENT_FOLDERS)]
    exe = f"{folder}\\SIWindowsAgent.exe"
    style = config_variants.AGENT_STYLES[index % len(config_variants.AGENT_STYLES)]
    already_moved = index % 20 == 0 and spec.new_em != "fresh"  # before a migration every agent is on the old EM
    address = "new-em.{domain}:3741" if already_moved else OLD_ADDRESS_FORMS[index % len(OLD_ADDRESS_FORMS)]
    address = address.format(domain=spec.domain, DOMAIN=spec.domain.upper())
    agent = certs.issue(ca, f"{name}.{spec.domain}", elliptic=True)
    _write_file(host, exe, PROGRAM_BYTES)
    _write_file(host, exe + ".config", config_variants.render_agent_config(style, address))
    for file_name, data in (("ca-crt.pem", ca.cert_pem), ("agent-crt.pem", agent.cert_pem), ("agent-key.pem", agent.key_pem)):
        _write_file(host, f"{folder}\\CertsInfo\\{file_name}", data)
    system["services"]["SIWindowsAgent"] = {
        "display_name": "Netwrix Threat Prevention Windows Agent", "path": COMMAND_LINES[index % len(COMMAND_LINES)].format(exe=exe),
        "program": "agent", "start_mode": "auto", "state": "stopped", "hardened": False}
    system["lab"] = {"install_variant": AGENT_FOLDERS[index % len(AGENT_FOLDERS)][0], "config_style": style.name}
    write_json_atomic(host.root / "system.json", system)


def _boot(host: Host) -> None:
    """Start every auto-start service, as Windows does at boot (EMs first: they are earlier in the list)."""
    for name, service in host.system()["services"].items():
        if service["start_mode"] in ("auto", "delayed"):
            services.start(host, name)


def connection_of(estate: Estate, host: Host) -> str:
    """Which connection plugin reaches this host: the estate's choice, or in a mixed estate every other host."""
    choice = estate.setting("connection")
    if choice != "mixed":
        return str(choice)
    names = [other.name for other in estate.hosts()]
    return "psrp" if names.index(host.name) % 2 == 0 else "winrm"


def write_inventory(estate: Estate, spec: EstateSpec) -> Path:
    """An Ansible inventory for the estate: the groups the collection's playbooks use, real WinRM/PSRP variables."""
    def group(name: str, role: str) -> str:
        members = ""
        for host in estate.hosts(role):
            variables = {"ansible_host": f"{host.name}.{spec.domain}", **CONNECTION_VARS[connection_of(estate, host)]}
            members += f"        {host.name}:\n" + "".join(f"          {key}: {value}\n" for key, value in variables.items())
        return f"    {name}:\n      hosts:\n{members}" if members else f"    {name}:\n      hosts: {{}}\n"
    text = (
        "---\n# Inventory of an emulated estate (tests/lab): the real psrp and winrm connection plugins, with\n"
        "# TPLAB_ESTATE and PYTHONPATH=tests/lab/pythonpath routing them to the estate's hosts.\n"
        f"all:\n  vars:\n    ansible_user: '{estate.setting('winrm_user')}'\n"
        f"    ansible_password: '{estate.setting('winrm_password')}'\n"
        "  children:\n" + group("tp_old_em", "old_em") + group("tp_new_em", "new_em") + group("tp_consoles", "console")
        + group("tp_agents", "agent") + (group("windows", "windows") if spec.windows_hosts else "")
    )
    path = estate.root / "inventory.yml"
    path.write_text(text, encoding="utf-8")
    return path
