# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line of the lab: python -m tplab {up,status,fault,harden,soften,calls,down} ESTATE ..."""

from __future__ import annotations

import argparse
import json
import shutil
import sys

from tplab import product, services, status
from tplab.estate import FAULT_KINDS, Estate
from tplab.generator import EstateSpec, build_estate
from tplab.playbook import LAB_PYTHONPATH

COLUMNS = ["agent", "install", "config_style", "file_address", "service", "registered_on"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    estate = Estate(args.estate)
    if args.command != "up" and not estate.exists():
        print(f"tplab: no estate at {estate.root}; create one with: python -m tplab up {args.estate}", file=sys.stderr)
        return 2
    try:
        return args.handler(estate, args)
    except (KeyError, ValueError, FileExistsError) as error:
        print(f"tplab {args.command}: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tplab", description="The emulated Threat Prevention estate.")
    commands = parser.add_subparsers(dest="command", required=True)

    up = _command(commands, "up", _up, "create (or re-create) an estate and write its inventory.yml")
    up.add_argument("--agents", type=int, default=20)
    up.add_argument("--consoles", type=int, default=0)
    up.add_argument("--new-em", choices=["migrated", "fresh"], default="migrated",
                    help="fresh: the new EM as installed, before a migration (its own CA and secret)")
    up.add_argument("--certificates", choices=["default", "customer"], default="default")
    up.add_argument("--domain", default="corp.example")
    up.add_argument("--secretmgr-output", choices=["syswow64", "working_folder", "own_folder"], default="syswow64")
    up.add_argument("--connection", choices=["mixed", "psrp", "winrm"], default="mixed",
                    help="which real connection plugin reaches the hosts (mixed: both, host by host)")
    up.add_argument("--winrm-password", help="the administrator account's password (default: a new random one)")
    up.add_argument("--agent-status-shape", choices=product.AGENT_STATUS_SHAPES, default=product.DEFAULT_AGENT_STATUS_SHAPE,
                    help="what the EMs' Get-SIAgentStatus writes (typed objects by default; see tplab/product.py)")

    show = _command(commands, "status", _status, "show where each agent is registered")
    show.add_argument("--json", action="store_true")

    fault = _command(commands, "fault", _fault, "inject or clear a fault on a host")
    fault.add_argument("host", nargs="?")
    fault.add_argument("kind", nargs="?", choices=sorted(FAULT_KINDS))
    fault.add_argument("value", nargs="?", help="seconds for slow, a call count for unreachable_after, a service or path, "
                       "CODE[xTIMES] for replace_fails, noop|stdout_error|prompt|hang for secretmgr_misbehaves")
    fault.add_argument("--clear", action="store_true", help="clear the host's faults (every host's without a host)")

    for name, handler in (("harden", _harden), ("soften", _soften)):
        hardening = _command(commands, name, handler, f"{name} an agent, as the Administration Console does")
        hardening.add_argument("host")

    calls = _command(commands, "calls", _calls, "remote module calls per host (the benchmark's counter)")
    calls.add_argument("--reset", action="store_true")

    _command(commands, "down", _down, "delete the estate")
    return parser


def _command(commands: argparse._SubParsersAction, name: str, handler, text: str) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=text, description=text)
    command.add_argument("estate", help="the estate folder")
    command.set_defaults(handler=handler)
    return command


def _up(estate: Estate, args: argparse.Namespace) -> int:
    build_estate(estate.root, EstateSpec(agents=args.agents, consoles=args.consoles, new_em=args.new_em,
                                         certificates=args.certificates, domain=args.domain,
                                         secretmgr_output=args.secretmgr_output, connection=args.connection,
                                         winrm_password=args.winrm_password, agent_status_shape=args.agent_status_shape))
    print(f"estate ready: {estate.root}\ninventory:    {estate.root / 'inventory.yml'}\n"
          f"environment:  export TPLAB_ESTATE={estate.root} PYTHONPATH={LAB_PYTHONPATH}")
    return 0


def _status(estate: Estate, args: argparse.Namespace) -> int:
    rows = status.agent_rows(estate)
    ems, consoles = status.em_rows(estate), status.console_rows(estate)
    if args.json:
        print(json.dumps({"agents": rows, "summary": status.summary(estate), "ems": ems, "consoles": consoles}, indent=2))
    else:
        print(status.format_table(ems, ["em", "role", "service", "start_mode", "old_ca", "db_secret"]) + "\n")
        print(status.format_table(rows, COLUMNS))
        if consoles:
            print("\n" + status.format_table(consoles, ["console", "file_address"]))
        print("registered: " + ", ".join(f"{em}={count}" for em, count in sorted(status.summary(estate).items())))
    return 0


def _fault(estate: Estate, args: argparse.Namespace) -> int:
    if args.clear:
        estate.clear_faults(args.host)
        return 0
    if not (args.host and args.kind):
        print("tplab fault: give HOST KIND [VALUE], or --clear", file=sys.stderr)
        return 2
    estate.set_fault(args.host, args.kind, _fault_value(estate, args))
    return 0


def _fault_value(estate: Estate, args: argparse.Namespace) -> object:
    if args.kind == "locked":
        if args.value:
            return [args.value]
        agent = estate.host(args.host).system()["services"].get("SIWindowsAgent")
        if agent is None:
            raise ValueError(f"{args.host} has no agent service; give the Windows path of the file to lock")
        return [product.executable(agent["path"]) + ".config"]
    if args.kind == "slow":
        return float(args.value or 1)
    if args.kind == "unreachable_after":
        return int(args.value or 0)
    if args.kind == "service_start_fails":
        return [args.value] if args.value else True
    if args.kind == "replace_fails":
        code, _separator, times = (args.value or "32").partition("x")  # CODE or CODExTIMES, e.g. 1177x1
        return {"code": int(code), "times": int(times or 1)}
    if args.kind == "secretmgr_misbehaves":
        return args.value or "noop"
    return True


def _harden(estate: Estate, args: argparse.Namespace) -> int:
    return _set_hardened(estate, args.host, True)


def _soften(estate: Estate, args: argparse.Namespace) -> int:
    return _set_hardened(estate, args.host, False)


def _set_hardened(estate: Estate, host_name: str, hardened: bool) -> int:
    host = estate.host(host_name)
    found = services.find(host, "SIWindowsAgent")
    if found is None:
        print(f"tplab: {host_name} has no agent service", file=sys.stderr)
        return 2
    with host.editing_system() as system:
        system["services"][found[0]]["hardened"] = hardened
    return 0


def _calls(estate: Estate, args: argparse.Namespace) -> int:
    for host in estate.hosts():
        print(f"{host.name}: {len(estate.calls(host.name))}")
    if args.reset:
        estate.reset_calls()
    return 0


def _down(estate: Estate, _args: argparse.Namespace) -> int:
    shutil.rmtree(estate.root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
