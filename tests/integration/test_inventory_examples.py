# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory examples in docs/examples/inventory say what the real connection plugins will do.

An admin copies these files, so a wrong variable name or a value the plugin reads differently
would silently give them a weaker connection than the comment promises. Each example is parsed by
the real ``ansible-inventory``; then, for every host, the real ``ansible.builtin.winrm`` or
``ansible.builtin.psrp`` plugin is built and its options set from that host's variables the way
TaskExecutor._set_connection_options does (and plugins/plugin_utils/_peer.py for the peer). The
plugin then builds its own client arguments and the pywinrm/pypsrp client objects are constructed,
which validates them without opening a connection. Nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret, VaultSecretsContext
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader, init_plugin_loader
from ansible.template import Templar
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
from ansible.vars.manager import VariableManager

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._transport import unencrypted_reason

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "inventory"
ANSIBLE_INVENTORY = Path(sys.executable).with_name("ansible-inventory")
GROUPS = ("tp_old_em", "tp_new_em", "tp_agents", "tp_consoles")
CA_BUNDLE = "/etc/pki/ca-trust/source/anchors/corp-root-ca.pem"
PASSWORD_ENV = "TP_WINDOWS_PASSWORD"
EM_GROUPS = {"tp_old_em", "tp_new_em"}
BUILTIN_PLUGINS = {"ansible.builtin.winrm", "ansible.builtin.psrp"}


@pytest.fixture(scope="module", autouse=True)
def collection_finder() -> t.Iterator[None]:
    """The collection finder ansible-playbook installs at start, so ``lookup('ansible.builtin.env')`` resolves.

    It is process-wide, so it is removed again afterwards for the other tests of this worker.
    """
    if AnsibleCollectionConfig.collection_finder is not None:
        yield
        return
    init_plugin_loader()
    try:
        yield
    finally:
        _AnsibleCollectionFinder._remove()  # pylint: disable=protected-access
        AnsibleCollectionConfig._collection_finder = None  # pylint: disable=protected-access


class Resolved(t.NamedTuple):
    """One host's connection plugin with its options set, and the groups the host is in."""

    host: str
    groups: frozenset[str]
    connection: t.Any


def _host_variables(inventory: Path, loader: DataLoader, extra_vars: dict[str, t.Any]) -> t.Iterator[tuple[t.Any, dict]]:
    """Each host with its variables, extra vars on top (they win over every inventory level, as ``-e`` does)."""
    manager = InventoryManager(loader=loader, sources=[str(inventory)])
    variables = VariableManager(loader=loader, inventory=manager)
    for host in manager.get_hosts():
        yield host, {**variables.get_vars(host=host), **extra_vars}


def resolve(inventory: Path, extra_vars: dict[str, t.Any] | None = None, loader: DataLoader | None = None) -> list[Resolved]:
    """Every host's real connection plugin, options set exactly as the task executor sets them (no connect)."""
    loader = loader or DataLoader()
    resolved = []
    for host, variables in _host_variables(inventory, loader, extra_vars or {}):
        templar = Templar(loader=loader, variables=variables)
        task = Task()
        play_context = PlayContext().set_task_and_variable_override(task=task, variables=variables, templar=templar)
        connection = connection_loader.get(_builtin_name(templar.template(variables["ansible_connection"])), play_context, None)
        assert connection.ansible_name in BUILTIN_PLUGINS, connection.ansible_name
        task_keys = task.dump_attrs()
        task_keys["timeout"] = play_context.timeout
        task_keys.pop("retries", None)
        connection.set_options(task_keys=task_keys, var_options=connection._resolve_option_variables(variables, templar))
        groups = frozenset(group.name for group in host.get_groups())
        resolved.append(Resolved(host.name, groups, connection))
    return resolved


def _builtin_name(name: str) -> str:
    """The fully qualified name the task executor resolves ``ansible_connection: winrm`` to."""
    return name if "." in name else f"ansible.builtin.{name}"


