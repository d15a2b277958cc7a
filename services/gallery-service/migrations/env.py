import pkgutil
from importlib import import_module

import zimage_gallery
from zimage_common.migrations import run_env
from zimage_gallery.database import Base

# every domain's models register their tables on Base.metadata
for module in pkgutil.walk_packages(zimage_gallery.__path__, "zimage_gallery."):
    if module.name.endswith(".models"):
        import_module(module.name)

run_env(Base.metadata)
