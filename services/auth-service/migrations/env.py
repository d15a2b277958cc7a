"""Alembic environment for auth-service: its models, the shared runner."""

from zimage_auth.audit import models as _audit_models  # noqa: F401 - registers the tables
from zimage_auth.database import Base
from zimage_auth.password_resets import models as _password_resets_models  # noqa: F401 - registers the tables
from zimage_auth.sessions import models as _sessions_models  # noqa: F401 - registers the tables
from zimage_auth.users import models as _users_models  # noqa: F401 - registers the tables
from zimage_common.migrations import run_env

run_env(Base.metadata)
