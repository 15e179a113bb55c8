# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that the old EM's CertsInfo files are the installer's default set before they are migrated.

The vendor's migration copies ``Ca-crt.pem``, ``Ca-key.pem``, ``Em-crt.pem`` and ``Em-key.pem`` to
the new Enterprise Manager and covers default certificates only: the installer's local CA and an EM
certificate it signed. Agents trust that CA, so the new EM holding the same CA and EM key pairs is
what lets them reconnect without re-enrolling. Customer-supplied certificates (no ``Ca-key.pem``,
or an EM certificate from another CA) usually carry the old EM's FQDN, and the vendor says to
re-enroll the agents instead. A set that is damaged, mismatched or expired would leave a new EM
no agent can talk to. So the files, read into controller memory, are checked here before anything
is written anywhere; every message therefore ends by saying that nothing was changed.

Messages name files, certificate names and dates, never file content: the key files are secrets,
and parser error text is not shown because it may quote the bytes it choked on.

Decisions where the product's default certificates are not documented:

- A certificate file may hold a chain; its first certificate is the one checked, as TLS stacks use
  the first (leaf) certificate of a PEM chain. Extra certificates and other PEM blocks are ignored
  (the file is copied byte for byte either way).
- A key file must hold exactly one unencrypted private key (PKCS#1, PKCS#8 or SEC1 PEM); two keys
  in one file have no agreed meaning. Other blocks beside the key are ignored.
- ``Ca-crt.pem`` is refused as a CA only when Basic Constraints says ``CA:FALSE``; a missing
  extension, missing key usage or a CA that is not self-signed are accepted.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes, PrivateKeyTypes
except ImportError as error:  # ansible-core requires cryptography; only a bare test environment lacks it
    CRYPTOGRAPHY_MISSING: ImportError | None = error
    _PARSE_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError)
else:
    CRYPTOGRAPHY_MISSING = None
    _PARSE_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm)

CA_CERT, CA_KEY, EM_CERT, EM_KEY = "Ca-crt.pem", "Ca-key.pem", "Em-crt.pem", "Em-key.pem"
DEFAULT_SET = (CA_CERT, CA_KEY, EM_CERT, EM_KEY)
REQUIRED = (CA_CERT, EM_CERT, EM_KEY)

_NOTHING_CHANGED = "Nothing was copied or changed."
_RENEW = "renew the default certificates on the old EM with the vendor's certificate management (SICertMgr.exe) first, then migrate"
_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")
_PEM_ENCRYPTED_HEADER = re.compile(rb"Proc-Type:[ \t]*4,[ \t]*ENCRYPTED")
_KEY_LABELS = frozenset({b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY"})
_CERT_LABELS = frozenset({b"CERTIFICATE", b"X509 CERTIFICATE"})
_PUBLIC_LABELS = frozenset({b"PUBLIC KEY", b"RSA PUBLIC KEY"})


class CertificateSetError(ValueError):
    """The files cannot be migrated as they are; the message names the file(s), what is wrong, and what to do."""


class CustomerSuppliedCertificates(CertificateSetError):
    """The set is not the installer's default one; migration would orphan agents (vendor: re-enroll them)."""


@dataclass(frozen=True)
class CertificateFacts:
    """What a report or a later comparison needs about one certificate, with no key material."""

    name: str
    subject: str
    issuer: str
    not_before: str
    not_after: str
    fingerprint_sha256: str


def validate_default_set(files: dict[str, bytes], now: datetime | None = None) -> list[CertificateFacts]:
    """Raise unless ``files`` is a complete, consistent, currently valid default set; return CA and EM facts.

    ``files`` maps the exact DEFAULT_SET spellings to file bytes; an absent name is a missing file and
    other names are ignored. ``now`` must be timezone-aware and defaults to the current UTC time.
    """
    if CRYPTOGRAPHY_MISSING is not None:
        raise CertificateSetError("checking the certificates needs the Python package 'cryptography' on the Ansible "
                                  f"controller ({CRYPTOGRAPHY_MISSING}); install it where ansible-core runs.")
    moment = _utc(now)
    _check_spellings(files)
    _check_present(files)
    ca_cert, em_cert, ca_key, em_key = _parse_all(files)
    _check_key_pairs(ca_cert, ca_key, em_cert, em_key)
    _check_issued_by_local_ca(em_cert, ca_cert)
    _check_is_ca(ca_cert)
    _check_validity({CA_CERT: ca_cert, EM_CERT: em_cert}, moment)
    return [_facts(CA_CERT, ca_cert), _facts(EM_CERT, em_cert)]


def file_digests(files: dict[str, bytes]) -> dict[str, str]:
    """SHA-256 of each file's bytes, so old and new CertsInfo can be compared without exposing keys."""
    return {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}


def expiry_warnings(facts: list[CertificateFacts], now: datetime | None = None, days: int = 30) -> list[str]:
    """One warning per certificate that has expired or expires within ``days``: not fatal, but soon it will be."""
    moment = _utc(now)
    warnings = []
    for fact in facts:
        not_after = datetime.fromisoformat(fact.not_after)
        left = not_after - moment
        if left <= timedelta(0):
            warnings.append(f"{fact.name} expired on {fact.not_after}; agents refuse an expired certificate: {_RENEW}")
        elif left <= timedelta(days=days):
            when = f"in {left.days} day{'s' if left.days > 1 else ''}" if left.days else "in less than a day"
            warnings.append(
                f"{fact.name} expires on {fact.not_after} ({when}); after that agents can no longer connect to the EM: "
                "plan to renew it with the vendor's certificate management (SICertMgr.exe)")
    return warnings


def _utc(now: datetime | None) -> datetime:
    """A naive time is refused: guessing whether it is local or UTC could shift a validity check by hours."""
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime, for example datetime.now(timezone.utc)")
    return now.astimezone(timezone.utc)


def _check_spellings(files: dict[str, bytes]) -> None:
    """Callers match names case-insensitively; a near-miss spelling here is a caller bug, not a missing file."""
    canonical = {name.lower(): name for name in DEFAULT_SET}
    wrong = sorted(name for name in files if name not in DEFAULT_SET and name.lower() in canonical)
    if wrong:
        raise ValueError(f"file names must be spelled exactly as in DEFAULT_SET; got {', '.join(wrong)}")


def _check_present(files: dict[str, bytes]) -> None:
    """Rules 1 and 2: the three files every EM has, then the CA key only the default set has."""
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        also = f" ({CA_KEY} is absent too.)" if CA_KEY not in files else ""
        raise CertificateSetError(
            f"{_names(missing)} {'is' if len(missing) == 1 else 'are'} missing from CertsInfo on the old EM.{also} "
            "Every Enterprise Manager has Ca-crt.pem, Em-crt.pem and Em-key.pem in ...\\SIEnterpriseManager\\CertsInfo: "
            "check that the path is that folder on the EM being migrated and that the connecting account can read it. "
            f"{_NOTHING_CHANGED}")
    if CA_KEY not in files:
        raise CustomerSuppliedCertificates(
            f"{CA_KEY} is absent from CertsInfo on the old EM, while Ca-crt.pem, Em-crt.pem and Em-key.pem are present: "
            "this looks like customer-supplied certificates (the certificate management wizard leaves no CA key when "
            "a customer CA signs the EM certificate). The vendor's migration procedure covers default certificates only; "
            "for customer-supplied certificates the vendor recommends uninstalling, re-enrolling and re-installing all "
            f"agents with new certificates for the new EM. {_NOTHING_CHANGED}")


def _parse_all(files: dict[str, bytes]) -> tuple[x509.Certificate, x509.Certificate, PrivateKeyTypes, PrivateKeyTypes]:
    """Rule 3: parse every file and report every unreadable one at once, so one fix-up round is enough."""
    problems = []
    certs: dict[str, x509.Certificate] = {}
    keys: dict[str, PrivateKeyTypes] = {}
    for name in (CA_CERT, EM_CERT):
        cert, problem = _read_certificate(name, files[name])
        if problem:
            problems.append(problem)
        else:
            certs[name] = cert
    for name in (CA_KEY, EM_KEY):
        key, problem = _read_private_key(name, files[name])
        if problem:
            problems.append(problem)
        else:
            keys[name] = key
    if problems:
        raise CertificateSetError(
            " ".join(problems) + " Copy the files again from CertsInfo on the old EM, or repair that EM's certificates "
            f"before migrating. {_NOTHING_CHANGED}")
    return certs[CA_CERT], certs[EM_CERT], keys[CA_KEY], keys[EM_KEY]


def certificate_fingerprint(name: str, content: bytes) -> tuple[str | None, str | None]:
    """The SHA-256 fingerprint of the file's first certificate, or why it has none (named ``name`` in the reason)."""
    cert, problem = _read_certificate(name, content)
    return (cert.fingerprint(hashes.SHA256()).hex() if cert else None), problem


def _read_certificate(name: str, content: bytes) -> tuple[x509.Certificate | None, str | None]:
    """The first certificate of the file, or why there is none; the parser's own message is never passed on."""
    if not content.strip():
        return None, f"{name} is empty."
    try:
        cert = x509.load_pem_x509_certificates(content)[0]
        _decode_fully(cert)
    except _PARSE_ERRORS:
        return None, f"{name} is not a readable PEM certificate: {_why_not_certificate(content)}."
    return cert, None


def _decode_fully(cert: x509.Certificate) -> None:
    """Parts of a certificate are decoded on first use; read here all that later rules read, so that a damaged
    name, key or extension is reported as an unreadable file instead of escaping from a later rule."""
    _facts("", cert)
    cert.public_key()
    cert.extensions  # pylint: disable=pointless-statement  # decoding is the point


def _why_not_certificate(content: bytes) -> str:
    labels = set(_PEM_LABEL.findall(content))
    if labels & _CERT_LABELS:
        return "its certificate block cannot be decoded (damaged or truncated file)"
    if labels & (_KEY_LABELS | {b"ENCRYPTED PRIVATE KEY"}):
        return "it holds a private key, not a certificate (were files renamed or swapped?)"
    return "it has no '-----BEGIN CERTIFICATE-----' block"


def _read_private_key(name: str, content: bytes) -> tuple[PrivateKeyTypes | None, str | None]:
    """The one unencrypted private key of the file, or why there is none; input bytes never reach a message."""
    if not content.strip():
        return None, f"{name} is empty."
    labels = _PEM_LABEL.findall(content)
    if b"ENCRYPTED PRIVATE KEY" in labels or _PEM_ENCRYPTED_HEADER.search(content):
        return None, _encrypted(name)
    found = [label for label in labels if label in _KEY_LABELS]
    if len(found) > 1:
        return None, f"{name} holds {len(found)} private keys; the EM uses exactly one, so it is unclear which one to check."
    if not found:
        return None, f"{name} is not a readable PEM private key: {_why_not_key(set(labels))}."
    try:
        key = serialization.load_pem_private_key(content, password=None)
    except TypeError:  # raised when the key is encrypted in a way the headers above did not show
        return None, _encrypted(name)
    except _PARSE_ERRORS:
        return None, f"{name} is not a readable PEM private key: its key block cannot be decoded (damaged or truncated file)."
    return key, None


def _encrypted(name: str) -> str:
    return (f"{name} is password-protected (an encrypted private key); the installer's default keys never are, "
            "so this is not the default certificate set as the installer made it.")


def _why_not_key(labels: set[bytes]) -> str:
    if labels & _CERT_LABELS:
        return "it holds a certificate, not a private key (were files renamed or swapped?)"
    if labels & _PUBLIC_LABELS:
        return "it holds a public key, not a private key"
    if labels:
        return "it holds no PKCS#1, PKCS#8 or SEC1 private key ('-----BEGIN [RSA |EC ]PRIVATE KEY-----')"
    return "it has no '-----BEGIN PRIVATE KEY-----' block"


def _check_key_pairs(ca_cert: x509.Certificate, ca_key: PrivateKeyTypes, em_cert: x509.Certificate, em_key: PrivateKeyTypes) -> None:
    """Rule 4: each key must be the private half of its certificate, or the new EM cannot use (or sign with) it."""
    ca_ok, em_ok = _same_key(ca_cert.public_key(), ca_key), _same_key(em_cert.public_key(), em_key)
    if ca_ok and em_ok:
        return
    advice = (" The old EM cannot be working with these files as they are: check that they were read from its CertsInfo "
              f"and not renamed. {_NOTHING_CHANGED}")
    if not ca_ok and not em_ok and _same_key(em_cert.public_key(), ca_key) and _same_key(ca_cert.public_key(), em_key):
        raise CertificateSetError(f"{CA_KEY} and {EM_KEY} are swapped: {CA_KEY} holds the key of {EM_CERT} and "
                                  f"{EM_KEY} holds the key of {CA_CERT}." + advice)
    problems = []
    for ok, key_name, cert_name, key, other_name, other in ((ca_ok, CA_KEY, CA_CERT, ca_key, EM_CERT, em_cert),
                                                            (em_ok, EM_KEY, EM_CERT, em_key, CA_CERT, ca_cert)):
        if not ok:
            hint = f" (it holds the key of {other_name})" if _same_key(other.public_key(), key) else ""
            problems.append(f"{key_name} does not match {cert_name}: the private key is not the one of that certificate{hint}.")
    raise CertificateSetError(" ".join(problems) + advice)


def _same_key(public: CertificatePublicKeyTypes, private: PrivateKeyTypes) -> bool:
    """Compare encoded SubjectPublicKeyInfo: works for every key type and never compares private material."""
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return public.public_bytes(*spki) == private.public_key().public_bytes(*spki)


def _check_issued_by_local_ca(em_cert: x509.Certificate, ca_cert: x509.Certificate) -> None:
    """Rule 5: agents trust the local CA; an EM certificate from any other issuer means customer-supplied certificates."""
    try:
        em_cert.verify_directly_issued_by(ca_cert)
        return
    except (ValueError, InvalidSignature, TypeError, UnsupportedAlgorithm):
        pass  # told apart below: a foreign issuer name is the usual case and the more useful message
    if em_cert.issuer == ca_cert.subject:
        why = "its issuer name matches Ca-crt.pem, but its signature was not made with that CA's key"
    else:
        why = f"it was issued by '{em_cert.issuer.rfc4514_string()}', not by the local CA '{ca_cert.subject.rfc4514_string()}'"
    raise CustomerSuppliedCertificates(
        f"the EM certificate is not issued by the local CA in {CA_CERT}: {EM_CERT} is not directly signed by {CA_CERT} "
        f"({why}). That is not the installer's default certificate set; customer-supplied EM certificates usually carry "
        "the old EM's FQDN, and for them the vendor recommends uninstalling, re-enrolling and re-installing all agents "
        f"with new certificates for the new EM. {_NOTHING_CHANGED}")


def _check_is_ca(ca_cert: x509.Certificate) -> None:
    """Rule 6, lenient: only an explicit CA:FALSE is refused, as the default CA's extensions are not documented."""
    try:
        constraints = ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return
    if not constraints.ca:
        raise CertificateSetError(
            f"{CA_CERT} is not a CA certificate (its Basic Constraints say CA:FALSE), so it cannot be the installer's local CA "
            "and agents would not accept certificates it signs. Check that the file is the one from CertsInfo on the old EM. "
            f"{_NOTHING_CHANGED}")


def _check_validity(certs: dict[str, x509.Certificate], now: datetime) -> None:
    """Rule 7: a certificate outside its validity period on the new EM means agents cannot connect to it."""
    problems = []
    for name, cert in certs.items():
        if now < cert.not_valid_before_utc:
            problems.append(
                f"{name} is not valid until {_iso(cert.not_valid_before_utc)} (checked at {_iso(now)}): check the clocks of "
                "the controller and the old EM (clock skew?); the EM will not work with a certificate that is not yet valid.")
        elif now > cert.not_valid_after_utc:
            problems.append(
                f"{name} expired on {_iso(cert.not_valid_after_utc)} (checked at {_iso(now)}): agents would refuse it and "
                f"the new EM will not work; {_RENEW}.")
    if problems:
        raise CertificateSetError(" ".join(problems) + f" {_NOTHING_CHANGED}")


def _facts(name: str, cert: x509.Certificate) -> CertificateFacts:
    return CertificateFacts(
        name=name,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=_iso(cert.not_valid_before_utc),
        not_after=_iso(cert.not_valid_after_utc),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
