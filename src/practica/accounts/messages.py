"""The text of the mail accounts send.

Mail is plain text, and the only links in it are Practica's own. Text that
someone else chose never reaches a mail as a possible link: account mail does
not name the account (a sign-up's display name is the signer's choice, not
the address owner's), and an invitation names its organisation and inviter
only when they cannot become links (:func:`practica.accounts.names.inert`).
"""

from __future__ import annotations

from practica.accounts.mail import Mail
from practica.accounts.names import inert
from practica.settings import PracticaSettings


def link(settings: PracticaSettings, path: str) -> str:
    return settings.practica_public_url.rstrip("/") + path


def confirm_email(settings: PracticaSettings, recipient: str, token: str) -> Mail:
    return Mail(
        recipient,
        "Confirm your email for Practica",
        "Hello,\n\n"
        f"Open this link to confirm your email and finish signing up:\n\n{link(settings, f'/confirm/{token}')}\n\n"
        "The link works once, for two days. If you did not sign up, ignore this mail.\n",
    )


def already_registered(settings: PracticaSettings, recipient: str) -> Mail:
    return Mail(
        recipient,
        "Someone tried to sign up to Practica with your email",
        "Hello,\n\n"
        "Someone (perhaps you) tried to sign up to Practica with this email, which already has an account.\n"
        f"To sign in, go to {link(settings, '/signin')}; if you forgot your password, reset it at "
        f"{link(settings, '/reset')}.\n\nIf it was not you, ignore this mail: nothing changed.\n",
    )


def sign_up_pending(settings: PracticaSettings, recipient: str, token: str) -> Mail:
    """A sign-up for an address whose account waits for its confirmation: the account is left as it was."""
    return Mail(
        recipient,
        "Someone tried to sign up to Practica with your email again",
        "Hello,\n\n"
        "Someone (perhaps you) tried to sign up to Practica again with this email, whose account is not confirmed "
        "yet. Nothing changed: a second sign-up never changes an account.\n\n"
        "If it was you and you know the password of your first sign-up, open the link in our first mail. "
        f"Otherwise choose a password here (this also confirms your email):\n\n{link(settings, f'/reset/{token}')}"
        "\n\nThe link works once, for one hour. If it was not you, ignore this mail.\n",
    )


def reset_password(settings: PracticaSettings, recipient: str, token: str) -> Mail:
    return Mail(
        recipient,
        "Reset your Practica password",
        "Hello,\n\n"
        f"Open this link to choose a new password:\n\n{link(settings, f'/reset/{token}')}\n\n"
        "The link works once, for one hour. If you did not ask for it, ignore this mail: your password is "
        "unchanged.\n",
    )


def invitation(settings: PracticaSettings, recipient: str, organization: str, inviter: str, token: str) -> Mail:
    organization = inert(organization, "an organisation")
    inviter = inert(inviter, "A member")
    return Mail(
        recipient,
        f"{inviter} invites you to {organization} on Practica",
        f"Hello,\n\n{inviter} invites you to join {organization} on Practica.\n\n"
        f"Open this link, sign in (or sign up with this email) and accept:\n\n"
        f"{link(settings, f'/invitations/{token}')}\n\nThe invitation expires in seven days.\n",
    )
