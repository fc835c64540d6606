"""Signing up, confirming, signing in and resetting passwords, as operations on a session's transaction.

None of these tell a stranger whether an address has an account: sign-up
answers the same and mails the owner instead, a reset request answers the
same whether or not a mail went out, and a failed sign-in says only
:data:`~practica.accounts.errors.WRONG_CREDENTIALS` (after spending the same
time on a password hash).

Only the first sign-up of an address makes its account: a later one, even
before the first is confirmed, changes nothing (its password, its display
name) and only mails the address. Otherwise anyone could sign up again with
an address whose owner had not confirmed yet and choose the password the
owner's confirmation link then sets. Using a reset link spends every reset
link of the account, so an older mail is no way back in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts import messages
from practica.accounts.errors import BAD_LINK, OWN_ROLE_REFUSED, WRONG_CREDENTIALS, AccountError
from practica.accounts.models import AccountToken, Role, TokenPurpose, User
from practica.accounts.passwords import hash_password, verify_password
from practica.accounts.sessions import RecentSessions
from practica.accounts.tasks import queue_mail
from practica.accounts.tokens import new_token, token_hash
from practica.ids import UserId
from practica.settings import PracticaSettings
from servicekit.caching import forget_now_and_at_commit

CONFIRM_LIFETIME = timedelta(days=2)
RESET_LIFETIME = timedelta(hours=1)
LIFETIMES = {TokenPurpose.CONFIRM: CONFIRM_LIFETIME, TokenPurpose.RESET: RESET_LIFETIME}


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    found: User | None = await session.scalar(select(User).where(User.email == email))
    return found


async def issue_token(session: AsyncSession, user_id: UserId, purpose: TokenPurpose) -> str:
    token = new_token()
    session.add(
        AccountToken(
            token_hash=token_hash(token),
            user_id=user_id,
            purpose=purpose.value,
            expires_at=datetime.now(UTC) + LIFETIMES[purpose],
        )
    )
    await session.flush()
    return token


async def consume_token(session: AsyncSession, token: str, purpose: TokenPurpose) -> AccountToken:
    """Use a live token once (atomically: two clicks cannot both succeed), or refuse with 400."""
    used: AccountToken | None = await session.scalar(
        update(AccountToken)
        .where(
            AccountToken.token_hash == token_hash(token),
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > func.now(),
        )
        .values(used_at=func.now())
        .returning(AccountToken)
    )
    if used is None:
        raise AccountError(400, BAD_LINK)
    return used


async def sign_up(
    session: AsyncSession, settings: PracticaSettings, email: str, password: str, display_name: str
) -> None:
    """Create an unconfirmed account and mail a confirmation link; for a known address, leave it and mail its owner.

    The owner of an account still unconfirmed gets a reset link instead of a
    confirmation link: choosing a password there proves the address, whoever
    made the first sign-up.
    """
    password_hash = await hash_password(password)  # also for known addresses: the answer takes as long
    user_id = await session.scalar(
        insert(User)
        .values(email=email, display_name=display_name, password_hash=password_hash, role=Role.LEARNER.value)
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User.id)
    )
    if user_id is not None:
        token = await issue_token(session, user_id, TokenPurpose.CONFIRM)
        await queue_mail(session, messages.confirm_email(settings, email, token))
        return
    existing = await user_by_email(session, email)
    assert existing is not None
    if existing.confirmed:
        await queue_mail(session, messages.already_registered(settings, email))
        return
    token = await issue_token(session, existing.id, TokenPurpose.RESET)
    await queue_mail(session, messages.sign_up_pending(settings, email, token))


async def confirm(session: AsyncSession, token: str) -> User:
    """Confirm the address with the password of its sign-up; the other confirmation links stop working.

    ``AccountToken.password_hash`` is ignored: earlier versions stored a later
    sign-up's password there and set it on confirming, which let a stranger
    choose the owner's password.
    """
    used = await consume_token(session, token, TokenPurpose.CONFIRM)
    user = await session.get_one(User, used.user_id)
    user.confirmed_at = user.confirmed_at or datetime.now(UTC)
    await spend_tokens(session, user.id, TokenPurpose.CONFIRM)
    return user


async def spend_tokens(session: AsyncSession, user_id: UserId, purpose: TokenPurpose) -> None:
    """Mark every live ``purpose`` link of ``user_id`` used: none of them works any more."""
    await session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=func.now())
    )


async def sign_in(session: AsyncSession, email: str, password: str) -> User:
    """The user with this email and password, or :class:`AccountError` (401; 403 for an unconfirmed address)."""
    user = await user_by_email(session, email)
    checked = await verify_password(user.password_hash if user else None, password)
    if user is None or not checked.ok:
        raise AccountError(401, WRONG_CREDENTIALS)
    if not user.confirmed:
        raise AccountError(403, "Confirm your email first: open the link we mailed you")
    if checked.new_hash:
        user.password_hash = checked.new_hash
    return user


async def request_reset(session: AsyncSession, settings: PracticaSettings, email: str) -> None:
    """Mail a reset link when the address has an account; otherwise do nothing, silently."""
    user = await user_by_email(session, email)
    if user is None:
        return
    token = await issue_token(session, user.id, TokenPurpose.RESET)
    await queue_mail(session, messages.reset_password(settings, email, token))


async def reset_password(session: AsyncSession, token: str, password: str) -> User:
    """Set a new password from a reset link; the link proves the address, so it confirms it too.

    Every other reset and confirmation link of the account stops working (the
    caller also ends the account's other sessions).
    """
    used = await consume_token(session, token, TokenPurpose.RESET)
    user = await session.get_one(User, used.user_id)
    user.password_hash = await hash_password(password)
    user.confirmed_at = user.confirmed_at or datetime.now(UTC)
    await spend_tokens(session, user.id, TokenPurpose.RESET)
    await spend_tokens(session, user.id, TokenPurpose.CONFIRM)
    return user


async def create_user(
    session: AsyncSession, email: str, password: str, display_name: str, role: Role = Role.LEARNER
) -> User:
    """An account made by an operator (``practica user create``): confirmed at once."""
    user = User(
        email=email,
        display_name=display_name,
        password_hash=await hash_password(password),
        role=role.value,
        confirmed_at=datetime.now(UTC),
    )
    session.add(user)
    await session.flush()
    return user


async def set_role(session: AsyncSession, recent: RecentSessions, user: User, role: Role) -> None:
    """Change ``user``'s role; the last admin keeps theirs (409), so the platform always has one.

    ``recent`` forgets the user's sessions, so that this app's next request reads the new role.
    """
    if user.role == Role.ADMIN and role != Role.ADMIN:
        admins = await session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value))
        if admins == 1:
            raise AccountError(409, "The platform keeps at least one admin")
    user.role = role.value
    forget_now_and_at_commit(session, lambda: recent.forget_user(user.id))


async def change_role(
    session: AsyncSession, recent: RecentSessions, user_id: UserId, role: Role, *, changed_by: UserId
) -> User:
    """Give the user ``role`` (:func:`set_role`), the row locked meanwhile; 404 when there is no such user.

    An admin cannot change their own role (409): a slip of the users page would lock them out
    of it, and another admin can always do it for them.
    """
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise AccountError(404, "No such user")
    if user.id == changed_by and user.role != role.value:
        raise AccountError(409, OWN_ROLE_REFUSED)
    await set_role(session, recent, user, role)
    return user
