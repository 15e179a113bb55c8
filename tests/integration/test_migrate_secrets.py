# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private keys and the secret export never reach the controller's output, logs, results, reports or disk.

The migration runs at -vvvv with a log file and the default callback, with every controller folder
(HOME, TMPDIR, ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP) inside one directory; afterwards every byte written
there, the whole output, every registered result and the report are searched for the keys and the
export, in every form they travel in (PEM text, and the base64 they are wrapped in for transport).
"""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import typing as t
from pathlib import Path

import pytest

from tplab import programs
from tplab.estate import Estate
from tplab.playbook import run_playbook

pytestmark = pytest.mark.lab

CERTS = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager\\CertsInfo"


def forms(secret: bytes) -> set[bytes]:
    """Fragments that any copy of ``secret`` would contain: its PEM body lines, and aligned pieces of its base64."""
    lines = secret.splitlines()
    pieces = {line for line in lines[2:] if len(line) >= 40 and not line.startswith(b"-----")}
    encoded = base64.b64encode(secret)
    # Skip the first 160 and last 104 characters: PEM headers, footers and the ASN.1 preamble of the
    # first body line are the same in every key of a type.
    if len(encoded) < 400:
        pieces.add(encoded)
    else:
        pieces |= {encoded[index:index + 40] for index in range(160, len(encoded) - 104, 64)}
    return {piece for piece in pieces if len(piece) >= 20}


def needles(estate: Estate) -> dict[str, set[bytes]]:
    """What must never leave the EM hosts, taken from the hosts before the run."""
    found = {}
    for host in ("old-em", "new-em"):
        for key in ("Ca-key.pem", "Em-key.pem"):
            found[f"{host} {key}"] = forms(estate.host(host).path(f"{CERTS}\\{key}").read_bytes())
    secret = programs.secret_of(estate.host("old-em"))
    assert secret is not None
    export = programs.EXPORT_HEADER + base64.b64encode(secret) + b"\n"
    found["secret"] = {base64.b64encode(secret), secret.hex().encode()} | forms(export)
    return found


def leaks(haystacks: dict[str, bytes], secrets: dict[str, set[bytes]]) -> list[str]:
    return [f"{what} in {where}" for where, data in haystacks.items() for what, pieces in secrets.items()
            if any(piece in data for piece in pieces)]


@pytest.fixture
def controller() -> t.Iterator[Path]:
    """A short path: ansible-core's local RPC server puts a socket in TMPDIR, and socket paths are limited."""
    folder = Path(tempfile.mkdtemp(prefix="tp-ctl-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_no_key_or_secret_export_reaches_the_controller(make_estate: t.Callable[..., Estate], controller: Path) -> None:
    estate = make_estate(agents=2, consoles=1, new_em="fresh")
    secrets = needles(estate)
    folders = {name: controller / name for name in ("home", "tmp", "ansible-home", "local-temp")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    log = controller / "ansible.log"

    run = run_playbook(estate, "migrate.yml", "-vvvv", extra_vars={
        "agent_verify_delay": 1, "tp_verify_delay": 1, "tp_report_folder": str(controller / "reports")},
        env={"HOME": str(folders["home"]), "TMPDIR": str(folders["tmp"]), "ANSIBLE_HOME": str(folders["ansible-home"]),
             "ANSIBLE_LOCAL_TEMP": str(folders["local-temp"]), "ANSIBLE_LOG_PATH": str(log),
             "ANSIBLE_STDOUT_CALLBACK": "default"})

    assert run.returncode == 0, run.output[-3000:]
    assert "certificates written" in json.dumps(run.results), "the migration must really have moved the keys"
    haystacks = {"output": run.output.encode(), "registered results": json.dumps(run.results).encode()}
    haystacks.update({str(path.relative_to(controller)): path.read_bytes() for path in controller.rglob("*") if path.is_file()})
    assert log.is_file() and any(name.startswith("reports") for name in haystacks)
    assert leaks(haystacks, secrets) == []
    assert not [path for path in (estate.root / "hosts").rglob("*") if "tp-secret-" in path.name.lower()]


def test_the_search_finds_a_key_where_there_is_one(make_estate: t.Callable[..., Estate]) -> None:
    """The needles are real: a key written into output, or its base64, is found."""
    estate = make_estate(agents=1, new_em="fresh")
    secrets = needles(estate)
    key = estate.host("old-em").path(f"{CERTS}\\Em-key.pem").read_bytes()
    assert leaks({"plain": b"...." + key + b"...."}, secrets) == ["old-em Em-key.pem in plain"]
    assert leaks({"wrapped": json.dumps({"ContentBase64": base64.b64encode(key).decode()}).encode()}, secrets) == [
        "old-em Em-key.pem in wrapped"]
    export = programs.EXPORT_HEADER + base64.b64encode(t.cast(bytes, programs.secret_of(estate.host("old-em")))) + b"\n"
    assert leaks({"export": base64.b64encode(export)}, secrets) == ["secret in export"]
