"""Sealed ballots: what a voter chose, encrypted while the vote is open.

A copy of the database links rows that were written together (SQLite `rowid` order, PostgreSQL
`xmin`), so a ballot stored in the clear next to its participation could be read as the voter's.
While a vote is open a ballot is therefore kept only as AES-256-GCM ciphertext under a key derived
from `VOTING_KEY`, padded to one size per budget, so the row says nothing without the key: not what
was chosen, not even how many projects. `context` is bound in as associated data, so a sealed
ballot cannot be moved to another voter or budget. Closing the vote opens every sealed ballot and
writes the contents, shuffled, into the counted tables (see `results.close_voting`).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

NONCE_BYTES = 12
_PADDING_BLOCK = 256


class SealBroken(Exception):
    """The ciphertext was changed, moved to another row, or sealed under another key."""


def _key() -> bytes:
    return _derive(current_app.config["VOTING_KEY"])


@lru_cache(maxsize=4)
def _derive(secret: str) -> bytes:
    # Once per key, not once per ballot: closing a city's vote opens tens of thousands.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"civic ballot seal v1").derive(secret.encode())


def padded_size(project_count: int) -> int:
    """Room for a ballot that chooses every project with the largest ids and values: one size per
    budget, whatever the ballot holds."""
    room = 2 + max(project_count, 1) * 44  # '[id,value],' with 19-digit ids and values
    return -(-room // _PADDING_BLOCK) * _PADDING_BLOCK


def seal(context: str, choices: dict[int, int], project_count: int) -> bytes:
    plain = json.dumps(sorted(choices.items()), separators=(",", ":")).encode()
    size = padded_size(project_count)
    if len(plain) > size:
        raise ValueError("a ballot cannot hold more choices than its budget has projects")
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_key()).encrypt(nonce, plain.ljust(size), context.encode())


def unseal(context: str, sealed: bytes) -> dict[int, int]:
    nonce, body = bytes(sealed[:NONCE_BYTES]), bytes(sealed[NONCE_BYTES:])
    try:
        plain = AESGCM(_key()).decrypt(nonce, body, context.encode())
    except InvalidTag:
        raise SealBroken(context) from None
    return {int(project): int(value) for project, value in json.loads(plain)}


def ballot_context(budget_id: int, voter_key: str) -> str:
    return f"ballot:{budget_id}:{voter_key}"
