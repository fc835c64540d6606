"""The environment gateway (terminals, files, published ports) and the tokens that open it."""

from practica.sandbox.gateway.app import create_gateway_app
from practica.sandbox.gateway.tokens import GatewayAction, issue_gateway_token

__all__ = ["GatewayAction", "create_gateway_app", "issue_gateway_token"]
