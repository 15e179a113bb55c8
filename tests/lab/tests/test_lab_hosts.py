# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's hosts: Windows paths resolve like NTFS, host names and addresses resolve like DNS."""

from __future__ import annotations

from pathlib import Path

import pytest

from tplab import winpath
from tplab.estate import Estate, canonical_name
from tplab.status import tree_digest


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    """A host tree with one existing file, C:\\Program Files\\Netwrix\\Agent.exe.config."""
    root = tmp_path / "hosts" / "agent01"
    (root / "C" / "Program Files" / "Netwrix").mkdir(parents=True)
    (root / "C" / "Program Files" / "Netwrix" / "Agent.exe.config").write_bytes(b"<configuration />")
    return root


@pytest.mark.parametrize("asked", [
    r"C:\Program Files\Netwrix\Agent.exe.config",
    r"c:\program files\netwrix\agent.exe.config",
    r"C:\PROGRAM FILES\NETWRIX\AGENT.EXE.CONFIG",
    "C:/Program Files/Netwrix/agent.EXE.config",
    r"C:\\Program Files\.\Netwrix\\Agent.exe.config",
])
def test_resolve_finds_an_existing_file_whatever_the_case(host_root: Path, asked: str) -> None:
    """An existing entry is found case-insensitively, with / or \\ and doubled separators or '.'."""
    found = winpath.resolve(host_root, asked)
    assert found == host_root / "C" / "Program Files" / "Netwrix" / "Agent.exe.config"
    assert found.read_bytes() == b"<configuration />"


def test_resolve_keeps_the_case_of_new_entries(host_root: Path) -> None:
    """A new entry keeps the case it was given, under existing folders found whatever their case."""
    found = winpath.resolve(host_root, r"c:\PROGRAM files\netwrix\Backups\Agent.exe.config.BAK")
    assert found == host_root / "C" / "Program Files" / "Netwrix" / "Backups" / "Agent.exe.config.BAK"
    assert not found.exists()


def test_resolve_maps_the_drive_letter_to_an_upper_case_folder(host_root: Path) -> None:
    """Drive letters are case-insensitive: d:\\x and D:\\x are the same file under the host's D folder."""
    assert winpath.resolve(host_root, r"d:\myagent\x.txt") == host_root / "D" / "myagent" / "x.txt"
    assert winpath.resolve(host_root, r"D:\myagent\x.txt") == host_root / "D" / "myagent" / "x.txt"


@pytest.mark.parametrize("path", [
    r"Program Files\Netwrix\Agent.exe.config",
    r"\Program Files\Netwrix\Agent.exe.config",
    r"\\fileserver\share\Agent.exe.config",
    "Agent.exe.config",
    "",
    "1:\\x",
])
def test_resolve_rejects_paths_that_are_not_absolute(host_root: Path, path: str) -> None:
    """A relative, root-relative or UNC path is refused, not resolved against some default."""
    with pytest.raises(winpath.WindowsPathError, match="not an absolute Windows path"):
        winpath.resolve(host_root, path)


def test_resolve_rejects_a_drive_relative_path(host_root: Path) -> None:
    """'C:Program Files' is relative to drive C's current folder on Windows, so it is not an absolute path."""
    with pytest.raises(winpath.WindowsPathError):
        winpath.resolve(host_root, r"C:Program Files\Netwrix\Agent.exe.config")


@pytest.mark.parametrize("path", [r"C:\Program Files\..\Windows\win.ini", "C:/a/../../etc/passwd", r"C:\..", r"C:\a\b\.."])
def test_resolve_rejects_climbing_with_dot_dot(host_root: Path, path: str) -> None:
    """'..' is refused, so no Windows path can reach outside the host's tree."""
    with pytest.raises(winpath.WindowsPathError, match="climbs"):
        winpath.resolve(host_root, path)


@pytest.fixture(scope="module")
def named_estate(estate_template: Path) -> Estate:
    """The session's small estate, read only."""
    return Estate(estate_template)


@pytest.mark.parametrize("name", [
    "old-em", "OLD-EM", "Old-Em", "old-em.", "old-em.corp.example", "OLD-EM.CORP.EXAMPLE", "old-em.corp.example.",
    "10.20.0.10", "fd00::10", "fd00::0:10", "FD00:0:0:0:0:0:0:10", "fd00:0000::0010", "[fd00::10]",
])
def test_resolve_name_finds_the_old_em_by_any_of_its_names(named_estate: Estate, name: str) -> None:
    """Short name, FQDN, IPv4 and IPv6 in any textual form, any case, with a trailing dot, reach old-em."""
    host = named_estate.resolve_name(name)
    assert host is not None and host.name == "old-em"


