# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Point a program's config file at an Enterprise Manager: the logic behind tp_agent_config.

One remote call reads the service and the file; the edit happens here on the controller, byte for
byte; only a file that must change is written, and one more call writes it (atomically, with a
backup) and restarts the service. A restart that fails puts the previous file back in that same
call, so a failed agent is left as it was found and a re-run can finish the job. A preflight reads
the same way, changes nothing, on a real run proves the atomic replace on the host first, and
leaves its read for the repoint later in the run (_read_cache.py): then the repoint makes no read
of its own, and reads again only when the host says the file or the service changed since.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import secrets
import typing as t
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._app_config import (
    AppConfigError, AppSettingsEdit, SettingChange, decode_config, edit_app_settings, read_app_setting)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_settings import SettingError, normalize_settings
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._certificates import certificate_fingerprint
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_proof import EmProof
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError, one_line
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._manager_address import (
    AddressError, ManagerAddress, parse_address)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import CONFIG_SUFFIX, MANAGER_ADDRESS_KEY
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._read_cache import ReadKey, keep, take
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._self_test import require_atomic_replace
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service import SOFTEN_HINT, is_hardened
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import (
    ProgramConfig, Resolved, ServiceInfo, WindowsHost)


@dataclass(frozen=True)
class ConfigRequest:
    """Which file to edit and what to do around the edit."""

    address: ManagerAddress | None  # None: leave managerAddress as it is (settings only)
    service_name: str | None
    path: str | None = None
    settings: tuple[tuple[str, str | None], ...] = ()  # other appSettings keys, each to a value or to None (removed)
    add_if_missing: bool = False
    restart: bool = True
    backup: bool = True
    component: str = "agent"
    keep_record: bool = False  # record what was written beside the file (restart_pending tells it from other writes)
    preflight: bool = False  # change nothing; on a real run prove the atomic replace on the host
    target: TargetCheck | None = None  # the EM the address must lead to; None writes only with prove_target off
    prove_target: bool = True
    read_cache: str | None = None  # the run's folder where a preflight leaves its read for the repoint (None: none)


class _StaleRead(Exception):
    """The host refused a write because the file or the service changed since an earlier task read them."""


@dataclass(frozen=True)
class TargetCheck:
    """The EM an address must lead to (em_host), how to get this run's proof of it, and the agent's CA file."""

    em_host: str
    prove: t.Callable[[int | None], EmProof]  # the port an agent will use, or None for the EM's addresses only
    ca_file: str  # relative to the program's folder


# Beside the config, what the collection last wrote there: {"path", "sha256", "written_utc"}.
WRITTEN_RECORD_SUFFIX = ".tp-written.json"


def address_option(host_name: str, text: str, default_port: int) -> ManagerAddress:
    """The manager_address option, parsed; a bad one fails before any remote call."""
    try:
        return parse_address(text, default_port)
    except AddressError as error:
        raise TPError(f"{host_name}: option manager_address: {error}. Nothing was changed.") from None


def settings_option(host_name: str, settings: t.Mapping[str, t.Any]) -> tuple[tuple[str, str | None], ...]:
    """The settings option, each value checked for its key; a bad one fails before any remote call."""
    try:
        return tuple(normalize_settings(settings).items())
    except SettingError as error:
        raise TPError(f"{host_name}: option settings: {_sentence(str(error))} Nothing was changed.") from None


