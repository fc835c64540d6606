"""The text of the mail accounts send."""

from __future__ import annotations

from practica.accounts.mail import Mail
from practica.settings import PracticaSettings


def link(settings: PracticaSettings, path: str) -> str:
    return settings.practica_public_url.rstrip("/") + path


def confirm_email(settings: PracticaSettings, recipient: str, name: str, token: str) -> Mail:
    return Mail(
        recipient,
        "Confirm your email for Practica",
        f"Hello {name},\n\n"
        f"Open this link to confirm your email and finish signing up:\n\n{link(settings, f'/confirm/{token}')}\n\n"
        "The link works once, for two days. If you did not sign up, ignore this mail.\n",
    )


def already_registered(settings: PracticaSettings, recipient: str, name: str) -> Mail:
    return Mail(
        recipient,
        "Someone tried to sign up to Practica with your email",
        f"Hello {name},\n\n"
        "Someone (perhaps you) tried to sign up to Practica with this email, which already has an account.\n"
        f"To sign in, go to {link(settings, '/signin')}; if you forgot your password, reset it at "
        f"{link(settings, '/reset')}.\n\nIf it was not you, ignore this mail: nothing changed.\n",
    )


def reset_password(settings: PracticaSettings, recipient: str, name: str, token: str) -> Mail:
    return Mail(
        recipient,
        "Reset your Practica password",
        f"Hello {name},\n\n"
        f"Open this link to choose a new password:\n\n{link(settings, f'/reset/{token}')}\n\n"
        "The link works once, for one hour. If you did not ask for it, ignore this mail: your password is unchanged.\n",
    )


def invitation(settings: PracticaSettings, recipient: str, organization: str, inviter: str, token: str) -> Mail:
    return Mail(
        recipient,
        f"{inviter} invites you to {organization} on Practica",
        f"Hello,\n\n{inviter} invites you to join {organization} on Practica.\n\n"
        f"Open this link, sign in (or sign up with this email) and accept:\n\n"
        f"{link(settings, f'/invitations/{token}')}\n\nThe invitation expires in seven days.\n",
    )
