# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the emulated modules share: refusing options the lab does not emulate."""

from __future__ import annotations

import typing as t

NOT_EMULATED = "is not emulated by the lab (tests/lab); emulate it in tests/lab before the collection relies on it"


def unsupported_options(params: dict[str, t.Any], emulated: set[str], spec: dict[str, dict[str, t.Any]]) -> list[str]:
    """Options given with a non-default value that the lab does not emulate: fail rather than pretend."""
    return sorted(name for name, value in params.items()
                  if name not in emulated and value is not None and value != spec.get(name, {}).get("default"))
