# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection to an emulated Windows host of the Threat Prevention lab (tests only)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: emulated
short_description: Run modules against a host of the emulated Threat Prevention estate
description:
  - Runs each module call as a local process that acts on one host of an estate made by
    C(python -m tplab up). Module calls are pipelined, one process per call, as WinRM pipelines
    every module in one round trip. The process is a fork of the worker running the task (not a
    new interpreter), so a call costs milliseconds rather than an interpreter start; the module's
    code and its arguments are the ones Ansible sent.
  - Applies the lab's faults for the host (unreachable, slow) before a call.
  - File transfer is not emulated; the collection moves data in module arguments and results.
author:
  - netwrix.threat_prevention contributors
options:
  estate:
    description: The estate folder.
    type: str
    required: true
    vars:
      - name: ansible_tplab_estate
    env:
      - name: TPLAB_ESTATE
  remote_addr:
    description: The host's name in the estate (any name or address the lab's DNS resolves).
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
"""

import os
import selectors
import sys
import time
import traceback
from pathlib import Path

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection.local import Connection as LocalConnection
from ansible.utils.display import Display

# The lab package lives in tests/lab, six folders above this file.
LAB_PATH = Path(__file__).resolve().parents[6]
if str(LAB_PATH) not in sys.path:
    sys.path.insert(0, str(LAB_PATH))

from tplab.estate import Estate, Host  # noqa: E402  pylint: disable=wrong-import-position

display = Display()


def run_forked(payload: bytes) -> tuple[int, bytes, bytes]:
    """Run a pipelined module payload (the AnsiballZ wrapper) in a forked child; return rc, stdout, stderr."""
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: becomes the module process and never returns
        code = 1
        try:
            os.close(out_read)
            os.close(err_read)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out_write, 1)
            os.dup2(err_write, 2)
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # pylint: disable=consider-using-with
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # pylint: disable=consider-using-with
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # pylint: disable=consider-using-with
            sys.argv = ["ansiballz"]
            try:
                exec(compile(payload, "<ansiballz>", "exec"), {"__name__": "__main__"})  # pylint: disable=exec-used
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
            except BaseException:  # pylint: disable=broad-exception-caught
                traceback.print_exc()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)  # pylint: disable=protected-access
    os.close(out_write)
    os.close(err_write)
    outputs = _read_all({out_read: bytearray(), err_read: bytearray()})
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), bytes(outputs[out_read]), bytes(outputs[err_read])


def _read_all(buffers: dict[int, bytearray]) -> dict[int, bytearray]:
    """Drain both pipes together, so a child that fills one cannot block on the other."""
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _events in selector.select():
                chunk = os.read(key.fd, 65536)
                if chunk:
                    buffers[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    return buffers


class Connection(LocalConnection):
    """A local process per module call, aimed at one emulated host."""

    transport = "tplab.estate.emulated"

    def is_pipelining_enabled(self, wrap_async: bool = False) -> bool:
        return not wrap_async

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        host = self._lab_host()
        os.environ.update(TPLAB_ESTATE=self._estate_root(), TPLAB_HOST=host.name,
                          PYTHONPATH=os.pathsep.join(filter(None, [str(LAB_PATH), os.environ.get("PYTHONPATH")])))
        if in_data is None:  # a shell command, not a pipelined module
            return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        display.vvv(f"EXEC (forked) {cmd}", host=self._play_context.remote_addr)
        return run_forked(in_data)

    def put_file(self, in_path: str, out_path: str) -> None:
        raise AnsibleError("the lab does not emulate file transfer to Windows hosts")

    def fetch_file(self, in_path: str, out_path: str) -> None:
        raise AnsibleError("the lab does not emulate file transfer from Windows hosts")

    def _estate_root(self) -> str:
        return str(self.get_option("estate"))

    def _lab_host(self) -> Host:
        """The emulated host this connection reaches, after applying its connection faults."""
        estate = Estate(self._estate_root())
        address = self._play_context.remote_addr or self.get_option("remote_addr")
        host = estate.resolve_name(address)
        if host is None:
            raise AnsibleConnectionFailure(f"winrm connection error: no route to host '{address}' (not in the lab estate)")
        faults = host.faults()
        limit = faults.get("unreachable_after")  # {"calls": N, "counted_before": calls already made when it was set}
        used_up = limit is not None and len(estate.calls(host.name)) - limit["counted_before"] >= limit["calls"]
        if faults.get("unreachable") or used_up:
            raise AnsibleConnectionFailure(
                f"ntlm: HTTPConnectionPool(host='{address}', port=5986): Max retries exceeded with url: /wsman (Caused by "
                f"NewConnectionError: Failed to establish a new connection: [Errno 111] Connection refused) [lab fault]")
        if faults.get("slow"):
            time.sleep(float(faults["slow"]))
        return host
