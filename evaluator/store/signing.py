"""Signed checkpoints of the audit chain: Ed25519 keys kept outside the database.

A writer with EVALUATOR_AUDIT_KEY (a PEM file holding an Ed25519 private key) signs the chain head at
the end of each evaluation (audit.checkpoint). A verifier checks those signatures with the public keys in
EVALUATOR_AUDIT_PUBLIC_KEY (PEM files, several separated by os.pathsep), or, when that is not set, with
the public half of EVALUATOR_AUDIT_KEY. Someone who can write to the database but does not hold the
private key can no longer rewrite the chain and re-hash it without `audit verify` noticing.

`cryptography` is imported only when a key is used, so a store without keys starts as fast as before.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import rfc8785

from evaluator.errors import ConfigurationError
from evaluator.i18n import _

if TYPE_CHECKING:  # for the annotations only: cryptography itself is imported when a key is used
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_KEY_VARIABLE = "EVALUATOR_AUDIT_KEY"
PUBLIC_KEY_VARIABLE = "EVALUATOR_AUDIT_PUBLIC_KEY"
PRIVATE_KEY_FILE, PUBLIC_KEY_FILE = "audit-key.pem", "audit-key.pub.pem"
_DOMAIN = b"evaluator audit checkpoint\n"  # signatures made here mean nothing anywhere else


def checkpoint_message(seq: int, digest: str) -> bytes:
    """The signed bytes: a fixed prefix and the RFC 8785 JSON of the entry's number and hash."""
    return _DOMAIN + rfc8785.dumps({"seq": seq, "hash": digest})


def key_id(public_key: "Ed25519PublicKey") -> str:
    """The first 16 hex digits of the SHA-256 of the raw 32-byte public key."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key, read from a file outside the database."""

    private_key: "Ed25519PrivateKey"
    key_id: str
    path: str = ""

    @classmethod
    def from_file(cls, path: str | Path) -> "Signer":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            key = load_pem_private_key(Path(path).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise ConfigurationError(PRIVATE_KEY_VARIABLE, _("cannot read the audit signing key {path}: "
                                                             "{reason}").format(path=path, reason=_plain(error))) \
                from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError(PRIVATE_KEY_VARIABLE, _("{path} is not an Ed25519 private key").format(path=path))
        return cls(key, key_id(key.public_key()), str(path))

    def sign(self, seq: int, digest: str) -> str:
        return self.private_key.sign(checkpoint_message(seq, digest)).hex()

    def public_key(self) -> "Ed25519PublicKey":
        return self.private_key.public_key()


def signer_from_environment() -> Signer | None:
    path = os.environ.get(PRIVATE_KEY_VARIABLE, "").strip()
    return Signer.from_file(path) if path else None


def public_keys_from_environment(signer: Signer | None = None) -> dict[str, "Ed25519PublicKey"]:
    """{key id: Ed25519 public key}: EVALUATOR_AUDIT_PUBLIC_KEY's files, else the signer's public half."""
    paths = [p for p in os.environ.get(PUBLIC_KEY_VARIABLE, "").split(os.pathsep) if p.strip()]
    if not paths:
        return {signer.key_id: signer.public_key()} if signer else {}
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            key = load_pem_public_key(Path(path.strip()).read_bytes())
        except (OSError, ValueError, TypeError) as error:
            raise ConfigurationError(PUBLIC_KEY_VARIABLE, _("cannot read the audit public key {path}: "
                                                            "{reason}").format(path=path, reason=_plain(error))) \
                from None
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigurationError(PUBLIC_KEY_VARIABLE, _("{path} is not an Ed25519 public key").format(path=path))
        keys[key_id(key)] = key
    return keys


def signature_valid(public_key: "Ed25519PublicKey", seq: int, digest: str, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(bytes.fromhex(signature), checkpoint_message(seq, digest))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def generate_key_pair(folder: str | Path) -> tuple[Path, Path, str]:
    """Write a new Ed25519 key pair into `folder` (private key mode 0600; nothing is overwritten):
    (private key file, public key file, key id)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = Path(folder)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise ConfigurationError("keygen", _("{path} exists already; keys are never overwritten").format(
                path=path))
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_new(private_path, private, 0o600)
        _write_new(public_path, public, 0o644)
    except OSError as error:
        raise ConfigurationError("keygen", _("cannot write the key pair to {folder}: {reason}").format(
            folder=folder, reason=_plain(error))) from None
    return private_path, public_path, key_id(key.public_key())


def _write_new(path: Path, content: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view):]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _plain(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
