#!/usr/bin/env python
# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print, as JSON, two Enterprise Manager certificate sets for the integration targets: old and new.

Each set is what an EM's CertsInfo holds with default certificates: Ca-crt.pem, Ca-key.pem,
Em-crt.pem, Em-key.pem (a CA and an EM certificate it signed). For each set the output has the
files as tp_test_layout takes them (path under the stand-in's root, base64 content) and their
SHA-256 digests. Test material only; it runs on the controller with the cryptography package
ansible-core already depends on.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: rsa.RSAPrivateKey, issuer: str, signer: rsa.RSAPrivateKey, is_ca: bool) -> bytes:
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
                   .sign(signer, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def certificate_set(host: str, folder: str) -> dict[str, object]:
    """One EM's four files, laid out under ``folder`` of the stand-in's root."""
    ca_key, em_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _index in range(2))
    files = {"Ca-crt.pem": _certificate("Threat Prevention CA", ca_key, "Threat Prevention CA", ca_key, True),
             "Ca-key.pem": _key(ca_key), "Em-crt.pem": _certificate(host, em_key, "Threat Prevention CA", ca_key, False),
             "Em-key.pem": _key(em_key)}
    return {"files": [{"path": f"{folder}\\{name}", "content_base64": base64.b64encode(data).decode("ascii")}
                      for name, data in files.items()],
            "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}


if __name__ == "__main__":
    print(json.dumps({"old": certificate_set("old-em.test", "old\\SIEnterpriseManager\\CertsInfo"),
                      "new": certificate_set("new-em.test", "new\\SIEnterpriseManager\\CertsInfo")}))
