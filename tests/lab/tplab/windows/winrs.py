# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pywinrm's HTTP transport, replaced by an emulated WinRM service (WS-Management, WinRS shell).

The winrm connection plugin and pywinrm's Protocol are the real ones: they build the SOAP
envelopes (Create a cmd shell, Command, Send stdin, Receive output, Signal, Delete) and parse the
answers. Only ``Transport.send_message`` — the HTTP round trip — is replaced: ``LabTransport``
hands each envelope to ``WinRSService``, which answers as the WinRM service does, in the shapes
pywinrm and the plugin read (the ShellId selector, CommandId, base64 stdout/stderr streams, the
CommandState Done with its ExitCode, RelatesTo for Signal and Delete). The real Transport's own
option checks still run when pywinrm builds it.

A command runs when its output is first received, after all its stdin has been sent.
"""

from __future__ import annotations

import base64
import typing as t
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from winrm.exceptions import InvalidCredentialsError
from winrm.transport import Transport

from tplab.windows import network, powershell
from tplab.windows.session import Session

SHELL_NS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
DONE = SHELL_NS + "/CommandState/Done"
_ENVELOPE = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="' + SHELL_NS + '">'
    "<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:{message}</a:MessageID>"
    "<a:RelatesTo>{relates}</a:RelatesTo></s:Header><s:Body>{body}</s:Body></s:Envelope>"
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: ET.Element, name: str) -> ET.Element | None:
    return next((node for node in root.iter() if _local(node.tag) == name), None)


@dataclass
class _Command:
    line: str
    stdin: bytearray = field(default_factory=bytearray)
    outcome: tuple[int, str, str] | None = None


class WinRSService:
    """The WinRM service of one host, for one logon: its shells and commands."""

    def __init__(self, session: Session, endpoint: network.Endpoint) -> None:
        self.session = session
        self.endpoint = endpoint
        self.commands: dict[str, _Command] = {}

    def handle(self, message: str | bytes) -> bytes:
        root = ET.fromstring(message)
        action = (_find(root, "Action").text or "").rsplit("/", 1)[-1]  # type: ignore[union-attr]
        relates = (_find(root, "MessageID").text or "")  # type: ignore[union-attr]
        handler = getattr(self, f"_{action.lower()}", None)
        if handler is None:
            raise AssertionError(f"the lab's WinRM service does not emulate the WS-Management action {action}")
        response_action, body = handler(root)
        return _ENVELOPE.format(action=response_action, message=uuid.uuid4(), relates=relates, body=body).encode("utf-8")

    def _create(self, _root: ET.Element) -> tuple[str, str]:
        shell = str(uuid.uuid4()).upper()
        body = ('<x:ResourceCreated xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"><a:ReferenceParameters>'
                f'<w:ResourceURI>{SHELL_NS}/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">{shell}'
                f"</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
                f"<rsp:Shell><rsp:ShellId>{shell}</rsp:ShellId></rsp:Shell>")
        return "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", body

    def _command(self, root: ET.Element) -> tuple[str, str]:
        network.before_command(self.session, self.endpoint)
        line = _find(root, "Command").text or ""  # type: ignore[union-attr]
        arguments = _find(root, "Arguments")
        if arguments is not None and arguments.text:
            line = f"{line} {arguments.text}"
        command_id = str(uuid.uuid4()).upper()
        self.commands[command_id] = _Command(line=line)
        return SHELL_NS + "/CommandResponse", f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"

    def _send(self, root: ET.Element) -> tuple[str, str]:
        stream = _find(root, "Stream")
        assert stream is not None
        command = self.commands[stream.attrib["CommandId"]]
        command.stdin += base64.b64decode(stream.text or "")
        return SHELL_NS + "/SendResponse", "<rsp:SendResponse/>"

    def _receive(self, root: ET.Element) -> tuple[str, str]:
        desired = _find(root, "DesiredStream")
        assert desired is not None
        command_id = desired.attrib["CommandId"]
        command = self.commands[command_id]
        if command.outcome is None:
            outcome = powershell.run_command_line(self.session, command.line, bytes(command.stdin))
            command.outcome = (outcome.rc, outcome.stdout, outcome.stderr)
        rc, stdout, stderr = command.outcome
        streams = "".join(
            f'<rsp:Stream Name="{name}" CommandId="{command_id}">{base64.b64encode(text.encode("utf-8")).decode()}</rsp:Stream>'
            for name, text in (("stdout", stdout), ("stderr", stderr)) if text)
        streams += "".join(f'<rsp:Stream Name="{name}" CommandId="{command_id}" End="true"></rsp:Stream>'
                           for name in ("stdout", "stderr"))
        body = (f"<rsp:ReceiveResponse>{streams}<rsp:CommandState CommandId=\"{command_id}\" State=\"{DONE}\">"
                f"<rsp:ExitCode>{rc}</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>")
        return SHELL_NS + "/ReceiveResponse", body

    def _signal(self, root: ET.Element) -> tuple[str, str]:
        signal = _find(root, "Signal")
        if signal is not None:
            self.commands.pop(signal.attrib.get("CommandId", ""), None)
        return SHELL_NS + "/SignalResponse", "<rsp:SignalResponse/>"

    def _delete(self, _root: ET.Element) -> tuple[str, str]:
        self.commands.clear()
        return "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", ""


class LabTransport(Transport):
    """pywinrm's Transport with its HTTP round trip replaced by the emulated WinRM service."""

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self._service: WinRSService | None = None

    def _endpoint(self) -> network.Endpoint:
        url = urlsplit(self.endpoint)
        ssl = url.scheme == "https"
        encrypted = ssl or (self.message_encryption != "never" and self.auth_method in ("ntlm", "kerberos", "credssp"))
        return network.Endpoint(server=(url.hostname or "").strip("[]"), port=url.port or (5986 if ssl else 5985), ssl=ssl,
                                username=self.username, password=self.password, encrypted=encrypted, channel="winrm")

    def send_message(self, message: str | bytes) -> bytes:
        if self._service is None:
            endpoint = self._endpoint()
            try:
                session = network.connect(endpoint)
            except network.AuthenticationRejected:
                raise InvalidCredentialsError("the specified credentials were rejected by the server") from None
            self._service = WinRSService(session, endpoint)
        else:
            network.check_reachable(self._service.session.estate, self._service.session.host, self._service.endpoint)
        return self._service.handle(message)

    def close_session(self) -> None:
        self._service = None
