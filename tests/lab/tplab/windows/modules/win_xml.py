# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated community.windows.win_xml: set an attribute of the elements an XPath selects.

Only what the stock-module baseline (tests/bench) uses is emulated: ``type=attribute``,
``state=present``, ``backup`` and check mode, with an absolute child-step XPath. Behaviour follows
win_xml.ps1 of community.windows:
- a path that is not a file fails "Specified path ... does not exist or is not a file.";
- the file is loaded into an XmlDocument; a file that is not XML, or that another process holds
  open without sharing, fails "Failed to parse file at '...' as an XML document: ..." (the
  exception of ``$xmlorig.Load`` as PowerShell words a .NET method's exception);
- an XPath that matches nothing is *not* a failure: ``changed`` false and a message saying so;
- an attribute already at the value is ``changed`` false, msg "not changed"; the script compares with
  PowerShell's ``-ne``, which ignores case, so a value that differs only in case is left as it is;
- otherwise ``changed`` true; in check mode msg "not changed check mode" (the script appends
  " check mode" to its initial message) and nothing is written; else, with ``backup``, the file is
  first copied by Ansible.ModuleUtils.Backup to ``<path>.<pid>.<yyyyMMdd-HHmmss>.bak``
  (``backup_file``), then the whole document is written back by ``XmlDocument.Save``, which
  re-serialises it (see _xmldocument for what that does to the bytes), msg "attribute changed";
- the module returns no diff (win_xml.ps1 never sets one).
win_xml is a legacy (Ansible.ModuleUtils.Legacy) module; the lab runs it with the same option
validation as the others, which is stricter than Parse-Args (unknown options fail here).
"""

from __future__ import annotations

import datetime
import os
import shutil
import typing as t

from tplab.twins._run import is_locked
from tplab.windows.basic import AnsibleModule, ModuleSpec
from tplab.windows.modules import _xmldocument
from tplab.windows.modules._support import NOT_EMULATED, unsupported_options

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "attribute": {"type": "str"},
    "backup": {"type": "bool", "default": False},
    "content": {"type": "str", "choices": ["attribute", "text"]},
    "count": {"type": "bool", "default": False},
    "fragment": {"type": "str", "aliases": ["xmlstring"]},
    "path": {"type": "path", "required": True, "aliases": ["dest", "file"]},
    "preserve_whitespace": {"type": "bool", "default": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "type": {"type": "str", "choices": ["attribute", "element", "text"], "default": "element"},
    "xpath": {"type": "str", "required": True},
}
SPEC = ModuleSpec("community.windows.win_xml", ARGUMENT_SPEC)
EMULATED = {"attribute", "backup", "fragment", "path", "state", "type", "xpath"}
NO_MATCH = ("The supplied xpath did not match any nodes.  If this is unexpected, check your xpath is valid for the xml "
            "file at supplied path.")


def run(module: AnsibleModule) -> None:
    params = module.params
    unsupported = unsupported_options(params, EMULATED, ARGUMENT_SPEC)
    if unsupported or params["type"] != "attribute" or params["state"] != "present" or not params["attribute"]:
        module.fail_json(f"win_xml other than type=attribute state=present with an attribute, or option(s) {unsupported}, "
                         f"{NOT_EMULATED}")
    host = module.session.host
    path = params["path"]
    local = host.path(path)
    if not local.is_file():
        module.fail_json(f"Specified path {path} does not exist or is not a file.")
    try:
        if is_locked(host, path):
            raise _xmldocument.XmlLoadError(f"The process cannot access the file '{path}' because it is being used by "
                                            f"another process.")
        document = _xmldocument.load(local.read_bytes())
    except _xmldocument.XmlLoadError as error:
        module.fail_json(f"Failed to parse file at '{path}' as an XML document: Exception calling \"Load\" with \"1\" "
                         f"argument(s): \"{error}\"")
    nodes = _xmldocument.select_elements(document, params["xpath"])
    if nodes is None:
        module.fail_json(f"win_xml xpath {params['xpath']!r} (only absolute child steps with [@name='value']) {NOT_EMULATED}")
    if not nodes:
        module.result["msg"] = NO_MATCH
        return
    module.result["msg"] = "not changed"
    fragment = params["fragment"] or ""
    changed = False
    for node in nodes:
        current = node.attribute(params["attribute"])
        if current is None or current.casefold() != fragment.casefold():  # PowerShell's -ne ignores case
            node.set_attribute(params["attribute"], fragment)
            changed = True
    if not changed:
        return
    module.result["changed"] = True
    if module.check_mode:
        module.result["msg"] += " check mode"
        return
    if params["backup"]:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = f"{path}.{os.getpid()}.{stamp}.bak"
        shutil.copyfile(local, host.path(backup))
        module.result["backup_file"] = backup
    local.write_bytes(_xmldocument.save(document))
    module.result["msg"] = "attribute changed"
