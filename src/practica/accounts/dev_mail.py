"""``GET /dev/mail``: the mail sent without an SMTP server, newest first, for admins, in development only.

The page shows sign-in secrets (confirmation and reset links of every
account), so only a signed-in admin reads it: anyone else gets 403, and in
production it is not there at all (404). The same mail is printed in the
worker's log, which is how a developer reads it before any admin exists.
Only links into this site (``PRACTICA_PUBLIC_URL``) are made clickable: other
text in a mail, such as a name someone chose, never becomes a link.
"""

from __future__ import annotations

import html
import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from practica.accounts.dependencies import OptionalUser, settings_of, transaction
from practica.accounts.models import DevMail, Role
from practica.settings import Environment

router = APIRouter(include_in_schema=False)
LINK = re.compile(r"https?://[^\s<>\"']+")
PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Practica: mail sent</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}}
article{{border-bottom:1px solid #ccc;padding:1rem 0}}pre{{white-space:pre-wrap}}</style>
<h1>{title}</h1>{items}</html>"""
ADMINS_ONLY = (
    "<p>Development mail holds everyone's sign-in links: only admins read it here. Sign in as an admin "
    "(make one with <code>practica user create EMAIL --role admin</code>) and come back, or read the mail "
    "in the log of <code>practica worker</code> (<code>make run</code> prints it).</p>"
)


def render(mail: DevMail, site: str) -> str:
    """One mail, escaped, with links into ``site`` (and only those) clickable."""

    def clickable(found: re.Match[str]) -> str:
        url = found[0]
        return f'<a href="{url}">{url}</a>' if url.startswith(site) else url

    body = LINK.sub(clickable, html.escape(mail.body, quote=True))
    return (
        f"<article><h2>{html.escape(mail.subject)}</h2>"
        f"<p>To {html.escape(mail.recipient)}, {mail.sent_at:%Y-%m-%d %H:%M:%S %Z}</p><pre>{body}</pre></article>"
    )


@router.get("/dev/mail", response_class=HTMLResponse)
async def dev_mail(request: Request, user: OptionalUser) -> HTMLResponse:
    settings = settings_of(request)
    if settings.practica_env is not Environment.DEVELOPMENT:
        raise HTTPException(status_code=404)
    if user is None or user.role != Role.ADMIN.value:
        return HTMLResponse(PAGE.format(title="Admins only", items=ADMINS_ONLY), status_code=403)
    site = html.escape(settings.practica_public_url.rstrip("/") + "/", quote=True)
    async with transaction(request) as session:
        mails = await session.scalars(select(DevMail).order_by(DevMail.id.desc()).limit(200))
        items = "".join(render(mail, site) for mail in mails) or "<p>No mail yet.</p>"
    return HTMLResponse(PAGE.format(title="Mail sent (development)", items=items))
