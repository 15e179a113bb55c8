# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each agent of an estate is registered, read from the estate itself, for people and tests."""

from __future__ import annotations

import hashlib
import json
import typing as t

from tplab import dotnet_config, product
from tplab.estate import Estate, Host


def agent_rows(estate: Estate) -> list[dict[str, t.Any]]:
    """One row per agent: its install variant, the address in its file, and the EM it is connected to."""
    rows = []
    for agent in estate.hosts("agent"):
        system = agent.system()
        service = system["services"]["SIWindowsAgent"]
        connected = product.connected_em(estate, agent)
        rows.append({
            "agent": agent.name, "install": system.get("lab", {}).get("install_variant", "?"),
            "config_style": system.get("lab", {}).get("config_style", "?"), "file_address": _file_address(agent, service),
            "service": service["state"] + (" (hardened)" if service.get("hardened") else ""),
            "registered_on": connected.name if connected else "-",
        })
    return rows


def _file_address(agent: Host, service: dict[str, t.Any]) -> str:
    path = agent.path(product.executable(service["path"]) + ".config")
    try:
        return dotnet_config.read_app_setting(path.read_bytes(), "managerAddress") or "(none)"
    except (OSError, dotnet_config.ConfigReadError) as error:
        return f"(unreadable: {error.__class__.__name__})"


def format_table(rows: list[dict[str, t.Any]], columns: list[str]) -> str:
    widths = {column: max([len(column), *(len(str(row[column])) for row in rows)]) for column in columns}
    lines = ["  ".join(column.ljust(widths[column]) for column in columns),
             "  ".join("-" * widths[column] for column in columns)]
    lines += ["  ".join(str(row[column]).ljust(widths[column]) for column in columns) for row in rows]
    return "\n".join(lines)


def console_rows(estate: Estate) -> list[dict[str, t.Any]]:
    """One row per remote Administration Console: the EM address in its config."""
    rows = []
    for console in estate.hosts("console"):
        path = console.path(product.CONSOLE_CONFIG)
        try:
            address = dotnet_config.read_app_setting(path.read_bytes(), "managerAddress") or "(none)"
        except (OSError, dotnet_config.ConfigReadError) as error:
            address = f"(unreadable: {error.__class__.__name__})"
        rows.append({"console": console.name, "file_address": address})
    return rows


def registered_on(estate: Estate) -> dict[str, str]:
    """Agent -> the EM it is connected to ("-" for none)."""
    return {row["agent"]: row["registered_on"] for row in agent_rows(estate)}


def em_rows(estate: Estate) -> list[dict[str, t.Any]]:
    """One row per EM: its service, and whether it runs with the estate's CA and the database's secret."""
    from tplab import certs, programs  # cryptography, only when EMs are looked at
    database = json.loads((estate.lab / "database.json").read_text(encoding="utf-8"))
    old_ca = _ca_fingerprint(estate.hosts("old_em")[0], certs) if estate.hosts("old_em") else None
    rows = []
    for host in [*estate.hosts("old_em"), *estate.hosts("new_em")]:
        service = host.system()["services"]["SIEnterpriseManager"]
        secret = programs.secret_of(host)
        rows.append({"em": host.name, "role": host.role, "service": service["state"], "start_mode": service["start_mode"],
                     "old_ca": _ca_fingerprint(host, certs) == old_ca,
                     "db_secret": secret is not None and hashlib.sha256(secret).hexdigest() == database["secret_sha256"]})
    return rows


def _ca_fingerprint(host: Host, certs: t.Any) -> str | None:
    service = host.system()["services"]["SIEnterpriseManager"]
    path = host.path(product.install_folder(service) + "\\CertsInfo\\Ca-crt.pem")
    return certs.fingerprint(path.read_bytes()) if path.is_file() else None


def summary(estate: Estate) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in agent_rows(estate):
        counts[row["registered_on"]] = counts.get(row["registered_on"], 0) + 1
    return counts


def tree_digest(estate: Estate) -> dict[str, str]:
    """SHA-256 of every file under hosts/ (the estate's state), by relative path: equal digests, equal estates."""
    digests = {}
    for path in sorted((estate.root / "hosts").rglob("*")):
        if path.is_file():
            digests[str(path.relative_to(estate.root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests
