# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checking the old EM's CertsInfo files before they are migrated.

The vendor's procedure works only for the installer's default set (a local CA and an EM certificate
it signed); anything else, copied blindly, leaves a new EM that agents cannot talk to. So each
refusal must happen, be of the right class (customer-supplied sets get their own), name the file
and what to do, and never quote key material. Real RSA and EC keys and certificates are made here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._certificates import (
    DEFAULT_SET, CertificateFacts, CertificateSetError, CustomerSuppliedCertificates, expiry_warnings, file_digests,
    validate_default_set)

CA_CERT, CA_KEY, EM_CERT, EM_KEY = DEFAULT_SET
UTC = timezone.utc
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2044, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOTHING_CHANGED = "Nothing was copied or changed."
PKCS8 = serialization.PrivateFormat.PKCS8
TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL  # PKCS#1 for RSA, SEC1 for EC
GARBAGE = b"\x00\xff\x89PNG\r\n\x1a\nthis is not PEM at all\xfe"
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/=]+$")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Netwrix Threat Prevention"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class Pki:
    """One key type's keys, made once per session, and builders for every set the tests need.

    Every PEM handed out is remembered in ``pems`` so the leak test can look for any of it in messages.
    """

    kind: str
    keys: dict[str, object]
    pems: set[bytes] = field(default_factory=set)

    def cert(self, subject: str, key: str, issuer: tuple[str, str] | None = None, *, ca: bool | None = False,
             not_before: datetime = START, not_after: datetime = END) -> x509.Certificate:
        """A certificate for ``subject`` holding ``key``, signed by ``issuer`` (name, key) or self-signed."""
        issuer_name, issuer_key = issuer or (subject, key)
        builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer_name))
                   .public_key(self.keys[key].public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after))
        if ca is not None:
            builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        return builder.sign(self.keys[issuer_key], hashes.SHA256())

    def cert_pem(self, *certs: x509.Certificate) -> bytes:
        pem = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)
        self.pems.add(pem)
        return pem

    def key_pem(self, key: str, fmt: serialization.PrivateFormat = PKCS8, password: bytes | None = None) -> bytes:
        encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        pem = self.keys[key].private_bytes(serialization.Encoding.PEM, fmt, encryption)
        self.pems.add(pem)
        return pem

    @property
    def ca_cert(self) -> x509.Certificate:
        return self._cached("ca_cert", lambda: self.cert("Threat Prevention CA", "ca", ca=True))

    @property
    def em_cert(self) -> x509.Certificate:
        return self._cached("em_cert", lambda: self.cert("OLD-EM", "em", ("Threat Prevention CA", "ca")))

    def files(self, changes: dict[str, bytes | None] | None = None) -> dict[str, bytes]:
        """The default set, with files replaced (bytes) or removed (None)."""
        files = {CA_CERT: self.cert_pem(self.ca_cert), CA_KEY: self.key_pem("ca"),
                 EM_CERT: self.cert_pem(self.em_cert), EM_KEY: self.key_pem("em")}
        for name, content in (changes or {}).items():
            if content is None:
                files.pop(name)
            else:
                files[name] = content
        return files

    def _cached(self, attr: str, make: Callable[[], x509.Certificate]) -> x509.Certificate:
        cache = self.__dict__.setdefault("_certs", {})
        if attr not in cache:
            cache[attr] = make()
        return cache[attr]


def _make_key(kind: str) -> object:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session", params=["rsa", "ec"])
def pki(request: pytest.FixtureRequest) -> Pki:
    """Local CA, EM, a customer root and its issuing CA, and a stranger: one key each."""
    return Pki(request.param, {role: _make_key(request.param) for role in ("ca", "em", "root", "issuing", "stranger")})


# ---------------------------------------------------------------- accepted sets

def test_default_set_passes_and_returns_facts(pki: Pki) -> None:
    """The facts are those of the CA and EM certificates, fingerprinted over their DER encoding."""
    facts = validate_default_set(pki.files(), now=NOW)
    assert facts == [
        CertificateFacts(name=CA_CERT, subject="CN=Threat Prevention CA,O=Netwrix Threat Prevention",
                         issuer="CN=Threat Prevention CA,O=Netwrix Threat Prevention", not_before="2024-01-01T00:00:00Z",
                         not_after="2044-01-01T00:00:00Z",
                         fingerprint_sha256=hashlib.sha256(pki.ca_cert.public_bytes(serialization.Encoding.DER)).hexdigest()),
        CertificateFacts(name=EM_CERT, subject="CN=OLD-EM,O=Netwrix Threat Prevention",
                         issuer="CN=Threat Prevention CA,O=Netwrix Threat Prevention", not_before="2024-01-01T00:00:00Z",
                         not_after="2044-01-01T00:00:00Z",
                         fingerprint_sha256=hashlib.sha256(pki.em_cert.public_bytes(serialization.Encoding.DER)).hexdigest()),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", fact.fingerprint_sha256) for fact in facts)


def test_default_now_is_the_current_time(pki: Pki) -> None:
    """Without ``now`` the check runs against the clock: valid 2024-2044 passes, expired in 2025 does not."""
    assert len(validate_default_set(pki.files())) == 2
    old_em = pki.cert("OLD-EM", "em", ("Threat Prevention CA", "ca"), not_after=datetime(2025, 1, 1, tzinfo=UTC))
    with pytest.raises(CertificateSetError, match="Em-crt.pem expired on 2025-01-01T00:00:00Z"):
        validate_default_set(pki.files({EM_CERT: pki.cert_pem(old_em)}))


@pytest.mark.parametrize("fmt", [PKCS8, TRADITIONAL], ids=["pkcs8", "pkcs1-or-sec1"])
def test_every_unencrypted_key_format_is_accepted(pki: Pki, fmt: serialization.PrivateFormat) -> None:
    expected = "-----BEGIN PRIVATE KEY-----" if fmt is PKCS8 else f"-----BEGIN {pki.kind.upper()} PRIVATE KEY-----"
    files = pki.files({CA_KEY: pki.key_pem("ca", fmt), EM_KEY: pki.key_pem("em", fmt)})
    assert files[EM_KEY].startswith(expected.encode())
    assert len(validate_default_set(files, now=NOW)) == 2


def test_windows_line_endings_and_utf8_bom_are_accepted(pki: Pki) -> None:
    """Files on Windows may carry CRLF or a BOM; the bytes are copied unchanged, so they only need to parse."""
    files = {name: b"\xef\xbb\xbf" + content.replace(b"\n", b"\r\n") for name, content in pki.files().items()}
    assert len(validate_default_set(files, now=NOW)) == 2


def test_a_chain_in_em_crt_is_checked_by_its_first_certificate(pki: Pki) -> None:
    """Em-crt.pem holding EM + CA (leaf first) passes, and the facts are the leaf's."""
    files = pki.files({EM_CERT: pki.cert_pem(pki.em_cert, pki.ca_cert)})
    facts = validate_default_set(files, now=NOW)
    assert facts[1].fingerprint_sha256 == pki.em_cert.fingerprint(hashes.SHA256()).hex()
    assert facts[1].subject == "CN=OLD-EM,O=Netwrix Threat Prevention"


def test_a_ca_without_basic_constraints_is_accepted(pki: Pki) -> None:
    """The default CA's extensions are undocumented: only an explicit CA:FALSE is refused."""
    bare_ca = pki.cert("Threat Prevention CA", "ca", ca=None)
    assert len(validate_default_set(pki.files({CA_CERT: pki.cert_pem(bare_ca)}), now=NOW)) == 2


def test_other_file_names_are_ignored(pki: Pki) -> None:
    files = pki.files({"Secret.dpapi": GARBAGE, "root.dat": b""})
    assert [fact.name for fact in validate_default_set(files, now=NOW)] == [CA_CERT, EM_CERT]


def test_validity_bounds_are_inclusive(pki: Pki) -> None:
    """Valid from not_before to not_after inclusive; one second outside either end is refused."""
    files = pki.files()
    validate_default_set(files, now=START)
    validate_default_set(files, now=END)
    with pytest.raises(CertificateSetError, match="expired on 2044-01-01T00:00:00Z"):
        validate_default_set(files, now=END + timedelta(seconds=1))
    with pytest.raises(CertificateSetError, match="not valid until 2024-01-01T00:00:00Z"):
        validate_default_set(files, now=START - timedelta(seconds=1))


def test_now_in_another_time_zone_is_converted(pki: Pki) -> None:
    """2044-01-01 00:30 at UTC+1 is 2043-12-31 23:30 UTC: still valid."""
    plus_one = timezone(timedelta(hours=1))
    validate_default_set(pki.files(), now=datetime(2044, 1, 1, 0, 30, tzinfo=plus_one))
    with pytest.raises(CertificateSetError, match="checked at 2044-01-01T00:30:00Z"):
        validate_default_set(pki.files(), now=datetime(2044, 1, 1, 1, 30, tzinfo=plus_one))


# ---------------------------------------------------------------- caller errors (not the user's files)

def test_a_naive_now_is_a_caller_error(pki: Pki) -> None:
    with pytest.raises(ValueError, match="timezone-aware") as caught:
        validate_default_set(pki.files(), now=datetime(2026, 6, 1))
    assert not isinstance(caught.value, CertificateSetError)


def test_a_near_miss_spelling_is_a_caller_error(pki: Pki) -> None:
    """The caller must pass canonical names; 'em-key.pem' must not be reported to the user as missing."""
    files = pki.files({EM_KEY: None, "em-key.pem": pki.key_pem("em")})
    with pytest.raises(ValueError, match="em-key.pem") as caught:
        validate_default_set(files, now=NOW)
    assert not isinstance(caught.value, CertificateSetError)


# ---------------------------------------------------------------- refused sets

@dataclass(frozen=True)
class Case:
    """A set that must be refused: how to build it, the exact exception class, and what the message says (or not)."""

    id: str
    build: Callable[[Pki], dict[str, bytes]]
    error: type[CertificateSetError]
    says: tuple[str, ...]
    not_says: tuple[str, ...] = ()
    now: datetime = NOW


def _customer_chain(pki: Pki) -> tuple[x509.Certificate, x509.Certificate, x509.Certificate]:
    root = pki.cert("Customer Root CA", "root", ca=True)
    issuing = pki.cert("Customer Issuing CA", "issuing", ("Customer Root CA", "root"), ca=True)
    em = pki.cert("old-em.corp.example", "em", ("Customer Issuing CA", "issuing"))
    return root, issuing, em


def _from_intermediate(pki: Pki, ca_bundle: bool) -> dict[str, bytes]:
    """A customer PKI whose root key happens to be in Ca-key.pem: the EM certificate is still not the local CA's."""
    root, issuing, em = _customer_chain(pki)
    return pki.files({CA_CERT: pki.cert_pem(root, issuing) if ca_bundle else pki.cert_pem(root), CA_KEY: pki.key_pem("root"),
                      EM_CERT: pki.cert_pem(em, issuing)})


def _damaged(pem: bytes) -> bytes:
    """Keep the PEM armour, replace the body with base64 that is not valid DER."""
    lines = pem.splitlines()
    return b"\n".join([lines[0], b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", lines[-1]]) + b"\n"


def _truncated(pem: bytes) -> bytes:
    lines = pem.splitlines()
    return b"\n".join(lines[: len(lines) // 2] + [lines[-1]]) + b"\n"


def _public_key_pem(pki: Pki, key: str) -> bytes:
    return pki.keys[key].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _expiring(pki: Pki, which: str, **dates: datetime) -> dict[str, bytes]:
    if which == "ca":
        ca = pki.cert("Threat Prevention CA", "ca", ca=True, **dates)
        return pki.files({CA_CERT: pki.cert_pem(ca)})
    em = pki.cert("OLD-EM", "em", ("Threat Prevention CA", "ca"), **dates)
    return pki.files({EM_CERT: pki.cert_pem(em)})


MISSING = "missing from CertsInfo on the old EM"
CUSTOMER = ("the vendor recommends uninstalling, re-enrolling and re-installing all agents", NOTHING_CHANGED)
NOT_LOCAL_CA = "the EM certificate is not issued by the local CA in Ca-crt.pem"
CASES = [
    # rule 1: the three files every EM has
    Case("missing-ca-crt", lambda p: p.files({CA_CERT: None}), CertificateSetError, (f"Ca-crt.pem is {MISSING}", NOTHING_CHANGED)),
    Case("missing-em-crt", lambda p: p.files({EM_CERT: None}), CertificateSetError, (f"Em-crt.pem is {MISSING}",)),
    Case("missing-em-key", lambda p: p.files({EM_KEY: None}), CertificateSetError, (f"Em-key.pem is {MISSING}",), ("absent too",)),
    Case("missing-em-pair", lambda p: p.files({EM_CERT: None, EM_KEY: None}), CertificateSetError,
         (f"Em-crt.pem and Em-key.pem are {MISSING}",)),
    Case("missing-all", lambda p: {}, CertificateSetError,
         (f"Ca-crt.pem, Em-crt.pem and Em-key.pem are {MISSING}", "Ca-key.pem is absent too", "SIEnterpriseManager\\CertsInfo")),
    # rule 2: no CA key
    Case("no-ca-key", lambda p: p.files({CA_KEY: None}), CustomerSuppliedCertificates,
         ("Ca-key.pem is absent", "customer-supplied", "default certificates only", "new certificates", *CUSTOMER)),
    # rule 3: unreadable files, all reported at once
    *[Case(f"garbage-{name}", lambda p, name=name: p.files({name: GARBAGE}), CertificateSetError,
           (f"{name} is not a readable PEM {'private key' if 'key' in name else 'certificate'}", "no '-----BEGIN")) for name in DEFAULT_SET],
    *[Case(f"empty-{name}", lambda p, name=name: p.files({name: b" \r\n"}), CertificateSetError, (f"{name} is empty.",)) for name in DEFAULT_SET],
    Case("damaged-em-crt", lambda p: p.files({EM_CERT: _damaged(p.cert_pem(p.em_cert))}), CertificateSetError,
         ("Em-crt.pem is not a readable PEM certificate: its certificate block cannot be decoded",)),
    Case("damaged-ca-key", lambda p: p.files({CA_KEY: _damaged(p.key_pem("ca"))}), CertificateSetError,
         ("Ca-key.pem is not a readable PEM private key: its key block cannot be decoded",)),
    Case("truncated-em-key", lambda p: p.files({EM_KEY: _truncated(p.key_pem("em", TRADITIONAL))}), CertificateSetError,
         ("Em-key.pem is not a readable PEM private key: its key block cannot be decoded",)),
    Case("certificate-as-key", lambda p: p.files({EM_KEY: p.cert_pem(p.em_cert)}), CertificateSetError,
         ("Em-key.pem is not a readable PEM private key: it holds a certificate, not a private key",)),
    Case("key-as-certificate", lambda p: p.files({EM_CERT: p.key_pem("em")}), CertificateSetError,
         ("Em-crt.pem is not a readable PEM certificate: it holds a private key, not a certificate",)),
    Case("public-key-as-key", lambda p: p.files({CA_KEY: _public_key_pem(p, "ca")}), CertificateSetError,
         ("Ca-key.pem is not a readable PEM private key: it holds a public key",)),
    Case("encrypted-pkcs8", lambda p: p.files({EM_KEY: p.key_pem("em", PKCS8, b"secret")}), CertificateSetError,
         ("Em-key.pem is password-protected", "default keys never are")),
    Case("encrypted-traditional", lambda p: p.files({CA_KEY: p.key_pem("ca", TRADITIONAL, b"secret")}), CertificateSetError,
         ("Ca-key.pem is password-protected",)),
    Case("two-keys", lambda p: p.files({EM_KEY: p.key_pem("em") + p.key_pem("stranger", TRADITIONAL)}), CertificateSetError,
         ("Em-key.pem holds 2 private keys",)),
    Case("several-unreadable", lambda p: p.files({CA_CERT: GARBAGE, EM_KEY: p.key_pem("em", PKCS8, b"pw")}), CertificateSetError,
         ("Ca-crt.pem is not a readable PEM certificate", "Em-key.pem is password-protected", NOTHING_CHANGED)),
    # rule 4: key pairs
    Case("swapped-keys", lambda p: p.files({CA_KEY: p.key_pem("em"), EM_KEY: p.key_pem("ca")}), CertificateSetError,
         ("Ca-key.pem and Em-key.pem are swapped", NOTHING_CHANGED)),
    Case("em-key-is-ca-key", lambda p: p.files({EM_KEY: p.key_pem("ca")}), CertificateSetError,
         ("Em-key.pem does not match Em-crt.pem", "(it holds the key of Ca-crt.pem)"), ("Ca-key.pem does not match", "swapped")),
    Case("ca-key-is-em-key", lambda p: p.files({CA_KEY: p.key_pem("em")}), CertificateSetError,
         ("Ca-key.pem does not match Ca-crt.pem", "(it holds the key of Em-crt.pem)"), ("Em-key.pem does not match",)),
    Case("foreign-ca-key", lambda p: p.files({CA_KEY: p.key_pem("stranger")}), CertificateSetError,
         ("Ca-key.pem does not match Ca-crt.pem",), ("Em-key.pem", "holds the key of")),
    Case("foreign-keys", lambda p: p.files({CA_KEY: p.key_pem("stranger"), EM_KEY: p.key_pem("root")}), CertificateSetError,
         ("Ca-key.pem does not match Ca-crt.pem", "Em-key.pem does not match Em-crt.pem")),
    # rule 5: the EM certificate must come from the local CA
    Case("em-from-other-ca", lambda p: p.files({
        EM_CERT: p.cert_pem(p.cert("OLD-EM", "em", ("Customer Root CA", "root")))}), CustomerSuppliedCertificates,
        (NOT_LOCAL_CA, "issued by 'CN=Customer Root CA,O=Netwrix Threat Prevention'",
         "not by the local CA 'CN=Threat Prevention CA,O=Netwrix Threat Prevention'", *CUSTOMER)),
    Case("em-from-impostor-with-same-name", lambda p: p.files({
        EM_CERT: p.cert_pem(p.cert("OLD-EM", "em", ("Threat Prevention CA", "stranger")))}), CustomerSuppliedCertificates,
        (NOT_LOCAL_CA, "its signature was not made with that CA's key", *CUSTOMER)),
    Case("em-from-customer-intermediate", lambda p: _from_intermediate(p, ca_bundle=False), CustomerSuppliedCertificates,
         (NOT_LOCAL_CA, "issued by 'CN=Customer Issuing CA,O=Netwrix Threat Prevention'", "'CN=Customer Root CA", *CUSTOMER)),
    Case("em-from-customer-intermediate-with-bundle", lambda p: _from_intermediate(p, ca_bundle=True), CustomerSuppliedCertificates,
         (NOT_LOCAL_CA, "issued by 'CN=Customer Issuing CA"),),
    # rule 6: a local CA that says it is not a CA
    Case("ca-false", lambda p: p.files({CA_CERT: p.cert_pem(p.cert("Threat Prevention CA", "ca", ca=False))}), CertificateSetError,
         ("Ca-crt.pem is not a CA certificate", "CA:FALSE", NOTHING_CHANGED)),
    # rule 7: validity at `now`
    Case("expired-ca", lambda p: _expiring(p, "ca", not_after=datetime(2026, 1, 1, tzinfo=UTC)), CertificateSetError,
         ("Ca-crt.pem expired on 2026-01-01T00:00:00Z", "agents would refuse it", "SICertMgr", NOTHING_CHANGED), ("Em-crt.pem expired",)),
    Case("expired-em", lambda p: _expiring(p, "em", not_after=datetime(2026, 5, 31, 23, 59, 59, tzinfo=UTC)), CertificateSetError,
         ("Em-crt.pem expired on 2026-05-31T23:59:59Z", "checked at 2026-06-01T12:00:00Z", "SICertMgr"), ("Ca-crt.pem expired",)),
    Case("both-expired", lambda p: p.files(), CertificateSetError,
         ("Ca-crt.pem expired on 2044-01-01T00:00:00Z", "Em-crt.pem expired on 2044-01-01T00:00:00Z"), now=datetime(2050, 1, 1, tzinfo=UTC)),
    Case("em-not-yet-valid", lambda p: _expiring(p, "em", not_before=datetime(2026, 7, 1, tzinfo=UTC)), CertificateSetError,
         ("Em-crt.pem is not valid until 2026-07-01T00:00:00Z", "clock skew"), ("Ca-crt.pem",)),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refused(pki: Pki, case: Case) -> None:
    """Each broken set raises exactly its class, and the message says what is wrong with which file."""
    with pytest.raises(CertificateSetError) as caught:
        validate_default_set(case.build(pki), now=case.now)
    assert caught.type is case.error
    message = str(caught.value)
    for text in case.says:
        assert text in message
    for text in case.not_says:
        assert text not in message


def test_rules_apply_in_order(pki: Pki) -> None:
    """A missing required file is reported before a missing CA key, and unreadable files before issuer checks."""
    with pytest.raises(CertificateSetError) as caught:
        validate_default_set(pki.files({CA_KEY: None, EM_KEY: None}), now=NOW)
    assert caught.type is CertificateSetError
    customer_em = _customer_chain(pki)[2]
    with pytest.raises(CertificateSetError, match="password-protected") as caught:
        validate_default_set(pki.files({EM_CERT: pki.cert_pem(customer_em), EM_KEY: pki.key_pem("em", PKCS8, b"pw")}), now=NOW)
    assert caught.type is CertificateSetError


# ---------------------------------------------------------------- no secrets in messages

def _fragments(pems: set[bytes], width: int = 24) -> tuple[set[str], set[str]]:
    """Every base64 body line longer than 20 characters, and every ``width``-character run of each body."""
    lines, runs = set(), set()
    for pem in pems:
        body_lines = [line for line in pem.decode().splitlines() if _BASE64_LINE.match(line)]
        lines.update(line for line in body_lines if len(line) > 20)
        body = "".join(body_lines)
        runs.update(body[start:start + width] for start in range(len(body) - width + 1))
    return lines, runs


def _messages(exc: BaseException) -> list[str]:
    """The message of the exception and of everything chained to it (a traceback would show them all)."""
    seen: list[str] = []
    while exc is not None:
        seen.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return seen


def _assert_no_leak(messages: list[str], pems: set[bytes], width: int = 24) -> None:
    lines, runs = _fragments(pems, width)
    for message in messages:
        assert not [line for line in lines if line in message]
        assert not {message[start:start + width] for start in range(len(message) - width + 1)} & runs


def test_no_message_quotes_pem_content(pki: Pki) -> None:
    """Over every refusal, no message (chained ones included) holds a key or certificate body line or any 24-char run of one."""
    messages = []
    for case in CASES:
        with pytest.raises(CertificateSetError) as caught:
            validate_default_set(case.build(pki), now=case.now)
        messages.extend(_messages(caught.value))
    key_pems = {pem for pem in pki.pems if b"PRIVATE KEY" in pem}
    assert len(messages) >= len(CASES) and len(key_pems) >= 8  # the check below looked at something
    _assert_no_leak(messages, pki.pems)


def test_the_leak_check_can_fail(pki: Pki) -> None:
    """The helper really finds a key line or a run of a key's base64 inside a message."""
    pem = pki.key_pem("em")
    line = pem.decode().splitlines()[3]
    with pytest.raises(AssertionError):
        _assert_no_leak([f"bad: {line}"], {pem})
    with pytest.raises(AssertionError):
        _assert_no_leak([f"bad: {line[5:30]} ..."], {pem})


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(DEFAULT_SET), where=st.floats(0, 1, exclude_max=True), byte=st.integers(0, 255))
def test_any_one_damaged_byte_is_refused_cleanly_or_harmless(pki: Pki, name: str, where: float, byte: int) -> None:
    """Changing one byte anywhere either leaves a valid set or raises CertificateSetError, never another error or a leak."""
    files = pki.files()
    content = bytearray(files[name])
    content[int(where * len(content))] = byte
    files[name] = bytes(content)
    try:
        validate_default_set(files, now=NOW)
    except CertificateSetError as exc:
        _assert_no_leak(_messages(exc), {pki.key_pem("ca"), pki.key_pem("em")})


# ---------------------------------------------------------------- digests and warnings

def test_file_digests_are_sha256_of_the_bytes() -> None:
    digests = file_digests({CA_CERT: b"", EM_KEY: b"abc", "Secret.dpapi": b"\x00"})
    assert digests == {
        CA_CERT: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        EM_KEY: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "Secret.dpapi": hashlib.sha256(b"\x00").hexdigest(),
    }
    assert file_digests({}) == {}


def test_file_digests_tell_files_apart(pki: Pki) -> None:
    files = pki.files()
    digests = file_digests(files)
    assert list(digests) == list(files)
    assert len(set(digests.values())) == 4
    assert file_digests(pki.files()) == digests


def _fact(name: str, not_after: str) -> CertificateFacts:
    return CertificateFacts(name=name, subject="CN=x", issuer="CN=x", not_before="2024-01-01T00:00:00Z", not_after=not_after,
                            fingerprint_sha256="0" * 64)


@pytest.mark.parametrize(("not_after", "expected"), [
    ("2044-01-01T00:00:00Z", None),
    ("2026-07-01T12:00:01Z", None),  # 30 days and a second away
    ("2026-07-01T12:00:00Z", "Em-crt.pem expires on 2026-07-01T12:00:00Z (in 30 days)"),
    ("2026-06-03T00:00:00Z", "(in 1 day)"),
    ("2026-06-01T18:00:00Z", "(in less than a day)"),
    ("2026-06-01T12:00:00Z", "Em-crt.pem expired on 2026-06-01T12:00:00Z"),
    ("2020-01-01T00:00:00Z", "Em-crt.pem expired on 2020-01-01T00:00:00Z"),
])
def test_expiry_warnings(not_after: str, expected: str | None) -> None:
    warnings = expiry_warnings([_fact(EM_CERT, not_after)], NOW)
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and expected in warnings[0] and "SICertMgr" in warnings[0]


def test_expiry_warnings_use_days_and_keep_order(pki: Pki) -> None:
    facts = validate_default_set(pki.files(), now=NOW)
    assert expiry_warnings(facts, NOW) == []
    near_end = datetime(2043, 12, 1, tzinfo=UTC)
    warnings = expiry_warnings(facts, near_end, days=31)
    assert [warning.split(" ", 1)[0] for warning in warnings] == [CA_CERT, EM_CERT]
    assert expiry_warnings(facts, near_end, days=30) == []
    assert expiry_warnings(facts) == []  # defaults to the current time, years before 2044


def test_expiry_warnings_refuse_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        expiry_warnings([_fact(CA_CERT, "2044-01-01T00:00:00Z")], datetime(2026, 6, 1))
