# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real X.509 material for the emulated estate, and the checks the emulated product makes with it.

The EM's CertsInfo holds a CA and an EM certificate with their keys (PEM); agents hold the CA
certificate and their own certificate signed by it. Nothing here is a placeholder: an EM whose
files do not form a valid set refuses to start, and an agent whose CA differs from the EM's does
not register, exactly as the product behaves. Key types and lifetimes of the product's default
certificates are not documented (see the facts' open unknowns): the lab uses RSA 2048 for the CA
and EM and P-256 for agents, which keeps generating 200 agents quick.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_PEM = serialization.Encoding.PEM
_NOW = dt.datetime.now(dt.timezone.utc)
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, as the PEM bytes the product stores."""

    cert_pem: bytes
    key_pem: bytes


class CertificateProblem(Exception):
    """The certificate files would make the product refuse to work; the message says which and why."""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Netwrix Threat Prevention (lab)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _build(subject: str, public_key: PublicKey, issuer: x509.Name, signer: rsa.RSAPrivateKey, is_ca: bool, days: int,
           not_before: dt.datetime | None = None) -> x509.Certificate:
    start = not_before or _NOW - dt.timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    return builder.sign(signer, hashes.SHA256())


def make_ca(common_name: str = "Threat Prevention CA", days: int = 3650) -> KeyPair:
    """A self-signed CA, like the one the EM installer creates."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _build(common_name, key.public_key(), _name(common_name), key, True, days)
    return KeyPair(cert.public_bytes(_PEM), _key_pem(key))


def issue(ca: KeyPair, common_name: str, days: int = 3650, elliptic: bool = False,
          not_before: dt.datetime | None = None) -> KeyPair:
    """A certificate signed by the CA: the EM's (RSA) or an agent's (P-256)."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    key = ec.generate_private_key(ec.SECP256R1()) if elliptic else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _build(common_name, key.public_key(), ca_cert.subject, ca_key, False, days, not_before)
    return KeyPair(cert.public_bytes(_PEM), _key_pem(key))


def fingerprint(cert_pem: bytes) -> str:
    return x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256()).hex()


def check_em_set(ca_cert: bytes, ca_key: bytes | None, em_cert: bytes, em_key: bytes, now: dt.datetime | None = None) -> None:
    """What the EM checks at start: each key matches its certificate, the EM certificate is issued by
    the CA, and both are within their validity. ``ca_key`` is None for customer-supplied CAs."""
    try:
        ca = x509.load_pem_x509_certificate(ca_cert)
        em = x509.load_pem_x509_certificate(em_cert)
    except ValueError as error:
        raise CertificateProblem(f"a certificate file is not a PEM certificate ({error})") from None
    if ca_key is not None:
        _check_key_matches(ca, ca_key, "Ca-key.pem", "Ca-crt.pem")
    _check_key_matches(em, em_key, "Em-key.pem", "Em-crt.pem")
    try:
        em.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise CertificateProblem("Em-crt.pem is not issued by the CA in Ca-crt.pem") from None
    moment = now or dt.datetime.now(dt.timezone.utc)
    for label, cert in (("Ca-crt.pem", ca), ("Em-crt.pem", em)):
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            raise CertificateProblem(f"{label} is outside its validity period")


def issued_by(cert_pem: bytes, ca_cert_pem: bytes) -> bool:
    """Whether a certificate was signed by this CA (how an EM accepts an agent)."""
    try:
        x509.load_pem_x509_certificate(cert_pem).verify_directly_issued_by(x509.load_pem_x509_certificate(ca_cert_pem))
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def _check_key_matches(cert: x509.Certificate, key_pem: bytes, key_label: str, cert_label: str) -> None:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as error:
        raise CertificateProblem(f"{key_label} is not a readable private key ({error})") from None
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    expected = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if public != expected:
        raise CertificateProblem(f"{key_label} does not belong to {cert_label}")
