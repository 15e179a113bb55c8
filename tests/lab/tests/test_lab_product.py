# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generated estate and the emulated product: outcomes follow from files and services, never by fiat.

Every state change here goes through tplab.services (the service control manager) or through the
files the product reads; no test writes an answer (a connection, a status) into the estate.
"""

from __future__ import annotations

import collections
import ntpath
import re
from pathlib import Path

import pytest
import yaml

from tplab import certs, config_variants, dotnet_config, dpapi, product, services, status
from tplab.estate import Estate, Host
from tplab.generator import EstateSpec, build_estate

AGENT = "SIWindowsAgent"
EM = "SIEnterpriseManager"
NEW_EM_ADDRESS = "new-em.corp.example:3741"


# Helpers ----------------------------------------------------------------------------------------
def service(host: Host, name: str) -> dict:
    return host.system()["services"][name]


def certs_file(host: Host, file_name: str) -> Path:
    """A file in the CertsInfo folder of the host's EM or agent install."""
    name = EM if EM in host.system()["services"] else AGENT
    return host.path(product.install_folder(service(host, name)) + "\\CertsInfo\\" + file_name)


def agent_config(agent: Host) -> Path:
    return agent.path(product.executable(service(agent, AGENT)["path"]) + ".config")


def point_agent_at(agent: Host, address: str) -> None:
    """Edit the agent's managerAddress the way its file is written (encoding, quotes, layout kept)."""
    style = config_variants.style_by_name(agent.system()["lab"]["config_style"])
    path = agent_config(agent)
    current = dotnet_config.read_app_setting(path.read_bytes(), "managerAddress")
    assert current is not None
    assert config_variants.render_agent_config(style, current) == path.read_bytes()  # the file is the style's rendering
    path.write_bytes(config_variants.render_agent_config(style, address))
    assert dotnet_config.read_app_setting(path.read_bytes(), "managerAddress") == address


def connected(estate: Estate, agent: str) -> str | None:
    em = product.connected_em(estate, estate.host(agent))
    return em.name if em else None


def status_by_agent(estate: Estate, em: str) -> dict[str, str]:
    """Machine (computer name) -> Status, as Get-SIAgentStatus lists them on that EM."""
    return {row["Machine"]: row["Status"] for row in product.agent_status_rows(estate, estate.host(em))}


def ca_of(em: Host) -> certs.KeyPair:
    return certs.KeyPair(certs_file(em, "Ca-crt.pem").read_bytes(), certs_file(em, "Ca-key.pem").read_bytes())


# The generator ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def twenty(tmp_path_factory: pytest.TempPathFactory) -> Estate:
    """A 20-agent estate (the smallest with an agent already on the new EM), read only."""
    return build_estate(tmp_path_factory.mktemp("generator") / "estate", EstateSpec(agents=20))


def test_inventory_groups_every_host_by_role(twenty: Estate) -> None:
    """inventory.yml has tp_old_em, tp_new_em and tp_agents with every host once, reachable by ansible_host."""
    inventory = yaml.safe_load((twenty.root / "inventory.yml").read_text(encoding="utf-8"))
    groups = {name: group["hosts"] for name, group in inventory["all"]["children"].items()}
    assert set(groups["tp_old_em"]) == {"old-em"}
    assert set(groups["tp_new_em"]) == {"new-em"}
    assert set(groups["tp_agents"]) == {f"agent{index:02d}" for index in range(1, 21)}
    everyone = [name for hosts in groups.values() for name in hosts]
    assert sorted(everyone) == sorted(host.name for host in twenty.hosts())
    assert inventory["all"]["vars"]["ansible_user"] == twenty.setting("winrm_user")
    assert inventory["all"]["vars"]["ansible_password"] == twenty.setting("winrm_password")
    plugins = []
    for hosts in groups.values():
        for name, host_vars in hosts.items():
            resolved = twenty.resolve_name(host_vars["ansible_host"])
            assert resolved is not None and resolved.name == name
            assert host_vars["ansible_port"] == 5986, "WinRM over HTTPS, as production should use"
            plugins.append(host_vars["ansible_connection"])
    assert set(plugins) == {"psrp", "winrm"}, "a mixed estate reaches hosts through both real connection plugins"


