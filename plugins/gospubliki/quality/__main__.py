"""``python -m gospubliki.quality``: create or update the GX file context in ``expectations/gx``
from the suites defined in code (run after changing ``suites.py``; commit the changed JSON)."""

from gospubliki.quality.context import build_context, gx_dir

if __name__ == "__main__":
    build_context()
    print(f"great expectations file context up to date: {gx_dir()}")
