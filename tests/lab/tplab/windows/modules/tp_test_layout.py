# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated tp_test_layout, the integration targets' own module (tests/integration/targets/setup_tp_stub).

On a real Windows host that module lays out a stand-in of Threat Prevention under one folder;
here it lays out the same on an emulated host: the files (DPAPI-protected with the host's machine
key when asked, as tplab.dpapi models it), the services (registered and stopped; a product version
given for one becomes the host's product version), a SecretMgr.exe
(which the lab emulates by its name, tplab.programs), and for ``em_api`` the EM's PowerShell module
file with its service running and listening on 3740 and 3741, so that the lab's Get-SIAgentStatus
answers (with the estate's agents; the real stub lists the names it is given).

``state: query`` reads back, as the real module does: every file and folder under the root
(relative, a folder with a trailing backslash, in .NET's ordinal order) and the bytes of the files
named in ``read``, unprotected with the machine key when asked. Removal takes the removed paths'
security descriptors with it (tplab.acl), as deleting them on NTFS does.
"""

from __future__ import annotations

import base64
import ntpath
import shutil
import typing as t

from tplab import acl, dpapi
from tplab.windows.basic import AnsibleModule, ModuleSpec

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "root": {"type": "str", "default": "C:\\ansible-tp-test"},
    "state": {"type": "str", "choices": ["present", "absent", "query"], "default": "present"},
    "files": {"type": "list", "elements": "dict", "default": [], "options": {
        "path": {"type": "str", "required": True},
        "content_base64": {"type": "str", "required": True},
        "dpapi": {"type": "bool", "default": False},
    }},
    "services": {"type": "list", "elements": "dict", "default": [], "options": {
        "name": {"type": "str", "required": True},
        "display_name": {"type": "str", "required": True},
        "executable": {"type": "str", "required": True},
        "start_mode": {"type": "str", "choices": ["auto", "manual", "disabled"], "default": "manual"},
        "product_version": {"type": "str"},
    }},
    "read": {"type": "list", "elements": "dict", "default": [], "options": {
        "path": {"type": "str", "required": True},
        "dpapi": {"type": "bool", "default": False},
    }},
    "secretmgr": {"type": "str"},
    "em_api": {"type": "dict", "options": {
        "service": {"type": "str", "required": True},
        "module": {"type": "str", "required": True},
        "agents": {"type": "list", "elements": "str", "default": []},
    }},
}
SPEC = ModuleSpec("ansible.legacy.tp_test_layout", ARGUMENT_SPEC, supports_check_mode=False)
PROGRAM_BYTES = b"MZ stub, never started"


def _write(module: AnsibleModule, relative: str, data: bytes) -> None:
    path = module.session.host.path(ntpath.join(module.params["root"], relative))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _remove(module: AnsibleModule) -> None:
    host = module.session.host
    with host.editing_system() as system:
        for service in module.params["services"]:
            if system["services"].pop(service["name"], None) is not None:
                module.result["changed"] = True
    root = host.path(module.params["root"])
    if root.exists():
        shutil.rmtree(root)
        acl.forget(host, module.params["root"])
        module.result["changed"] = True


def _listing(module: AnsibleModule) -> list[str]:
    """Get-ChildItem -Recurse -Force of the root, relative, folders ending in a backslash, sorted ordinally."""
    root = module.session.host.path(module.params["root"])
    entries = list(root.rglob("*")) if root.is_dir() else []
    relative = ["\\".join(entry.relative_to(root).parts) + ("\\" if entry.is_dir() else "") for entry in entries]
    return sorted(relative, key=lambda text: text.encode("utf-16-be"))  # StringComparer.Ordinal: UTF-16 code units


def _query(module: AnsibleModule) -> None:
    host = module.session.host
    module.result["listing"] = _listing(module)
    contents: dict[str, str | None] = {}
    for file in module.params["read"]:
        path = ntpath.join(module.params["root"], file["path"])
        contents[file["path"]] = None
        if host.path(path).is_file():
            data = host.path(path).read_bytes()
            if file["dpapi"]:
                try:
                    data = dpapi.unprotect(host.system()["machine_key"], data)
                except dpapi.DecryptError as error:
                    module.fail_json(f"{path} cannot be unprotected with this machine's DPAPI key: {error}")
            contents[file["path"]] = base64.b64encode(data).decode("ascii")
    module.result["contents"] = contents


def run(module: AnsibleModule) -> None:
    params, host = module.params, module.session.host
    module.result["root"] = params["root"]
    if params["state"] == "absent":
        _remove(module)
        return
    if params["state"] == "query":
        _query(module)
        return
    machine_key = host.system()["machine_key"]
    for file in params["files"]:
        data = base64.b64decode(file["content_base64"])
        _write(module, file["path"], dpapi.protect(machine_key, data) if file["dpapi"] else data)
    for service in params["services"]:
        if not host.path(ntpath.join(params["root"], service["executable"])).exists():
            _write(module, service["executable"], PROGRAM_BYTES)
    if params["secretmgr"]:
        _write(module, params["secretmgr"], PROGRAM_BYTES)
    if params["em_api"]:
        _write(module, params["em_api"]["module"], b"# stub of the EM's PowerShell module (the lab answers for it)\n")
    with host.editing_system() as system:
        versions = [service["product_version"] for service in params["services"] if service["product_version"]]
        if versions:  # the lab keeps one product version per host (what VersionInfo.ProductVersion reads)
            system["product_version"] = versions[0]
        for service in params["services"]:
            system["services"].setdefault(service["name"], {
                "display_name": service["display_name"], "path": f'"{ntpath.join(params["root"], service["executable"])}"',
                "program": "other", "start_mode": service["start_mode"], "state": "stopped"})
        if params["em_api"]:
            em_service = system["services"][params["em_api"]["service"]]
            em_service.update(program="enterprise_manager", state="started", ports=[3740, 3741])
    module.result["changed"] = True
