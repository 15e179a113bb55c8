# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of lib/service_restart.ps1 and of replace_file.ps1's Restart-OrRestore.

What it models, and where that comes from:
- ServiceController.Stop() then WaitForStatus(Stopped) and Start() then polling for Running, on the lab's service
  control manager (``tplab.services``), which starts the emulated program (so an agent reads its config exactly
  when the real one would) and refuses as Windows does: a disabled or hardened service, or one whose program exits
  while starting (the ``service_start_fails`` fault);
- the error texts: Start-Service's and Stop-Service's words, "Service 'Display (Name)' cannot be started due to the
  following error: Cannot start service Name on computer '.'.", which is the InvalidOperationException message
  the script unwraps from PowerShell's MethodInvocationException;
- the lab's services reach Running or Stopped at once, so the deadlines never pass here (the ``slow`` fault delays
  whole commands, not service transitions);
- after a failed restart, the previous bytes are put back with Set-FileAtomically (no backup) and their record
  rewritten, then the service is started on them only if the controller read it running.
"""

from __future__ import annotations

import typing as t

from tplab import services
from tplab.twins import _atomic_replace as library
from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptError, ScriptRun, sha256_hex


def restart_or_restore(run: ScriptRun, name: str, state_read: str, path: str, original: bytes,
                       record_path: str) -> dict[str, t.Any]:
    """Restart-OrRestore: never raises; the outcome says what happened at each step."""
    outcome: dict[str, t.Any] = {"restarted": False, "error": None, "restored": False, "restore_error": None,
                                 "started_again": False, "start_again_error": None}
    found = services.find(run.host, name)
    service_name = found[0] if found else name
    try:
        run.dotnet()  # ServiceController.Refresh / Stop / Start
        services.stop(run.host, service_name)
        services.start(run.host, service_name)
        outcome["restarted"] = True
        return outcome
    except services.ServiceError as error:
        outcome["error"] = str(error)
    try:
        if record_path:
            io.delete(run, record_path)
        previous = sha256_hex(original)
        library.set_file_atomically(run, path, original, previous, "")
        if record_path:
            library.write_written_record(run, record_path, path, previous)
        outcome["restored"] = True
    except ScriptError as error:
        outcome["restore_error"] = error.message
        return outcome
    if state_read == "started":
        try:
            services.start(run.host, service_name)
            outcome["started_again"] = True
        except services.ServiceError as error:
            outcome["start_again_error"] = str(error)
    return outcome
