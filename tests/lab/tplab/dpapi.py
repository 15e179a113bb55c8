# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Machine-bound encryption standing in for Windows DPAPI (machine scope).

``Secret.dpapi`` is protected with a key only its own host has, so a copy on another host cannot be
read: that is why the vendor says to move it with SecretMgr.exe and never to copy it. The lab keeps
each host's key in its system.json and seals with AES-GCM, which fails loudly on the wrong key.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_CONTEXT = b"tplab-dpapi-machine-scope"


class DecryptError(Exception):
    """The data was sealed on another host (or damaged)."""


def new_machine_key() -> str:
    return AESGCM.generate_key(bit_length=256).hex()


def protect(machine_key: str, data: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(bytes.fromhex(machine_key)).encrypt(nonce, data, _CONTEXT)


def unprotect(machine_key: str, blob: bytes) -> bytes:
    try:
        return AESGCM(bytes.fromhex(machine_key)).decrypt(blob[:12], blob[12:], _CONTEXT)
    except (InvalidTag, ValueError):
        raise DecryptError("Key not valid for use in specified state.") from None
