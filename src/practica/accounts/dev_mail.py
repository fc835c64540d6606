"""``GET /dev/mail``: the mail sent without an SMTP server, newest first (development only)."""

from __future__ import annotations

import html
import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from practica.accounts.dependencies import settings_of, transaction
from practica.accounts.models import DevMail
from practica.settings import Environment

router = APIRouter(include_in_schema=False)
LINK = re.compile(r"https?://[^\s<>\"]+")
PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Practica: mail sent</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}}
article{{border-bottom:1px solid #ccc;padding:1rem 0}}pre{{white-space:pre-wrap}}</style>
<h1>Mail sent (development)</h1>{items}</html>"""


def render(mail: DevMail) -> str:
    body = LINK.sub(lambda found: f'<a href="{found[0]}">{found[0]}</a>', html.escape(mail.body, quote=True))
    return (
        f"<article><h2>{html.escape(mail.subject)}</h2>"
        f"<p>To {html.escape(mail.recipient)}, {mail.sent_at:%Y-%m-%d %H:%M:%S %Z}</p><pre>{body}</pre></article>"
    )


@router.get("/dev/mail", response_class=HTMLResponse)
async def dev_mail(request: Request) -> HTMLResponse:
    if settings_of(request).practica_env is not Environment.DEVELOPMENT:
        raise HTTPException(status_code=404)
    async with transaction(request) as session:
        mails = await session.scalars(select(DevMail).order_by(DevMail.id.desc()).limit(200))
        items = "".join(render(mail) for mail in mails) or "<p>No mail yet.</p>"
    return HTMLResponse(PAGE.format(items=items))
