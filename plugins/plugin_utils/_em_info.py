# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Describe an Enterprise Manager host, and compare it with another: the logic behind tp_em_info.

The migration's preflight needs to know, before anything changes, that both EMs are installed at
the same product version against the same SQL server and databases. The version is the EM
executable's product version; the databases come from SIEnterpriseManager.exe.config, whose bytes
are read into memory, reduced here to server and database names, and dropped: the connection
strings' credentials never reach a result. The host-local items the vendor procedure leaves to a
person (HIBP store, File action output, licence files, Reporting Module, EPE Rest Site) are
reported as follow-ups.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import time

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._cert_transfer import CERTS_FOLDER
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_config import (
    EmConfigError, EmDatabases, compare_databases, read_databases)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_proof import proof_from_state
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import AGENT_PORT, CONSOLE_PORT
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service import em_install_folder
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


@dataclass(frozen=True)
class InfoRequest:
    """Which EM, and how to compare it with the other: which databases must be shared, which checks to relax."""

    service_name: str
    databases: tuple[str, ...] = ("NVMonitorConfig", "NVMonitorData")
    skip_database_check: bool = False
    allow_powershell_logging: bool = False


@dataclass(frozen=True)
class EmFacts:
    """What the preflight knows about one EM host."""

    host: str
    result: dict[str, t.Any]
    databases: EmDatabases | None


def read_em(host: WindowsHost, request: InfoRequest) -> EmFacts:
    """Service, folders, version, databases and follow-ups of the EM on this host (two remote calls)."""
    service, folder = em_install_folder(host, request.service_name)
    raw = host.read_em_info(folder)
    databases, problem = None, None
    if raw.get("config_too_large"):
        problem = (f"{folder}\\SIEnterpriseManager.exe.config is larger than 1 MiB, so it is not an EM config the "
                   f"collection reads; check the file")
    elif raw["config"] is None:
        problem = f"{folder}\\SIEnterpriseManager.exe.config was not found"
    else:
        try:
            databases = read_databases(raw["config"])
        except EmConfigError as error:
            problem = f"SIEnterpriseManager.exe.config cannot be read: {error}"
    result = {
        "exists": True, "service": service.as_dict(), "install_folder": folder, "certs_folder": f"{folder}\\{CERTS_FOLDER}",
        "version": raw.get("version"), "databases": _databases_view(databases), "config_problem": problem,
        "follow_ups": follow_ups(raw), "powershell": raw.get("powershell"), "powershell_logging": raw.get("powershell_logging"),
    }
    return EmFacts(host=host.name, result=result, databases=databases)


def _databases_view(databases: EmDatabases | None) -> dict[str, t.Any] | None:
    if databases is None:
        return None
    return {"protected": databases.protected,
            "targets": [{"entry": target.entry, "server": target.server, "database": target.database}
                        for target in databases.targets]}


def follow_ups(raw: dict[str, t.Any]) -> list[str]:
    """Host-local items the vendor's migration procedure does not move, as found on this EM host."""
    items = []
    if raw.get("licenses"):
        items.append(f"Licence files {', '.join(raw['licenses'])}: if the licence is bound to this machine, ask Netwrix "
                     f"for one issued to the new EM and import it there.")
    if raw.get("pwned_store"):
        items.append("HIBP (Pwned) store in PwnedStore: deploy it to the new EM (EPE settings or Set-SIPwnedDB).")
    if raw.get("file_action_output"):
        items.append(f"{raw['file_action_output']} file(s) written by File actions under output\\file: copy what you keep, "
                     f"and check policies that write to a local path.")
    if raw.get("services"):
        items.append(f"Services {', '.join(raw['services'])} run beside the EM here (Reporting, Scheduler or the Reporting "
                     f"Module): install or repoint them for the new EM.")
    if raw.get("epe_rest_site"):
        items.append("The EPE Rest Site (IIS site EPE_REST) is on this host: reinstall it or point it at the new EM on 3740.")
    items.append("Agent Auto Deploy settings hold an EM address: review them in the Administration Console.")
    return items


# Logging policies that would record what the migration moves through PowerShell, and where it would end up.
EXPOSING_LOGGING = {
    "module_logging": ("PowerShell module logging is enabled by policy (ModuleLogging)", "the event log (event 4103)"),
    "transcription": ("PowerShell transcription is enabled by policy (Transcription)", "transcript files"),
}


def logging_problems(facts: EmFacts, allow: bool) -> list[str]:
    """Policies on this EM that would write the private keys and the secret export where they should never be."""
    if allow:
        return []
    enabled = facts.result.get("powershell_logging") or {}
    return [f"{facts.host}: {what}: it would record the private keys and the secret export in {where} while they "
            f"move; turn the policy off on this host for the migration, or set tp_allow_powershell_logging "
            f"(option allow_powershell_logging) to accept that" for name, (what, where) in EXPOSING_LOGGING.items()
            if enabled.get(name)]


def compare(old: EmFacts, new: EmFacts, request: InfoRequest) -> list[str]:
    """Why the new EM cannot take over from the old one, as sentences; empty when it can."""
    problems = logging_problems(old, request.allow_powershell_logging) + logging_problems(new, request.allow_powershell_logging)
    old_version, new_version = old.result["version"], new.result["version"]
    if not old_version or not new_version or old_version != new_version:
        problems.append(f"product versions differ: {old.host} runs {old_version or 'an unknown version'}, {new.host} runs "
                        f"{new_version or 'an unknown version'}; install the same version on the new EM (vendor step 1).")
    if request.skip_database_check:
        return problems
    for facts in (old, new):
        if facts.result["config_problem"]:
            problems.append(f"{facts.host}: {facts.result['config_problem']}.")
    if old.databases is not None and new.databases is not None:
        problems += compare_databases(old.databases, new.databases, request.databases)
    return problems


def describe_and_compare(new: WindowsHost, open_other: t.Callable[[], t.ContextManager[WindowsHost]] | None,
                         request: InfoRequest) -> dict[str, t.Any]:
    """The whole of tp_em_info: describe this EM and, when asked, compare it with the other."""
    facts = read_em(new, request)
    result = dict(facts.result)
    if open_other is None:
        return result
    with open_other() as other:
        other_facts = read_em(other, request)
    result.update(compared_to=other.name, other=other_facts.result, problems=compare(other_facts, facts, request))
    return result


def network_facts(host: WindowsHost, service_name: str) -> dict[str, t.Any]:
    """The EM's addresses, which of the agent and console ports listen, and its CA's fingerprint (one remote call).

    An audit needs the addresses to tell which EM an agent's managerAddress names when it is an IP address.
    """
    proof = proof_from_state(host.name, time.time(), host.read_em_state(service_name, (AGENT_PORT, CONSOLE_PORT)))
    return {"addresses": list(proof.addresses), "listening": list(proof.listening), "ca_fingerprint": proof.ca_fingerprint,
            "ca_problem": None if proof.ca_fingerprint else proof.ca_problem}


def raise_on_problems(host: str, result: dict[str, t.Any]) -> None:
    if result.get("problems"):
        sentences = " ".join(problem if problem.endswith(".") else problem + "." for problem in result["problems"])
        raise TPError(f"{host}: the new EM cannot take over from {result['compared_to']}: {sentences} Nothing was changed.",
                      **result)
