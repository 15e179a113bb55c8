# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pypsrp's runspace objects, replaced by stand-ins that run each pipeline on an emulated host.

The psrp connection plugin is the real one; it builds ``WSMan``, ``RunspacePool`` and
``PowerShell`` objects and reads what they hold after ``invoke()``. ``LabWSMan`` is pypsrp's real
WSMan (its transport's option checks run: ports, auth, message encryption) that never sends;
``LabRunspacePool.open()`` logs on to the host; ``LabPowerShell.invoke()`` runs the script the
plugin added with its arguments and input lines, then fills ``output`` (the pipeline's output
strings), ``streams.error``, ``had_errors`` and the host's ``rc``, as the real objects would be
after the exec wrapper wrote its JSON and called ``$host.SetShouldExit``.

Connection failures surface as pypsrp's do: requests' ConnectionError from ``open()`` and from an
``invoke()`` on a connection whose host went away; AuthenticationError for a refused logon.
"""

from __future__ import annotations

import typing as t
import uuid
from dataclasses import dataclass, field

from pypsrp.complex_objects import PSInvocationState, RunspacePoolState
from pypsrp.exceptions import AuthenticationError
from pypsrp.wsman import WSMan

from tplab.windows import network, powershell
from tplab.windows.session import Session


class LabWSMan(WSMan):
    """pypsrp's WSMan (real option checks), addressed by the runspace stand-in; it sends nothing itself."""

    def endpoint(self) -> network.Endpoint:
        transport = self.transport
        encrypted = bool(transport.ssl or transport.wrap_required)
        return network.Endpoint(server=transport.server, port=int(transport.port), ssl=bool(transport.ssl),
                                username=transport.username, password=transport.password, encrypted=encrypted,
                                channel="psrp")


class LabRunspacePool:
    """A runspace pool on an emulated host: open logs on, close logs off."""

    def __init__(self, connection: LabWSMan, host: t.Any = None, configuration_name: str = "Microsoft.PowerShell",
                 **_options: t.Any) -> None:
        self.connection = connection
        self.host = host
        self.configuration_name = configuration_name
        self.id = uuid.uuid4()
        self.state = RunspacePoolState.BEFORE_OPEN
        self.session: Session | None = None
        self.endpoint = connection.endpoint()

    def open(self) -> None:
        try:
            self.session = network.connect(self.endpoint)
        except network.AuthenticationRejected as error:
            raise AuthenticationError(f"Failed to authenticate the user {self.endpoint.username} with the server "
                                      f"{self.endpoint.server}: {error}") from None
        self.state = RunspacePoolState.OPENED

    def close(self) -> None:
        self.state = RunspacePoolState.CLOSED
        self.session = None


@dataclass
class ErrorRecord:
    """The error record attributes the psrp plugin reads from ``streams.error``."""

    message: str
    fq_error: str = "NativeCommandError"
    target_name: str = "lab"
    command_name: str | None = None
    invocation_position_message: str | None = None
    script_stacktrace: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class _Streams:
    error: list[ErrorRecord] = field(default_factory=list)


class LabPowerShell:
    """One pipeline: a script, its arguments, and what invoking it left behind."""

    def __init__(self, runspace: LabRunspacePool) -> None:
        self.runspace = runspace
        self.script = ""
        self.arguments: list[str] = []
        self.output: list[str] = []
        self.streams = _Streams()
        self.had_errors = False
        self.state = PSInvocationState.NOT_STARTED

    def add_script(self, script: str, use_local_scope: bool | None = None) -> LabPowerShell:
        del use_local_scope
        self.script = script
        return self

    def add_argument(self, value: t.Any) -> LabPowerShell:
        self.arguments.append(str(value))
        return self

    def invoke(self, input: t.Iterable[t.Any] | None = None) -> list[str]:  # pylint: disable=redefined-builtin
        session = self.runspace.session
        assert session is not None, "invoke() before the runspace pool was opened"
        network.before_command(session, self.runspace.endpoint)
        outcome = powershell.run_script(session, self.script, self.arguments, _lines(input))
        self.output = [outcome.stdout] if outcome.stdout else []
        if outcome.stderr:
            self.streams.error.append(ErrorRecord(outcome.stderr))
        self.had_errors = bool(outcome.stderr)
        if self.runspace.host is not None:
            self.runspace.host.rc = outcome.rc
        self.state = PSInvocationState.FAILED if outcome.rc else PSInvocationState.COMPLETED
        return self.output

    def stop(self) -> None:
        self.state = PSInvocationState.STOPPED


def _lines(data: t.Iterable[t.Any] | None) -> list[str]:
    """The plugin sends lines, or (for file transfers) a generator of lines and lists of lines."""
    lines: list[str] = []
    for item in data or []:
        lines.extend(str(part) for part in item) if isinstance(item, list) else lines.append(str(item))
    return lines
