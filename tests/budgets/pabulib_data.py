"""Where the real Pabulib elections are: the folder named by $CIVIC_PABULIB_DIR (CI sets it).

Without it the tests on real elections skip and say so. `COUNTED` are the elections whose rule and
ballots civic counts today and whose official outcome the tests reproduce; the folder may hold more
(rules and quirks civic does not read yet), which these tests leave out by name.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(os.environ.get("CIVIC_PABULIB_DIR") or "CIVIC_PABULIB_DIR-is-not-set")
COUNTED = ("France_Toulouse_2019.pb", "Netherlands_Amsterdam_212.pb", "Netherlands_Assen_2024.pb",
           "Poland_Czestochowa_2025_Bleszno.pb", "Poland_Krakow_2022.pb", "Poland_Lodz_2022.pb",
           "Poland_Swiecie_2023.pb", "Poland_Wroclaw_2020_local.pb")


def counted_files() -> list[Path]:
    return [DATA / name for name in COUNTED if (DATA / name).is_file()]
