#!/usr/bin/env python3
# Writes this case's PEM fixtures (run once; the files are committed):
# good.pem/good.key (P-256, valid 2020-2120), other.key (P-256, matches
# nothing), expired.pem (good.key's, expired in 2021), ed.key (Ed25519),
# world.key (a copy of good.key that run.sh makes mode 0644), junk.key.
import datetime
import shutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID


def key_pem(k):
    return k.private_bytes(serialization.Encoding.PEM,
                           serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def cert(k, start, end):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "golden signer")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(k.public_key()).serial_number(1)
            .not_valid_before(start).not_valid_after(end)
            .sign(k, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


D = datetime.datetime
good = ec.generate_private_key(ec.SECP256R1())
open("good.key", "wb").write(key_pem(good))
open("good.pem", "wb").write(cert(good, D(2020, 1, 1), D(2120, 1, 1)))
open("expired.pem", "wb").write(cert(good, D(2020, 1, 1), D(2021, 1, 1)))
open("other.key", "wb").write(key_pem(ec.generate_private_key(ec.SECP256R1())))
open("ed.key", "wb").write(key_pem(ed25519.Ed25519PrivateKey.generate()))
shutil.copy("good.key", "world.key")
open("junk.key", "w").write("not a key\n")