def test_every_agent_but_the_twentieth_is_connected_to_the_old_em(twenty: Estate) -> None:
    """After boot, agent01..agent19 are connected to old-em and agent20 to new-em (computed from their files)."""
    expected = {f"agent{index:02d}": ("new-em" if index == 20 else "old-em") for index in range(1, 21)}
    assert {agent.name: connected(twenty, agent.name) for agent in twenty.hosts("agent")} == expected
    assert status.summary(twenty) == {"old-em": 19, "new-em": 1}


def test_agent_files_name_the_em_the_agent_is_connected_to(twenty: Estate) -> None:
    """Each agent's managerAddress (in whatever form) resolves to the EM it is connected to."""
    for agent in twenty.hosts("agent"):
        address = dotnet_config.read_app_setting(agent_config(agent).read_bytes(), "managerAddress")
        assert address is not None
        name, port = product.parse_manager(address, 3741)
        em = twenty.resolve_name(name)
        assert em is not None and em.name == connected(twenty, agent.name) and port == 3741


def test_agents_write_the_old_em_address_in_every_form(twenty: Estate) -> None:
    """The old EM is named by short name, FQDN, IPv4, bracketed IPv6, host only and upper case across agents."""
    addresses = {dotnet_config.read_app_setting(agent_config(agent).read_bytes(), "managerAddress") for agent in twenty.hosts("agent")}
    assert {"old-em:3741", "old-em.corp.example:3741", "10.20.0.10:3741", "[fd00::10]:3741", "old-em",
            "OLD-EM.CORP.EXAMPLE:3741", NEW_EM_ADDRESS} <= addresses


def test_install_folders_and_command_lines_vary(twenty: Estate) -> None:
    """Agents are installed in several folders, with quoted, unquoted-with-spaces and argument-bearing command lines."""
    paths = [service(agent, AGENT)["path"] for agent in twenty.hosts("agent")]
    folders = {ntpath.dirname(product.executable(path)).lower() for path in paths}
    assert len(folders) >= 4
    assert any("(x86)" in folder for folder in folders) and any(folder.startswith("d:") for folder in folders)
    assert any("stealthbits" in folder for folder in folders)
    assert any(re.fullmatch(r'"[^"]+\.exe"', path) for path in paths), "quoted, no arguments"
    assert any(not path.startswith('"') and " " in path for path in paths), "unquoted with spaces"
    assert any(re.fullmatch(r'"[^"]+\.exe" -\w+', path) for path in paths), "with arguments"
    for agent in twenty.hosts("agent"):
        exe = product.executable(service(agent, AGENT)["path"])
        assert agent.path(exe).is_file() and agent.path(exe + ".config").is_file()
        assert certs_file(agent, "ca-crt.pem").is_file() and certs_file(agent, "agent-crt.pem").is_file()


def test_config_styles_vary_across_agents(twenty: Estate) -> None:
    """Agents' config files come in many styles (BOMs, UTF-16, line ends), each as the style renders it."""
    styles = collections.Counter(agent.system()["lab"]["config_style"] for agent in twenty.hosts("agent"))
    assert len(styles) >= 12
    first_bytes = {agent_config(agent).read_bytes()[:2] for agent in twenty.hosts("agent")}
    assert {b"\xff\xfe", b"\xfe\xff", b"\xef\xbb", b"<?"} <= first_bytes


def test_every_service_runs_and_the_ems_listen_after_boot(twenty: Estate) -> None:
    """build_estate boots every host: each service started, each EM listening on 3740 and 3741."""
    for host in twenty.hosts():
        assert {name: svc["state"] for name, svc in host.system()["services"].items()} == {
            (EM if host.role.endswith("_em") else AGENT): "started"}
    for em in twenty.hosts("old_em") + twenty.hosts("new_em"):
        assert product.listening_ports(em) == {3740, 3741}


def test_new_em_shares_the_ca_but_has_its_own_secret(twenty: Estate) -> None:
    """The new EM has the old EM's CA (certificate and key) but its own EM certificate and machine-bound Secret.dpapi."""
    old, new = twenty.host("old-em"), twenty.host("new-em")
    assert certs_file(old, "Ca-crt.pem").read_bytes() == certs_file(new, "Ca-crt.pem").read_bytes()
    assert certs_file(old, "Ca-key.pem").read_bytes() == certs_file(new, "Ca-key.pem").read_bytes()
    assert certs_file(old, "Em-crt.pem").read_bytes() != certs_file(new, "Em-crt.pem").read_bytes()
    for em in (old, new):
        files = {name: certs_file(em, name).read_bytes() for name in product.EM_CERTS}
        certs.check_em_set(files["Ca-crt.pem"], files["Ca-key.pem"], files["Em-crt.pem"], files["Em-key.pem"])
    old_secret, new_secret = certs_file(old, "Secret.dpapi").read_bytes(), certs_file(new, "Secret.dpapi").read_bytes()
    assert old_secret != new_secret
    assert dpapi.unprotect(old.system()["machine_key"], old_secret)
    assert dpapi.unprotect(new.system()["machine_key"], new_secret)
    with pytest.raises(dpapi.DecryptError):
        dpapi.unprotect(new.system()["machine_key"], old_secret)
    with pytest.raises(dpapi.DecryptError):
        dpapi.unprotect(old.system()["machine_key"], new_secret)


