from zimage_common.migrations import run_env
from zimage_image.database import Base
from zimage_image.outbox import models as _outbox  # noqa: F401 - registers tables
from zimage_image.quotas import models as _quotas  # noqa: F401
from zimage_image.stats import models as _stats  # noqa: F401
from zimage_image.tasks import models as _tasks  # noqa: F401
from zimage_image.workers import models as _workers  # noqa: F401

run_env(Base.metadata)
