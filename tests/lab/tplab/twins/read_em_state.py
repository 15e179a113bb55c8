# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_em_state.ps1 (with lib/service_record.ps1, twinned by ``_service_record``).

What it models, and where that comes from:
- the ConstrainedLanguage guard, before any .NET call (about_Language_Modes);
- the service record and its executable as the library reads them; no service means no CA read;
- the CA file under the install folder by ``[IO.Path]::Combine`` (string work), read whole by ``ReadAllBytes``
  when it exists and is within MaxBytes (``locked`` makes that read fail, as a sharing violation does);
- ``GetActiveTcpListeners()`` and ``GetAllNetworkInterfaces()`` as ``_service_record`` models them: the ports the
  running programs listen on, the host's own addresses;
- ``[Environment]::MachineName`` is the NetBIOS computer name, upper case (``system.json``).
"""

from __future__ import annotations

import base64
import ntpath
import typing as t

from tplab.twins import _service_record as record
from tplab.twins._run import ScriptRun, read_all_bytes

SCRIPT_SHA256 = "3a0089b54345c8eb4e307db07ec19b91290e79d0a511bf634668d352f6a3bb2a"


def read_em_state(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_em_state.ps1."""
    run.changed = False
    if run.stopped_outside_full_language():
        return
    service = record.service_record(run, params["ServiceName"])
    limit = int(params.get("MaxBytes") or 1048576)
    ca = None
    if service:
        run.dotnet()
        path = ntpath.join(ntpath.dirname(record.service_executable(service["path"])),
                           params.get("CaFile") or "CertsInfo\\Ca-crt.pem")
        ca = {"path": path, "exists": False, "content": None}
        local = run.host.path(path)
        if local.is_file() and local.stat().st_size <= limit:
            ca.update(exists=True, content=base64.b64encode(read_all_bytes(run, path)).decode("ascii"))
    ports = [int(port) for port in (params.get("Ports") or [3741, 3740])]
    listening = record.listening_ports(run)
    run.result = {"language_mode": "FullLanguage", "service": service, "listening": [port for port in ports if port in listening],
                  "ca": ca, "addresses": record.host_addresses(run), "computer_name": run.host.system()["computer_name"]}
