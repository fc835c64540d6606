"""``/api/auth/*`` and ``/api/me``: signing up, in and out, confirming, resetting, and who I am.

Every POST here also passes the CSRF check (:mod:`practica.accounts.csrf`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from practica.accounts import mail_webhook, service
from practica.accounts.csrf import CSRF_COOKIE, set_csrf_cookie
from practica.accounts.delivery import apply_event
from practica.accounts.dependencies import Core, CurrentUser, settings_of, transaction
from practica.accounts.queries import me_of
from practica.accounts.ratelimit import (
    RESET_PER_EMAIL,
    RESET_PER_IP,
    SIGNIN_PER_EMAIL,
    SIGNIN_PER_IP,
    SIGNUP_PER_EMAIL,
    SIGNUP_PER_IP,
    Limit,
    enforce,
)
from practica.accounts.responses import client_ip, problems
from practica.accounts.schemas import (
    ConfirmRequest,
    Me,
    Message,
    ResetRequest,
    ResetRequestRequest,
    SigninRequest,
    SignupRequest,
)
from practica.accounts.sessions import (
    SESSION_COOKIE,
    clear_session_cookie,
    end_session,
    end_sessions,
    set_session_cookie,
    start_session,
    uses_https,
)
from practica.accounts.setup import redeem_setup_token
from practica.settings import PracticaSettings

SIGNUP_SENT = "Check your mailbox: we sent you a link to confirm your email."
RESET_SENT = "If this email has an account, we sent it a link to choose a new password."

Settings = Annotated[PracticaSettings, Depends(settings_of)]
router = APIRouter(prefix="/api", tags=["accounts"])
mail_router = APIRouter(prefix="/api/mail", tags=["mail"])  # reports from mail providers, by a shared secret


async def limit(request: Request, email: str, per_email: Limit, per_ip: Limit) -> None:
    """Count this attempt (committed even when the attempt then fails); 429 when over a limit."""
    async with transaction(request) as session:
        await enforce(session, [(per_email, email), (per_ip, client_ip(request))])


@router.get("/auth/csrf", status_code=204, response_class=Response)
async def csrf(request: Request, settings: Settings) -> Response:
    """Set the CSRF cookie when the browser has none; send it back as ``X-CSRF-Token``."""
    response = Response(status_code=204)
    if not request.cookies.get(CSRF_COOKIE):
        set_csrf_cookie(response, secure=uses_https(request, settings))
    return response


@router.post("/auth/signup", status_code=202, responses=problems(429))
async def signup(body: SignupRequest, request: Request, settings: Settings) -> Message:
    """Answers the same whether or not the address has an account (its owner gets a mail instead)."""
    await limit(request, body.email, SIGNUP_PER_EMAIL, SIGNUP_PER_IP)
    async with transaction(request) as session:
        await service.sign_up(session, settings, body.email, body.password, body.display_name)
    return Message(message=SIGNUP_SENT)


@router.post("/auth/confirm", responses=problems(400))
async def confirm(body: ConfirmRequest, request: Request) -> Message:
    async with transaction(request) as session:
        await service.confirm(session, body.token)
    return Message(message="Your email is confirmed: you can sign in.")


@router.post("/auth/signin", responses=problems(401, 403, 429))
async def signin(body: SigninRequest, request: Request, response: Response, settings: Settings, services: Core) -> Me:
    await limit(request, body.email, SIGNIN_PER_EMAIL, SIGNIN_PER_IP)
    previous = request.cookies.get(SESSION_COOKIE)
    async with transaction(request) as session:
        user = await service.sign_in(session, body.email, body.password)
        if previous:
            await end_session(session, services.recent_sessions, previous)
        token = await start_session(session, user.id)
        me = await me_of(session, user)
    secure = uses_https(request, settings)
    set_session_cookie(response, token, secure=secure)
    set_csrf_cookie(response, secure=secure)  # a fresh CSRF token with every new session
    return me


@router.post("/auth/signout", status_code=204, response_class=Response)
async def signout(request: Request, settings: Settings, services: Core) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with transaction(request) as session:
            await end_session(session, services.recent_sessions, token)
    response = Response(status_code=204)
    clear_session_cookie(response, secure=uses_https(request, settings))
    return response


@router.post("/auth/reset-request", status_code=202, responses=problems(429))
async def reset_request(body: ResetRequestRequest, request: Request, settings: Settings) -> Message:
    """Answers the same whether or not the address has an account."""
    await limit(request, body.email, RESET_PER_EMAIL, RESET_PER_IP)
    async with transaction(request) as session:
        await service.request_reset(session, settings, body.email)
    return Message(message=RESET_SENT)


@router.post("/auth/reset", responses=problems(400))
async def reset(body: ResetRequest, request: Request, services: Core) -> Message:
    """Set the new password and end the account's other sessions."""
    async with transaction(request) as session:
        user = await service.reset_password(session, body.token, body.password)
        await end_sessions(session, services.recent_sessions, user.id, keep=request.cookies.get(SESSION_COOKIE))
    return Message(message="Your password is changed: sign in with it.")


@router.get("/me", responses=problems(401))
async def me(user: CurrentUser, request: Request) -> Me:
    async with transaction(request) as session:
        return await me_of(session, user)


@router.post("/setup/{token}", responses=problems(400, 401, 404, 409, 410))
async def setup(token: str, user: CurrentUser, request: Request, services: Core) -> Me:
    """Redeem the one-time setup link ``practica up`` printed: the signed-in user becomes admin."""
    async with transaction(request) as session:
        admin = await redeem_setup_token(session, services.recent_sessions, token, user.id)
        return await me_of(session, admin)


@mail_router.post("/events", responses=problems(401, 404, 413, 415, 422))
async def mail_events_webhook(request: Request) -> mail_webhook.EventsReceived:
    """Bounces and complaints: a DSN (``message/rfc822``), Postmark's, Mailgun's or SendGrid's JSON, or an SES
    notification through SNS."""
    mail_webhook.authenticate(request)
    sns = "x-amz-sns-message-type" in request.headers
    events = mail_webhook.read_report(
        request.headers.get("content-type", ""), await mail_webhook.capped_body(request), sns=sns
    )
    async with transaction(request) as session:
        applied = [await apply_event(session, event) for event in events]
    return mail_webhook.EventsReceived(received=len(events), applied=sum(applied))
