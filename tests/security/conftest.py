"""Fixtures of the security suites: each area keeps its own in a module of its own, imported here."""

from tests.security.accounts_fixtures import accounts_mailed_site, accounts_site  # noqa: F401
from tests.security.chronicles_fixtures import chronicles_open_service, chronicles_service  # noqa: F401
from tests.security.gateway_watch_fixtures import watch_gateway, watched_env  # noqa: F401
from tests.security.mail_fixtures import mail_webhook_site  # noqa: F401
from tests.security.sandbox_controller_fixtures import controller_socket  # noqa: F401
