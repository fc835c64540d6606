"""Imports every model module so that ``Base.metadata`` is complete.

Alembic's autogenerate and ``alembic check`` read the metadata from here.
"""

from __future__ import annotations

from practica.accounts import models as account_models  # noqa: F401  (registers the tables)
from practica.authoring import models as authoring_models  # noqa: F401  (registers the table)
from practica.checks import models as check_models  # noqa: F401  (registers the tables)
from practica.db.base import Base
from practica.environments import models as environment_models  # noqa: F401  (registers the table)
from practica.events import outbox  # noqa: F401  (registers the table)
from practica.hosts import models as host_models  # noqa: F401  (registers the table)
from practica.learning import models as learning_models  # noqa: F401  (registers the table)
from practica.lessons import models as lessons_models  # noqa: F401  (registers the tables)

metadata = Base.metadata