def test_agents_trust_the_estate_ca(twenty: Estate) -> None:
    """Every agent holds the EM's CA certificate and a certificate that CA issued."""
    ca = certs_file(twenty.host("old-em"), "Ca-crt.pem").read_bytes()
    for agent in twenty.hosts("agent"):
        assert certs_file(agent, "ca-crt.pem").read_bytes() == ca
        assert certs.issued_by(certs_file(agent, "agent-crt.pem").read_bytes(), ca)


def test_build_estate_replaces_a_previous_estate(tmp_path: Path) -> None:
    """Building again at the same path starts from scratch: fewer agents means the extra hosts are gone."""
    root = tmp_path / "estate"
    build_estate(root, EstateSpec(agents=3))
    (root / "hosts" / "agent03" / "stray.txt").write_text("left over", encoding="utf-8")
    estate = build_estate(root, EstateSpec(agents=2))
    assert sorted(host.name for host in estate.hosts()) == ["agent01", "agent02", "new-em", "old-em"]
    assert not (root / "hosts" / "agent03").exists()


# The Enterprise Manager -------------------------------------------------------------------------
def _remove_em_key(estate: Estate) -> None:
    certs_file(estate.host("old-em"), "Em-key.pem").unlink()


def _foreign_em_key(estate: Estate) -> None:
    """A key for another certificate from the same CA: the files are valid, they just do not belong together."""
    other = certs.issue(ca_of(estate.host("old-em")), "old-em.corp.example")
    certs_file(estate.host("old-em"), "Em-key.pem").write_bytes(other.key_pem)


def _em_cert_from_another_ca(estate: Estate) -> None:
    """A matching EM certificate and key, issued by a CA that is not the one in Ca-crt.pem."""
    other = certs.issue(certs.make_ca("Some Other CA"), "old-em.corp.example")
    certs_file(estate.host("old-em"), "Em-crt.pem").write_bytes(other.cert_pem)
    certs_file(estate.host("old-em"), "Em-key.pem").write_bytes(other.key_pem)


def _secret_copied_from_new_em(estate: Estate) -> None:
    data = certs_file(estate.host("new-em"), "Secret.dpapi").read_bytes()
    certs_file(estate.host("old-em"), "Secret.dpapi").write_bytes(data)


@pytest.mark.parametrize(("breakage", "reason"), [
    pytest.param(_remove_em_key, "Em-key.pem is missing", id="em-key-missing"),
    pytest.param(_foreign_em_key, "Em-key.pem does not belong to Em-crt.pem", id="em-key-of-another-cert"),
    pytest.param(_em_cert_from_another_ca, "Em-crt.pem is not issued by the CA", id="em-cert-from-another-ca"),
    pytest.param(_secret_copied_from_new_em, "cannot decrypt Secret.dpapi", id="secret-copied-from-other-host"),
])
def test_em_refuses_to_start_with_bad_files_and_starts_once_they_are_right(estate: Estate, breakage, reason: str) -> None:
    """The EM service start fails (and says why in last_start_error) until its CertsInfo files are right again."""
    em = estate.host("old-em")
    folder = product.install_folder(service(em, EM)) + "\\CertsInfo"
    originals = {name: em.path(f"{folder}\\{name}").read_bytes() for name in (*product.EM_CERTS, "Secret.dpapi")}
    services.stop(em, EM)
    breakage(estate)
    with pytest.raises(services.ServiceError, match=r"cannot be started due to the following error: Cannot start service SIEnterpriseManager"):
        services.start(em, EM)
    after = service(em, EM)
    assert after["state"] == "stopped" and reason in after["last_start_error"]
    assert 3741 not in product.listening_ports(em)
    assert connected(estate, "agent01") is None
    for name, data in originals.items():
        em.path(f"{folder}\\{name}").write_bytes(data)
    services.start(em, EM)
    assert service(em, EM)["state"] == "started" and service(em, EM)["last_start_error"] is None
    assert product.listening_ports(em) == {3740, 3741}
    assert connected(estate, "agent01") == "old-em"


