"""Where the shared Pabulib elections are: $CIVIC_PABULIB_DIR, else ../shared/pabulib next to the
repository, else /work/shared/pabulib (where this project's machines keep them)."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def pabulib_dir() -> Path:
    candidates = [os.environ.get("CIVIC_PABULIB_DIR"), REPOSITORY.parent / "shared" / "pabulib",
                  "/work/shared/pabulib"]
    for candidate in candidates:
        if candidate and any(Path(candidate).glob("*.pb")):
            return Path(candidate)
    return REPOSITORY.parent / "shared" / "pabulib"  # missing: the tests skip and say where they looked


DATA = pabulib_dir()
