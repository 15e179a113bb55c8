# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proof that an Enterprise Manager can take an agent, taken once and shared by a batch: behind em_host.

An agent pointed at an EM that is not running, that does not listen on the agent port, or that
holds a CA other than the one that signed the agent's certificate, is registered nowhere. So
tp_agent_config writes an address only with a proof, taken in this run, that the EM named by
``em_host`` runs, listens and holds a CA; the agent's own ``ca-crt.pem`` (read in the same call as
its config) must be that CA. The proof is one read_em_state call over a peer connection to the EM.

Every fork of one ansible-playbook run shares the run's controller temp folder
(``ansible-local-*``, removed when the run ends), so the proof is kept there under a lock: the
agents of a batch, which ask at the same moment, share one call. A proof that shows the EM ready is
reused until it is ``max_age`` seconds old; one that does not is only reused by requests made
before it was taken (the same batch), so an EM started since is seen at once. A preflight only
needs the EM's addresses and keeps its own proof, which no write reuses: between the preflight and
the repoint the new EM is stopped, given the old certificates and started. Only public facts are
kept: the CA's fingerprint, never a key.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import ipaddress
import json
import os
import time
import typing as t
from dataclasses import asdict, dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._certificates import certificate_fingerprint
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import EmState

PROOF_PORTS = (3741, 3740)  # the agents' port and the consoles' (vendor: Ports)


@dataclass(frozen=True)
class EmProof:
    """What one read of an EM showed, and when (epoch seconds at the start of the read)."""

    em_host: str
    taken: float
    service_state: str | None  # None: the service is not installed there
    listening: tuple[int, ...]
    ca_fingerprint: str | None
    ca_problem: str | None  # why there is no fingerprint
    addresses: tuple[str, ...]

    def not_ready(self, port: int) -> str | None:
        """Why an agent must not be pointed at this EM on ``port`` now, or None when it may."""
        if self.service_state is None:
            return f"the Enterprise Manager service is not installed on {self.em_host}"
        if self.service_state != "started":
            return f"the Enterprise Manager service on {self.em_host} is {self.service_state}"
        if port not in self.listening:
            return f"nothing listens on port {port} on {self.em_host}"
        if self.ca_fingerprint is None:
            return f"{self.em_host} holds no usable CA certificate ({self.ca_problem})"
        return None

    def is_address(self, address: str) -> bool:
        return _ip_key(address) in {_ip_key(own) for own in self.addresses}

    def as_result(self) -> dict[str, t.Any]:
        """What a task result may show of the proof (all of it is public)."""
        return {"em_host": self.em_host, "service_state": self.service_state, "listening": list(self.listening),
                "ca_fingerprint": self.ca_fingerprint, "addresses": list(self.addresses),
                "age": round(max(0.0, time.time() - self.taken), 1)}


def proof_from_state(em_host: str, taken: float, state: EmState) -> EmProof:
    """An EmProof from one read_em_state result."""
    fingerprint, problem = None, "the service is not installed"
    if state.ca is not None:
        fingerprint, problem = (certificate_fingerprint(state.ca.path, state.ca.content) if state.ca.content is not None
                                else (None, f"{state.ca.path} does not exist"))
    return EmProof(em_host=em_host, taken=taken, service_state=state.service.state if state.service else None,
                   listening=state.listening, ca_fingerprint=fingerprint, ca_problem=problem, addresses=state.addresses)


def shared_proof(read: t.Callable[[], EmProof], key: str, max_age: float, port: int | None,
                 folder: str, clock: t.Callable[[], float] = time.time) -> EmProof:
    """The run's proof for ``key``: reused when fresh (see the module docstring), else read now and kept.

    ``port`` None asks for the EM's identity only (its addresses), which any proof of this run shows.
    """
    asked = clock()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    # A write never reuses a proof taken for a preflight: the EM is meant to change in between (vendor steps 1-3).
    purpose = "identity" if port is None else "write"
    stem = os.path.join(folder, hashlib.sha256(f"{key}|{purpose}".encode("utf-8")).hexdigest()[:32])
    with _locked(stem + ".lock"):
        kept = _load(stem + ".json")
        if kept is not None and _still_good(kept, asked, max_age, port, clock()):
            return kept
        proof = read()
        _store(stem + ".json", proof)
        return proof


def _still_good(proof: EmProof, asked: float, max_age: float, port: int | None, now: float) -> bool:
    if port is None:
        return True
    if proof.taken >= asked:
        return True  # taken for this very request's batch, ready or not
    return proof.not_ready(port) is None and now - proof.taken <= max_age


@contextlib.contextmanager
def _locked(path: str) -> t.Iterator[None]:
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(path: str) -> EmProof | None:
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
        return EmProof(**{**raw, "listening": tuple(raw["listening"]), "addresses": tuple(raw["addresses"])})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _store(path: str, proof: EmProof) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(asdict(proof), handle)
    os.replace(temporary, path)


def _ip_key(address: str) -> str:
    try:
        return ipaddress.ip_address(address.strip("[]")).compressed
    except ValueError:
        return address.lower()


def em_prover(peer: t.Callable[[str], t.ContextManager[t.Any]], em_host: str, service_name: str, max_age: float,
              folder: str) -> t.Callable[[int | None], EmProof]:
    """A function giving the run's proof for ``em_host`` (see shared_proof), read over ``peer`` when needed."""
    def prove(port: int | None) -> EmProof:
        ports = tuple(sorted({*PROOF_PORTS, *([port] if port else [])}))

        def read() -> EmProof:
            taken = time.time()
            with peer(em_host) as em:
                return proof_from_state(em_host, taken, em.read_em_state(service_name, ports))
        return shared_proof(read, f"{em_host}|{service_name}|{','.join(map(str, ports))}", max_age, port, folder)
    return prove