def test_a_running_em_is_not_affected_by_its_files_until_restarted(estate: Estate) -> None:
    """The EM checks its files at start only: removing Em-key.pem under a running EM does not stop it."""
    em = estate.host("old-em")
    certs_file(em, "Em-key.pem").unlink()
    assert service(em, EM)["state"] == "started" and connected(estate, "agent01") == "old-em"
    services.stop(em, EM)
    with pytest.raises(services.ServiceError):
        services.start(em, EM)


def test_the_secret_imported_the_right_way_lets_the_em_start(estate: Estate) -> None:
    """Secret.dpapi re-protected with this host's machine key (what SecretMgr -i does) is accepted."""
    old, new = estate.host("old-em"), estate.host("new-em")
    plain = dpapi.unprotect(old.system()["machine_key"], certs_file(old, "Secret.dpapi").read_bytes())
    services.stop(new, EM)
    certs_file(new, "Secret.dpapi").write_bytes(dpapi.protect(new.system()["machine_key"], plain))
    services.start(new, EM)
    assert service(new, EM)["state"] == "started"


# The agent --------------------------------------------------------------------------------------
def test_agent_reads_its_config_only_at_start(estate: Estate) -> None:
    """A new managerAddress takes effect at the next service start, not when the file is written."""
    agent = estate.host("agent01")
    point_agent_at(agent, NEW_EM_ADDRESS)
    assert connected(estate, "agent01") == "old-em"
    assert status_by_agent(estate, "old-em")["AGENT01"] == "Active"
    services.stop(agent, AGENT)
    assert connected(estate, "agent01") is None
    services.start(agent, AGENT)
    assert connected(estate, "agent01") == "new-em"
    assert status_by_agent(estate, "new-em")["AGENT01"] == "Active"
    assert status_by_agent(estate, "old-em")["AGENT01"] == "Lost Connection"


@pytest.mark.parametrize("address", ["new-em", "NEW-EM:3741", "10.20.0.11:3741", "[fd00::0:11]:3741", "new-em.corp.example.:3741"])
def test_agent_connects_to_the_em_its_address_names_in_any_form(estate: Estate, address: str) -> None:
    """After a restart an agent is on the EM its address resolves to, whatever the form of the address."""
    agent = estate.host("agent02")
    point_agent_at(agent, address)
    services.stop(agent, AGENT)
    services.start(agent, AGENT)
    assert connected(estate, "agent02") == "new-em"


@pytest.mark.parametrize("address", ["new-em:3740", "new-em:5000", "nowhere.corp.example:3741", "new-em:port"])
def test_agent_with_a_wrong_address_is_connected_nowhere(estate: Estate, address: str) -> None:
    """An address naming no EM, or the EM on a port other than its agent port, leaves the agent unconnected."""
    agent = estate.host("agent02")
    point_agent_at(agent, address)
    services.stop(agent, AGENT)
    services.start(agent, AGENT)
    assert service(agent, AGENT)["state"] == "started"
    assert connected(estate, "agent02") is None
    assert status_by_agent(estate, "old-em")["AGENT02"] == status_by_agent(estate, "new-em")["AGENT02"] == "Lost Connection"


def test_agent_with_a_ca_from_another_ca_is_active_nowhere(estate: Estate) -> None:
    """An agent whose ca-crt.pem is another CA's runs but is Lost Connection on both EMs."""
    agent = estate.host("agent03")
    certs_file(agent, "ca-crt.pem").write_bytes(certs.make_ca("Another CA").cert_pem)
    services.stop(agent, AGENT)
    services.start(agent, AGENT)
    assert service(agent, AGENT)["state"] == "started"
    assert connected(estate, "agent03") is None
    assert status_by_agent(estate, "old-em")["AGENT03"] == "Lost Connection"
    assert status_by_agent(estate, "new-em")["AGENT03"] == "Lost Connection"
    assert status_by_agent(estate, "old-em")["AGENT01"] == "Active"


