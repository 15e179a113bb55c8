# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every emulated ansible.windows module shares: which host it runs on, and the call counter.

The lab's connection plugin runs each module as a local process with TPLAB_ESTATE and TPLAB_HOST
in its environment, so a module acts on that host's tree exactly as the real module would act on
the Windows host it was sent to.
"""

from __future__ import annotations

import os
import typing as t

from tplab.estate import Estate, Host

NOT_EMULATED = "is not emulated by the lab (tests/lab); emulate it in tests/lab before the collection relies on it"


def lab_host(module_name: str) -> tuple[Estate, Host]:
    """The estate and host this module call targets, after counting the call."""
    estate = Estate(os.environ["TPLAB_ESTATE"])
    host = estate.host(os.environ["TPLAB_HOST"])
    estate.record_call(host.name, module_name)
    return estate, host


def unsupported_options(params: dict[str, t.Any], emulated: set[str], defaults: dict[str, t.Any]) -> list[str]:
    """Options given with a non-default value that the lab does not emulate: fail rather than pretend."""
    return sorted(name for name, value in params.items()
                  if name not in emulated and value is not None and value != defaults.get(name))