def _cli_env() -> dict[str, str]:
    """This process's environment without any vault password source, so a parse that needs one fails."""
    return {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_VAULT")}


def _extras(connection: t.Any) -> dict[str, t.Any]:
    return connection.get_option("_extras")


def _winrm_client(connection: t.Any) -> list[t.Any]:
    """The pywinrm Protocol objects the plugin's _winrm_connect would build, one per transport, before it sends."""
    from winrm.protocol import Protocol  # pylint: disable=import-outside-toplevel

    connection._build_winrm_kwargs()
    endpoint = f"{connection._winrm_scheme}://{connection._winrm_host}:{connection._winrm_port}/{connection._winrm_path.lstrip('/')}"
    return [Protocol(endpoint, transport=transport, **connection._winrm_kwargs) for transport in connection._winrm_transport]


def _psrp_client(connection: t.Any) -> t.Any:
    """The pypsrp WSMan object the plugin's _connect would build; its HTTP session is made only on the first send."""
    from pypsrp.wsman import WSMan  # pylint: disable=import-outside-toplevel

    connection._build_kwargs()
    return WSMan(**connection._psrp_conn_kwargs)


def _walk(node: t.Any) -> t.Iterator[tuple[str, t.Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from _walk(value)


# --- every example ---------------------------------------------------------------------------------------------

ALL = sorted(path.name for path in EXAMPLES.glob("*.yml"))


def test_the_four_examples_exist() -> None:
    """The docs link these four files by name."""
    assert ALL == ["psrp.yml", "winrm-certificate.yml", "winrm-https-ntlm.yml", "winrm-kerberos.yml"]


@pytest.mark.parametrize("example", ALL)
def test_ansible_inventory_parses_it_without_a_vault_password(example: str) -> None:
    """The real CLI reads it with no vault password, every group has hosts, and each EM group exactly one."""
    result = subprocess.run([str(ANSIBLE_INVENTORY), "-i", str(EXAMPLES / example), "--list"], capture_output=True,
                            text=True, check=False, timeout=120, env=_cli_env())
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    for group in GROUPS:
        assert listing[group]["hosts"], group
    assert len(listing["tp_old_em"]["hosts"]) == len(listing["tp_new_em"]["hosts"]) == 1
    hosts = [host for group in GROUPS for host in listing[group]["hosts"]]
    assert len(hosts) == len(set(hosts)), "a host may be in only one of the collection's groups"
    assert listing["_meta"]["hostvars"][hosts[0]]["tp_new_em_address"] == "newem.corp.example"


@pytest.mark.parametrize("example", ALL)
def test_no_literal_secret(example: str) -> None:
    """Every password-like variable is a vault reference or an environment lookup, never a value to copy."""
    found = [(key, value) for key, value in _walk(yaml.safe_load((EXAMPLES / example).read_text()))
             if "password" in key or key.endswith("_pass")]
    for key, value in found:
        assert isinstance(value, str) and ("{{ vault_" in value or "lookup('ansible.builtin.env'" in value), key


@pytest.mark.parametrize("example", ALL)
def test_every_host_encrypts_and_has_timeouts_for_a_large_estate(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The collection's own transport check passes every host, and no host keeps the plugins' short defaults."""
    monkeypatch.setenv(PASSWORD_ENV, "unused")
    hosts = resolve(EXAMPLES / example, {"vault_tp_windows_password": "unused"})
    assert {group for host in hosts for group in host.groups} >= set(GROUPS)
    for host in hosts:
        assert unencrypted_reason(host.connection) is None, host.host
        if host.connection.transport == "winrm":
            extras = _extras(host.connection)
            assert int(extras["ansible_winrm_operation_timeout_sec"]) >= 60, host.host
            assert int(extras["ansible_winrm_read_timeout_sec"]) > int(extras["ansible_winrm_operation_timeout_sec"])
            assert host.connection.get_option("connection_timeout") is None, "it would replace both timeouts"
        else:
            assert host.connection.get_option("operation_timeout") >= 60, host.host
            assert host.connection.get_option("read_timeout") > host.connection.get_option("operation_timeout")


# --- one example at a time --------------------------------------------------------------------------------------

def _vaulted_copy(example: str, folder: Path, vault_password: str, secret: str) -> Path:
    """The layout the NTLM example describes: the inventory with an inline-encrypted group_vars/all/vault.yml."""
    shutil.copy(EXAMPLES / example, folder / example)
    cipher = VaultLib([("default", VaultSecret(vault_password.encode()))]).encrypt(secret).decode()
    (folder / "group_vars" / "all").mkdir(parents=True)
    body = "".join(f"  {line}\n" for line in cipher.splitlines())
    (folder / "group_vars" / "all" / "vault.yml").write_text(f"---\nvault_tp_windows_password: !vault |\n{body}")
    return folder / example


def test_ntlm_over_https_validates_against_the_ca_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NTLM on 5986 with the CA bundle; the vaulted password resolves, and ansible-inventory never shows it."""
    vault_password, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(16)
    inventory = _vaulted_copy("winrm-https-ntlm.yml", tmp_path, vault_password, secret)
    listing = subprocess.run([str(ANSIBLE_INVENTORY), "-i", str(inventory), "--list"], capture_output=True, text=True,
                             check=False, timeout=120, env=_cli_env())
    assert listing.returncode == 0, listing.stderr
    assert secret not in listing.stdout + listing.stderr
    vault_secrets = [("default", VaultSecret(vault_password.encode()))]
    loader = DataLoader()
    loader.set_vault_secrets(vault_secrets)
    # What ansible-playbook --ask-vault-pass sets up once per process; undone after this test.
    monkeypatch.setattr(VaultSecretsContext, "_current", VaultSecretsContext(vault_secrets))
    hosts = {host.host: host.connection for host in resolve(inventory, loader=loader)}
    for name, connection in hosts.items():
        assert (connection.get_option("port"), connection.get_option("scheme")) == (5986, "https"), name
        assert connection.get_option("transport") == ["ntlm"]
        assert connection.get_option("remote_user") == "CORP\\svc-tp-migrate"
        assert connection.get_option("remote_password") == secret
        assert _extras(connection)["ansible_winrm_server_cert_validation"] == "validate"
        assert _extras(connection)["ansible_winrm_ca_trust_path"] == CA_BUNDLE
        (protocol,) = _winrm_client(connection)
        assert protocol.transport.server_cert_validation == "validate"
        assert protocol.transport.ca_trust_path == CA_BUNDLE
        assert protocol.transport.endpoint == f"https://{connection.get_option('remote_addr')}:5986/wsman"
    assert hosts["file-legacy.corp.example"].get_option("remote_addr") == "10.20.30.41"


def test_kerberos_uses_host_names_https_for_the_ems_and_no_delegation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kerberos everywhere, tickets from kinit, EMs on HTTPS, the rest on HTTP with message encryption, no delegation."""
    monkeypatch.delenv("KRB5CCNAME", raising=False)
    hosts = resolve(EXAMPLES / "winrm-kerberos.yml")
    for host in hosts:
        connection = host.connection
        address = connection.get_option("remote_addr")
        with pytest.raises(ValueError):
            ipaddress.ip_address(address)  # Kerberos finds the host's SPN by name
        assert connection.get_option("transport") == ["kerberos"]
        assert connection.get_option("kerberos_mode") == "manual"
        assert connection.get_option("remote_password") is None
        expected = (5986, "https") if host.groups & EM_GROUPS else (5985, "http")
        assert (connection.get_option("port"), connection.get_option("scheme")) == expected, host.host
        (protocol,) = _winrm_client(connection)
        assert protocol.transport.kerberos_delegation is False
        assert protocol.transport.message_encryption == "auto"
        assert connection._kerb_managed is False
    assert {host.host: host.connection.get_option("remote_addr") for host in hosts}["sql-agent"] == "sql01.corp.example"


def test_certificate_auth_presents_the_client_certificate_over_https(tmp_path: Path) -> None:
    """The plugin reads both PEM paths, and pywinrm accepts them (it checks the files exist) for every host."""
    hosts = resolve(EXAMPLES / "winrm-certificate.yml")
    for host in hosts:
        assert host.connection.get_option("transport") == ["certificate"]
        assert _extras(host.connection)["ansible_winrm_cert_pem"] == "/etc/ansible/winrm-client/svc-tp-migrate.pem"
        assert _extras(host.connection)["ansible_winrm_cert_key_pem"] == "/etc/ansible/winrm-client/svc-tp-migrate.key"
    (tmp_path / "svc-tp-migrate.pem").write_text("certificate placeholder\n")
    (tmp_path / "svc-tp-migrate.key").write_text("key placeholder\n")
    for host in resolve(EXAMPLES / "winrm-certificate.yml", {"tp_winrm_client_cert_dir": str(tmp_path)}):
        (protocol,) = _winrm_client(host.connection)
        assert protocol.transport.auth_method == "certificate"
        assert (protocol.transport.cert_pem, protocol.transport.cert_key_pem) == (
            str(tmp_path / "svc-tp-migrate.pem"), str(tmp_path / "svc-tp-migrate.key"))
        assert protocol.transport.endpoint.startswith("https://") and protocol.transport.server_cert_validation == "validate"


def test_psrp_over_https_kerberos_for_the_ems_negotiate_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """PSRP options as pypsrp receives them: HTTPS, the CA bundle, the password from the environment, retries."""
    secret = secrets.token_urlsafe(16)
    monkeypatch.setenv(PASSWORD_ENV, secret)
    for host in resolve(EXAMPLES / "psrp.yml"):
        wsman = _psrp_client(host.connection)
        kwargs = host.connection._psrp_conn_kwargs
        assert kwargs["auth"] == ("kerberos" if host.groups & EM_GROUPS else "negotiate"), host.host
        assert (kwargs["port"], kwargs["ssl"], kwargs["cert_validation"]) == (5986, True, CA_BUNDLE)
        assert kwargs["password"] == secret and kwargs["negotiate_delegate"] is False
        assert (kwargs["connection_timeout"], kwargs["operation_timeout"], kwargs["read_timeout"]) == (30, 60, 70)
        assert (kwargs["reconnection_retries"], kwargs["reconnection_backoff"]) == (3, 2.0)
        assert wsman.transport.endpoint == f"https://{host.host}:5986/wsman"
        assert wsman.transport.session is None  # built on the first send: nothing was contacted


# --- the check catches a weak variant --------------------------------------------------------------------------

WEAK = {
    "winrm-https-ntlm.yml": {"ansible_port": 5985, "ansible_winrm_scheme": "http", "ansible_winrm_transport": "basic"},
    "winrm-certificate.yml": {"ansible_port": 5985, "ansible_winrm_scheme": "http"},
    "winrm-kerberos.yml": {"ansible_winrm_message_encryption": "never"},
    "psrp.yml": {"ansible_port": 5985, "ansible_psrp_protocol": "http", "ansible_psrp_auth": "basic"},
}


@pytest.mark.parametrize("example", sorted(WEAK))
def test_a_weak_variant_is_reported(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Basic or certificate over HTTP, or message encryption off, is named by the check tp_certs and tp_secret run."""
    monkeypatch.setenv(PASSWORD_ENV, "unused")
    hosts = resolve(EXAMPLES / example, {**WEAK[example], "vault_tp_windows_password": "unused"})
    for host in hosts:
        reason = unencrypted_reason(host.connection)
        if example == "winrm-kerberos.yml" and host.groups & EM_GROUPS:
            assert reason is None, "the EMs stay on HTTPS, where TLS encrypts"
        else:
            assert reason and "HTTP (port 5985)" in reason, host.host