def test_agent_with_a_certificate_from_another_ca_is_active_nowhere(estate: Estate) -> None:
    """An agent whose own certificate another CA issued is refused, even with the right ca-crt.pem."""
    agent = estate.host("agent03")
    certs_file(agent, "agent-crt.pem").write_bytes(certs.issue(certs.make_ca("Another CA"), "agent03.corp.example", elliptic=True).cert_pem)
    services.stop(agent, AGENT)
    services.start(agent, AGENT)
    assert connected(estate, "agent03") is None


@pytest.mark.parametrize("content", [
    b"<configuration><appSettings><add key='managerAddress' value='old-em:3741'/></appSettings>",
    b"",
    b"\xff\xfe<\x00c\x00o\x00n\x00",
])
def test_agent_with_a_malformed_config_fails_to_start(estate: Estate, content: bytes) -> None:
    """A config file .NET cannot load makes the agent service fail to start, and the EMs list it Stopped."""
    agent = estate.host("agent04")
    services.stop(agent, AGENT)
    agent_config(agent).write_bytes(content)
    with pytest.raises(services.ServiceError, match="cannot be started"):
        services.start(agent, AGENT)
    assert service(agent, AGENT)["state"] == "stopped"
    assert "Configuration system failed to initialize" in service(agent, AGENT)["last_start_error"]
    assert status_by_agent(estate, "old-em")["AGENT04"] == "Stopped"


def test_agent_without_a_manager_address_fails_to_start(estate: Estate) -> None:
    """A well-formed config without managerAddress is a failed start, not an agent connected somewhere."""
    agent = estate.host("agent04")
    services.stop(agent, AGENT)
    agent_config(agent).write_bytes(b'<?xml version="1.0"?>\r\n<configuration><appSettings /></configuration>\r\n')
    with pytest.raises(services.ServiceError):
        services.start(agent, AGENT)
    assert "managerAddress is not set" in service(agent, AGENT)["last_start_error"]


def test_hardened_agent_refuses_a_local_stop(estate: Estate) -> None:
    """A hardened agent's stop fails with Windows' "cannot be stopped" text and it keeps running; softened, it stops."""
    agent = estate.host("agent01")
    with agent.editing_system() as system:  # what Harden Agent in the Administration Console sets
        system["services"][AGENT]["hardened"] = True
    with pytest.raises(services.ServiceError) as refused:
        services.stop(agent, AGENT)
    assert str(refused.value) == ("Service 'Netwrix Threat Prevention Windows Agent (SIWindowsAgent)' cannot be stopped due to "
                                  "the following error: Cannot stop SIWindowsAgent service on computer '.'.")
    assert service(agent, AGENT)["state"] == "started" and connected(estate, "agent01") == "old-em"
    with agent.editing_system() as system:
        system["services"][AGENT]["hardened"] = False
    services.stop(agent, AGENT)
    assert service(agent, AGENT)["state"] == "stopped"


def test_hardened_agent_refuses_a_start_mode_change(estate: Estate) -> None:
    """A hardened agent's start mode cannot be altered locally, so disabling it fails and it stays auto."""
    agent = estate.host("agent01")
    with agent.editing_system() as system:
        system["services"][AGENT]["hardened"] = True
    with pytest.raises(services.ServiceError):
        services.set_start_mode(agent, AGENT, "disabled")
    assert service(agent, AGENT)["start_mode"] == "auto"


def test_disabled_service_refuses_to_start(estate: Estate) -> None:
    """A disabled service cannot be started; set back to manual it starts and reconnects."""
    agent = estate.host("agent02")
    services.stop(agent, AGENT)
    services.set_start_mode(agent, AGENT, "disabled")
    refusal = r"Service 'Netwrix Threat Prevention Windows Agent \(SIWindowsAgent\)' cannot be started"
    with pytest.raises(services.ServiceError, match=refusal):
        services.start(agent, AGENT)
    assert service(agent, AGENT)["state"] == "stopped"
    services.set_start_mode(agent, AGENT, "manual")
    services.start(agent, AGENT)
    assert service(agent, AGENT)["state"] == "started" and connected(estate, "agent02") == "old-em"