def backup_path(path: str, now: datetime | None = None, token: str | None = None) -> str:
    """``<file>.<UTC timestamp>.<random>.bak`` beside the file: sortable, and unique across runs."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    return f"{path}.{stamp}.{token or secrets.token_hex(3)}.bak"


@dataclass(frozen=True)
class PlannedEdit:
    """The edit to make, and what it does to managerAddress (the key whose target must be proven)."""

    edit: AppSettingsEdit
    previous_address: str | None
    address: str | None
    address_changes: bool
    settings: tuple[SettingChange, ...]


def desired_edit(content: bytes, request: ConfigRequest, host_name: str, path: str) -> PlannedEdit:
    """One edit for managerAddress and every other key asked for; unchanged when the file already says it all.

    managerAddress is never uncommented: the installer's commented-out line holds a former manager. Another
    key that exists only commented out (the installer's bindTo) is set by uncommenting that line.
    """
    try:
        address_edit = _address_edit(content, request)
        edit = edit_app_settings(address_edit.content, dict(request.settings), add_if_missing=request.add_if_missing)
        previous = read_app_setting(content, MANAGER_ADDRESS_KEY)
    except AppConfigError as error:
        raise TPError(f"{host_name}: {path}: {_sentence(str(error))} Nothing was changed.", path=path) from None
    changes = tuple(address_edit.changes) + tuple(edit.changes)
    final = AppSettingsEdit(content=edit.content, changes=changes, changed=address_edit.changed or edit.changed,
                            encoding=edit.encoding, bom=edit.bom)
    address = previous if not address_edit.changed else str(request.address)
    return PlannedEdit(edit=final, previous_address=previous, address=address, address_changes=address_edit.changed,
                       settings=tuple(edit.changes))


def _address_edit(content: bytes, request: ConfigRequest) -> AppSettingsEdit:
    """managerAddress set to the request's address, unless the file already names that endpoint (or none is asked)."""
    if request.address is None:
        return edit_app_settings(content, {})
    edit = edit_app_settings(content, {MANAGER_ADDRESS_KEY: str(request.address)}, add_if_missing=request.add_if_missing,
                             uncomment=False)
    previous = edit.changes[0].previous
    if edit.changed and previous is not None and _same_endpoint(previous, request.address):
        return edit_app_settings(content, {})
    return edit


def repoint(host: WindowsHost, request: ConfigRequest, check_mode: bool, diff_mode: bool) -> dict[str, t.Any]:
    """The whole of tp_agent_config (and of tp_console_config, without a service)."""
    target = request.target if request.address is not None else None  # settings alone need no proof
    key = ReadKey(host=host.name, service_name=request.service_name, path=request.path, suffix=CONFIG_SUFFIX,
                  record_suffix=WRITTEN_RECORD_SUFFIX if request.keep_record else None,
                  companion_file=target.ca_file if target else None,
                  resolve_name=request.address.host if target and request.address else None)
    program = take(request.read_cache, key) if request.read_cache and not request.preflight else None
    if program is not None:
        try:
            return _finish(host, request, program, key, check_mode, diff_mode, stale_ok=True)
        except _StaleRead:
            pass  # the preflight's read is old: read again, as if there had been none
    program = _read(host, request, key)
    return _finish(host, request, program, key, check_mode, diff_mode, stale_ok=False)


def _read(host: WindowsHost, request: ConfigRequest, key: ReadKey) -> ProgramConfig:
    return host.read_program_config(request.service_name, request.path, key.suffix, key.record_suffix,
                                    self_test=request.preflight, companion_file=key.companion_file,
                                    resolve_name=key.resolve_name)


def _finish(host: WindowsHost, request: ConfigRequest, program: ProgramConfig, key: ReadKey, check_mode: bool,
            diff_mode: bool, stale_ok: bool) -> dict[str, t.Any]:
    """Everything after the read: checks, the edit, the write and restart; a preflight leaves its read for later."""
    path = _existing_config_path(host, program, request)
    if request.preflight and not check_mode:
        require_atomic_replace(host.name, program.self_test, path.rsplit("\\", 1)[0], path, path=path)
    result = _edit(host, request, program, path, check_mode or request.preflight, diff_mode, stale_ok)
    result["removed_temporary_files"] = list(program.removed)
    if request.preflight:
        result["would_change"], result["changed"] = result["changed"], False
        if request.read_cache:
            keep(request.read_cache, key, program)
    return result


def _edit(host: WindowsHost, request: ConfigRequest, program: ProgramConfig, path: str, check_mode: bool,
          diff_mode: bool, stale_ok: bool = False) -> dict[str, t.Any]:
    """Write the file when it must change and restart the service; in check mode only say what would happen."""
    content = t.cast(bytes, program.config.content)
    planned = desired_edit(content, request, host.name, path)
    edit = planned.edit
    evidence = target_evidence(host, request, program, planned.address_changes and not check_mode)
    service = program.service
    # A stopped agent is started too: it must run to register with the new EM, and a restart that
    # failed on an earlier run may be what stopped it. Only a disabled service is left alone.
    restart = bool(request.restart and service and service.start_mode != "disabled")
    pending = not edit.changed and restart and restart_pending(program)
    result: dict[str, t.Any] = {
        "changed": edit.changed or pending, "path": path, "previous_address": planned.previous_address,
        "address": planned.address, "encoding": edit.encoding + (" with BOM" if edit.bom else ""), "backup_file": None,
        "restarted": False, "pending_restart": pending, "service_state": service.state if service else None,
        "hardened": bool(service and is_hardened(service, request.component)), "target": evidence,
    }
    if request.settings:
        result["settings"] = [{"key": change.key, "previous": change.previous, "value": change.value, "action": change.action}
                              for change in planned.settings]
    if not result["changed"]:
        return result
    if restart and service and result["hardened"]:
        raise TPError(f"{host.name}: the agent service '{service.name}' is hardened, so it cannot be restarted to read "
                      f"the new settings. {SOFTEN_HINT} Nothing was changed.", hardened=True, path=path)
    if diff_mode and edit.changed:
        result["diff"] = {"before_header": path, "after_header": path, "before": decode_config(content).text,
                          "after": decode_config(edit.content).text}
    if request.restart and service and not restart:
        outcome = "a run will not restart it" if check_mode else "it was not restarted"
        result["warnings"] = [f"{host.name}: service '{service.name}' is disabled, so {outcome}: while it runs it "
                              f"still uses the address it read when it started. Enable and restart it to use the new "
                              f"one."]
    if check_mode:
        result["restarted"] = restart
        return result
    record = path + WRITTEN_RECORD_SUFFIX if request.keep_record else None
    if not edit.changed:  # only a restart the agent still owes (restart_pending)
        host.set_service(t.cast(ServiceInfo, service).name, state="restarted")
        result["restarted"] = True
        return result
    written = host.replace_file(path, edit.content, program.config.sha256, backup_path(path) if request.backup else None,
                                record_path=record, restart=service if restart else None, stale_ok=stale_ok)
    if written.get("stale"):
        raise _StaleRead(written["stale"])
    result["backup_file"] = written["backup_file"]
    if written["record_error"]:
        result.setdefault("warnings", []).append(
            f"{host.name}: {path} was written, but the record of it ({record}) could not be: "
            f"{one_line(written['record_error']).rstrip('.')}. A later run then decides whether the agent still has to be "
            f"restarted from the file's time alone.")
    if restart and service:
        _require_restarted(host, service, path, written["restart"] or {}, result["backup_file"])
        result["restarted"] = True
    return result


def target_evidence(host: WindowsHost, request: ConfigRequest, program: ProgramConfig, writing: bool) -> dict[str, t.Any] | None:
    """Check that the address leads to the em_host EM, and, before a write, that the EM can take this agent now.

    The address must resolve, from the agent, to addresses of that EM only (checked on every read,
    the preflight's included, since it costs nothing there). A write also needs this run's proof
    that the EM runs, listens on the address's port and holds the CA whose certificate is the
    agent's own ``ca-crt.pem``. Returns what was checked, for the task result.
    """
    target, address = request.target, request.address
    if address is None:
        return None
    if target is None:
        if writing and request.prove_target:
            raise TPError(f"{host.name}: nothing proves that {address} is a running Enterprise Manager that trusts this "
                          f"agent's certificate: name its inventory host with the option em_host (the agent role passes "
                          f"agent_em_host), or set prove_target=false to write without that proof. Nothing was changed.")
        return None
    proof = target.prove(address.port if writing else None)
    resolved = t.cast(Resolved, program.resolved)
    _check_resolution(host, address, resolved, proof)
    agent_ca, problem = _agent_ca(program)
    evidence = {**proof.as_result(), "resolved": list(resolved.addresses), "agent_ca_fingerprint": agent_ca,
                "ca_matches": agent_ca is not None and agent_ca == proof.ca_fingerprint,
                "not_ready": proof.not_ready(address.port)}
    if not writing:
        return evidence
    refusal = f"{host.name}: not pointing the agent at {address} ({target.em_host})"
    if evidence["not_ready"]:
        raise TPError(f"{refusal}: {evidence['not_ready']} (read {evidence['age']}s ago). Finish the new EM first (start "
                      f"it and let it listen), then run again. Nothing was changed.", target=evidence)
    if agent_ca is None:
        raise TPError(f"{refusal}: {problem}, so nothing shows that the agent would trust that EM. Check the agent's "
                      f"install (its CertsInfo folder), then run again. Nothing was changed.", target=evidence)
    if not evidence["ca_matches"]:
        raise TPError(f"{refusal}: the CA that signed this agent's certificate (SHA-256 {agent_ca[:16]}...) is not the "
                      f"CA of {target.em_host} (SHA-256 {str(proof.ca_fingerprint)[:16]}...), so the agent could not "
                      f"register there. Give that EM the old EM's certificates first (tp_certs, vendor step 2), then run "
                      f"again. Nothing was changed.", target=evidence)
    return evidence


def _check_resolution(host: WindowsHost, address: ManagerAddress, resolved: Resolved, proof: EmProof) -> None:
    if resolved.error or not resolved.addresses:
        raise TPError(f"{host.name}: option manager_address: {address.host} does not resolve from this agent "
                      f"({resolved.error or 'no addresses'}), so the agent could not reach {proof.em_host}. Fix the "
                      f"name in DNS or give an address that resolves here. Nothing was changed.")
    foreign = [ip for ip in resolved.addresses if not proof.is_address(ip)]
    if foreign:
        raise TPError(f"{host.name}: option manager_address: {address.host} resolves from this agent to "
                      f"{', '.join(resolved.addresses)}, but {', '.join(foreign)} is not an address of {proof.em_host} "
                      f"({', '.join(proof.addresses) or 'none read'}): the agent would connect elsewhere (the old EM, or a "
                      f"stale DNS record). Give the new EM's name or address, then run again. Nothing was changed.")


def _agent_ca(program: ProgramConfig) -> tuple[str | None, str | None]:
    companion = program.companion
    if companion is None or companion.content is None:
        return None, f"{companion.path if companion else 'the CA file'} does not exist"
    return certificate_fingerprint(companion.path, companion.content)


def restart_pending(program: ProgramConfig) -> bool:
    """The agent has not read the file the collection wrote: it is stopped, or it started before the write.

    This is how a run interrupted between the write and the restart (or run with restart off) is
    finished by the next one: the file is already right, but the agent must still read it. A
    stopped (not disabled) agent is started whatever its file's age: a run killed between the stop
    and the start of its restart leaves exactly that, and nothing else would start it. The file
    must still be what the collection wrote (its SHA-256 equals the record replace_file.ps1 keeps
    beside it): an agent that rewrites its own config while it runs makes the file newer than the
    process without anything left for it to read, and is not restarted on every run. A file with no
    record was written before this version of the collection (or by hand, or the run was cut off
    inside the write): for it the time alone decides, as it did before.
    """
    service, config = program.service, program.config
    if service and service.state == "stopped" and service.start_mode != "disabled":
        return True
    written_after_start = bool(service and service.state == "started" and service.started_ms is not None
                               and config.last_write_ms is not None and config.last_write_ms > service.started_ms)
    if not written_after_start or config.written_sha256 is None:
        return written_after_start
    return config.written_sha256 == config.sha256


def _existing_config_path(host: WindowsHost, program: ProgramConfig, request: ConfigRequest) -> str:
    if not request.path and program.service is None:
        raise TPError(f"{host.name}: the Windows service '{request.service_name}' is not installed, so its config file "
                      f"cannot be found. Install the agent, set the service name if yours differs, or give the file's "
                      f"path.", exists=False)
    if program.config.content is None:
        raise TPError(f"{host.name}: the config file {program.config.path} does not exist. Check the install (or the path "
                      f"given); nothing was changed.", path=program.config.path)
    return program.config.path


def _require_restarted(host: WindowsHost, service: ServiceInfo, path: str, outcome: dict[str, t.Any],
                       backup_file: str | None) -> None:
    """Fail, saying what the host did, when the restart after the write did not bring the service back.

    The host has then already put the previous file back (and started the service on it when it was
    running), in the same call as the write: replace_file.ps1's Restart-OrRestore.
    """
    if outcome.get("restarted"):
        return
    failure = f"{host.name}: {one_line(str(outcome.get('error') or 'the service did not restart')).rstrip('.')}"
    kept = f"the previous file is kept at {backup_file}" if backup_file else "no backup was kept (backup is off)"
    if not outcome.get("restored"):
        raise TPError(f"{failure}. The new address is still in {path} and restoring the previous file failed too "
                      f"({one_line(str(outcome.get('restore_error'))).rstrip('.')}); {kept}.", path=path,
                      backup_file=backup_file, changed=True)
    if service.state != "started":
        raise TPError(f"{failure}. The previous {path} was put back and the service left stopped, as it was found. "
                      f"Fix the service, then run again.", path=path, backup_file=backup_file, changed=True)
    after = ("it was started again on the previous address" if outcome.get("started_again") else
             f"starting it on the previous address failed too ({one_line(str(outcome.get('start_again_error'))).rstrip('.')})")
    raise TPError(f"{failure}. The previous {path} was put back and {after}. Fix the service, then run again.",
                  path=path, backup_file=backup_file, changed=True)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _same_endpoint(current: str, desired: ManagerAddress) -> bool:
    """The desired address is always written with its port, so compare it as such."""
    try:
        return parse_address(current, desired.port).same_endpoint(replace(desired, has_port=True))
    except AddressError:
        return False
