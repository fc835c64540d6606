"""Names people choose (display names, organisation names) that end up in mail, where they must stay plain text.

Mail is plain text, but mail programs turn whatever looks like an address
(``http://…``, ``www.…``, ``example.org``, ``1.2.3.4``) into a link. A name
that looks like one would let anyone put a clickable link of their choice
into a mail that Practica sends to an address of their choice (a sign-up or
an invitation), in Practica's name. So such names are refused where they are
chosen (:func:`link_problem`), and mail drops any that are stored anyway
(:func:`inert`).
"""

from __future__ import annotations

import re
import unicodedata

# Dots that mail programs and browsers also read as the dot of a domain name.
_DOTS = str.maketrans(dict.fromkeys("\u3002\uff0e\uff61\u2024\ufe52", "."))
_LINKLIKE = re.compile(
    r"://"  # any scheme
    r"|\bwww\."  # www.example
    r"|\w\.[^\W\d_]{2,}"  # a dot between a word and two or more letters: example.org, ada.lovelace
    r"|\d+\.\d+\.\d+\.\d+"  # an IPv4 address
    r"|\b(?:https?|mailto):",  # a scheme without slashes
    re.IGNORECASE,
)


def looks_like_link(text: str) -> bool:
    """Whether a mail program could make ``text`` (or part of it) a link.

    Checked on the text as a program may read it: compatibility forms folded
    (a full-width ``ｅｘａｍｐｌｅ．ｏｒｇ``), other dots read as dots, and
    invisible characters (zero-width spaces) left out.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_DOTS)
    visible = "".join(character for character in folded if unicodedata.category(character) != "Cf")
    return bool(_LINKLIKE.search(visible))


def has_control_characters(text: str) -> bool:
    """Line breaks, tabs and other control characters (they could break a mail's header lines)."""
    return any(unicodedata.category(character) in {"Cc", "Zl", "Zp"} for character in text)


def link_problem(text: str, field: str) -> str | None:
    """Why ``text`` is refused as a name (``field`` says which, for the message), or ``None``."""
    if has_control_characters(text):
        return f"{field} must not contain line breaks or control characters"
    if looks_like_link(text):
        return (
            f"{field} must not look like a web address (no '://', 'www.', or dots between words such as "
            "example.org): mail programs would make it a link"
        )
    return None


def inert(text: str, fallback: str) -> str:
    """``text`` for a mail, or ``fallback`` when it could become a link or break a line."""
    return fallback if has_control_characters(text) or looks_like_link(text) else text
