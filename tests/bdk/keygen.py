"""Writes a fresh RSA key pair for a service user: OUT_DIR/bot-key.pem (PKCS#8) and OUT_DIR/bot-pub.pem (SPKI).

Uses `cryptography`, which the Symphony BDK depends on, so it is in the BDK's virtual environment.
Usage: python keygen.py OUT_DIR
"""
import pathlib
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (out / "bot-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (out / "bot-pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )


if __name__ == "__main__":
    main()
