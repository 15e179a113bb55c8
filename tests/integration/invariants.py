# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What must hold on a lab estate at any moment of a migration, whatever was cut off or broken.

Shared by the kill-and-resume test and the fault matrix:
- every agent and console config parses, and names the old or the new EM (no config corrupt);
- the old EM is stopped or disabled only when every agent the EMs know is active on the new EM;
- no agent is on no EM: each is active on an EM, or is stopped with a config naming an EM (a re-run starts it);
- a SecretMgr export, if any, lies only in the collection's private folders or where SecretMgr writes it.
"""

from __future__ import annotations

from tplab import dotnet_config, status
from tplab.estate import Estate
from tplab.product import CONSOLE_CONFIG, executable, parse_manager

EMS = {"old-em", "new-em"}
EXPORT_FOLDERS = ("programdata", "syswow64", "system32", "sienterprisemanager")


def named_em(estate: Estate, content: bytes, default_port: int) -> str | None:
    """The EM host a config's managerAddress names; raises if the file is not a readable .NET config."""
    value = dotnet_config.read_app_setting(content, "managerAddress")
    host = estate.resolve_name(parse_manager(value or "", default_port)[0])
    return host.name if host else None


def exports(estate: Estate) -> list[str]:
    """SecretMgr exports and the collection's private folders for them, anywhere on any host."""
    return [str(path.relative_to(estate.root)) for path in (estate.root / "hosts").rglob("*") if "tp-secret-" in path.name.lower()]


def check(estate: Estate, moment: str) -> None:
    """Assert every invariant, naming the moment (a kill, a fault) in the message."""
    rows = {row["agent"]: row for row in status.agent_rows(estate)}
    for agent in estate.hosts("agent"):
        service = agent.system()["services"]["SIWindowsAgent"]
        target = named_em(estate, agent.path(executable(service["path"]) + ".config").read_bytes(), 3741)
        assert target in EMS, f"{moment}: {agent.name}'s config names {target}"
        row = rows[agent.name]
        assert row["registered_on"] in EMS or row["service"] == "stopped", f"{moment}: {agent.name} is on no EM: {row}"
    for console in estate.hosts("console"):
        assert named_em(estate, console.path(CONSOLE_CONFIG).read_bytes(), 3740) in EMS, f"{moment}: {console.name}"
    old = estate.host("old-em").system()["services"]["SIEnterpriseManager"]
    if old["state"] != "started" or old["start_mode"] == "disabled":
        assert all(row["registered_on"] == "new-em" for row in rows.values()), f"{moment}: the old EM is {old} under {rows}"
    for path in exports(estate):
        assert any(folder in path.lower() for folder in EXPORT_FOLDERS), f"{moment}: an export outside its folders: {path}"