@pytest.mark.parametrize(("value", "host", "name"), [
    (["SIWindowsAgent"], "agent01", AGENT), (True, "agent01", AGENT), ("*", "old-em", EM), (["siwindowsagent"], "agent01", AGENT),
])
def test_service_start_fails_fault_makes_a_start_fail(estate: Estate, value: object, host: str, name: str) -> None:
    """With the service_start_fails fault a start fails (the reason is recorded); cleared, the start works."""
    target = estate.host(host)
    services.stop(target, name)
    estate.set_fault(host, "service_start_fails", value)
    with pytest.raises(services.ServiceError, match="cannot be started"):
        services.start(target, name)
    assert service(target, name)["state"] == "stopped" and "fault injected" in service(target, name)["last_start_error"]
    estate.clear_faults(host)
    services.start(target, name)
    assert service(target, name)["state"] == "started"


def test_service_start_fails_fault_for_another_service_does_not_apply(estate: Estate) -> None:
    """A fault naming another service leaves this one's start alone."""
    agent = estate.host("agent01")
    services.stop(agent, AGENT)
    estate.set_fault("agent01", "service_start_fails", ["SomeOtherService"])
    services.start(agent, AGENT)
    assert service(agent, AGENT)["state"] == "started"


def test_agent_status_rows_list_every_agent_with_its_status_here(estate: Estate) -> None:
    """Each EM lists every agent: Active only where connected, Stopped when its service is stopped, else Lost Connection."""
    services.stop(estate.host("agent02"), AGENT)
    point_agent_at(estate.host("agent03"), NEW_EM_ADDRESS)
    services.stop(estate.host("agent03"), AGENT)
    services.start(estate.host("agent03"), AGENT)
    assert status_by_agent(estate, "old-em") == {"AGENT01": "Active", "AGENT02": "Stopped", "AGENT03": "Lost Connection", "AGENT04": "Active"}
    assert status_by_agent(estate, "new-em") == {"AGENT01": "Lost Connection", "AGENT02": "Stopped", "AGENT03": "Active",
                                                 "AGENT04": "Lost Connection"}
    rows = product.agent_status_rows(estate, estate.host("old-em"))
    assert [row["FQDN"] for row in rows] == [f"agent0{index}.corp.example" for index in range(1, 5)]
    assert all(set(row) == {"Machine", "FQDN", "Status", "Address", "Version String"} for row in rows)


def test_agents_lose_the_connection_while_their_em_is_stopped(estate: Estate) -> None:
    """Stopping the EM makes its agents Lost Connection; started again, they are Active again without a restart."""
    em = estate.host("old-em")
    services.stop(em, EM)
    assert set(status_by_agent(estate, "old-em").values()) == {"Lost Connection"}
    assert connected(estate, "agent01") is None
    services.start(em, EM)
    assert set(status_by_agent(estate, "old-em").values()) == {"Active"}


def test_start_and_stop_are_idempotent(estate: Estate) -> None:
    """Starting a started service or stopping a stopped one changes nothing (even if it could not start now)."""
    agent = estate.host("agent01")
    before = agent.system()
    agent_config(agent).write_bytes(b"broken")
    services.start(agent, AGENT)
    assert agent.system() == before
    services.stop(agent, AGENT)
    stopped = agent.system()
    services.stop(agent, AGENT)
    assert agent.system() == stopped


def test_service_names_are_case_insensitive(estate: Estate) -> None:
    """services.find looks a service up whatever the case of its name, returning its real name."""
    found = services.find(estate.host("agent01"), "siwindowsagent")
    assert found is not None and found[0] == AGENT
    assert services.find(estate.host("agent01"), "SIEnterpriseManager") is None


@pytest.mark.parametrize(("command_line", "exe"), [
    (r'"C:\Program Files\Netwrix\SIWindowsAgent.exe"', r"C:\Program Files\Netwrix\SIWindowsAgent.exe"),
    (r'"C:\Program Files\Netwrix\SIWindowsAgent.exe" -service', r"C:\Program Files\Netwrix\SIWindowsAgent.exe"),
    (r"C:\Program Files (x86)\Netwrix\SIWindowsAgent.exe", r"C:\Program Files (x86)\Netwrix\SIWindowsAgent.exe"),
    (r"C:\Program Files\Netwrix\SIWindowsAgent.exe -service", r"C:\Program Files\Netwrix\SIWindowsAgent.exe"),
    (r"D:\myagent\SIWindowsAgent.EXE", r"D:\myagent\SIWindowsAgent.EXE"),
])
def test_executable_of_a_service_command_line(command_line: str, exe: str) -> None:
    """The program of a command line: the quoted part, or the text up to '.exe' (spaces and arguments allowed)."""
    assert product.executable(command_line) == exe