@pytest.mark.parametrize(("name", "expected"), [
    ("new-em", "new-em"), ("NEW-EM.corp.example.", "new-em"), ("10.20.0.11", "new-em"), ("fd00::0:11", "new-em"),
    ("agent01", "agent01"), ("AGENT01.CORP.EXAMPLE", "agent01"), ("10.20.1.1", "agent01"), ("fd00::1:1", "agent01"),
    ("agent04", "agent04"), ("fd00:0:0:0:0:0:1:4", "agent04"),
])
def test_resolve_name_tells_hosts_apart(named_estate: Estate, name: str, expected: str) -> None:
    """Each name or address resolves to the one host that has it, not to the first host tried."""
    host = named_estate.resolve_name(name)
    assert host is not None and host.name == expected


@pytest.mark.parametrize("name", [
    "nohost", "old-em.other.example", "old-em.corp", "10.20.0.99", "fd00::99", "fd00::1:99", "old", "", "agent1",
])
def test_resolve_name_returns_none_for_unknown_names(named_estate: Estate, name: str) -> None:
    """A name or address no host has resolves to nothing (no partial or prefix matches)."""
    assert named_estate.resolve_name(name) is None


def test_every_name_of_every_host_resolves_back_to_it(named_estate: Estate) -> None:
    """The lab's DNS is unambiguous: no two hosts share a name or address."""
    for host in named_estate.hosts():
        system = host.system()
        for name in (host.name, system["computer_name"], system["fqdn"], *system["addresses"]):
            resolved = named_estate.resolve_name(name)
            assert resolved is not None and resolved.name == host.name, name


@pytest.mark.parametrize(("given", "canonical"), [
    ("fd00::0:10", "fd00::10"), ("[FD00::10]", "fd00::10"), ("10.20.0.10", "10.20.0.10"), ("Old-EM.Corp.Example.", "old-em.corp.example"),
])
def test_canonical_name(given: str, canonical: str) -> None:
    """Names compare lower-cased without a trailing dot; addresses by value in compressed form."""
    assert canonical_name(given) == canonical


def test_host_path_reaches_the_generated_files_whatever_the_case(named_estate: Estate) -> None:
    """Host.path resolves a Windows path on that host to the file the generator wrote, case-insensitively."""
    em = named_estate.host("old-em")
    upper = em.path(r"C:\PROGRAM FILES\NETWRIX\NETWRIX THREAT PREVENTION\SIENTERPRISEMANAGER\CERTSINFO\CA-CRT.PEM")
    assert upper.is_file() and upper.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert upper.name == "Ca-crt.pem"


def test_estate_refuses_unknown_hosts_and_fault_kinds(estate: Estate) -> None:
    """Faults name a known host and a known kind; anything else is refused, not stored."""
    with pytest.raises(KeyError, match="no host"):
        estate.host("agent99")
    with pytest.raises(KeyError, match="no host"):
        estate.set_fault("agent99", "slow", 1)
    with pytest.raises(KeyError, match="unknown fault"):
        estate.set_fault("agent01", "gremlins", True)
    assert estate.faults() == {}


def test_clear_faults_clears_one_host_or_all(estate: Estate) -> None:
    """clear_faults(host) leaves the other hosts' faults; clear_faults() removes every fault."""
    estate.set_fault("agent01", "slow", 1)
    estate.set_fault("agent01", "partial_write", True)
    estate.set_fault("agent02", "unreachable", True)
    assert estate.host("agent01").faults() == {"slow": 1, "partial_write": True}
    estate.clear_faults("agent01")
    assert estate.faults() == {"agent02": {"unreachable": True}}
    estate.clear_faults()
    assert estate.faults() == {}


def test_call_counter_counts_per_host_and_resets(estate: Estate) -> None:
    """record_call appends to one host's counter only; reset_calls empties every counter."""
    estate.record_call("agent01", "win_service_info")
    estate.record_call("agent01", "win_powershell")
    estate.record_call("agent02", "win_service")
    assert estate.calls("agent01") == ["win_service_info", "win_powershell"]
    assert estate.calls("agent02") == ["win_service"]
    assert estate.calls("agent03") == []
    estate.reset_calls()
    assert all(estate.calls(host.name) == [] for host in estate.hosts())


def test_check_mode_comparison_ignores_lab_bookkeeping(estate: Estate) -> None:
    """tree_digest covers hosts/ only: counting calls or injecting faults is not a change of the estate."""
    before = tree_digest(estate)
    estate.record_call("agent01", "win_service_info")
    estate.set_fault("agent01", "slow", 1)
    assert tree_digest(estate) == before
    with estate.host("agent01").editing_system() as system:
        system["services"]["SIWindowsAgent"]["start_mode"] = "manual"
    assert tree_digest(estate) != before
