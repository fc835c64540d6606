"""Chronicles: an activity-log service any application can feed.

Chronicles never imports Practica; applications talk to it through its
message contract (Kafka or HTTP) and its GraphQL API.
"""

__version__ = "0.1.0"
