"""The `cercle` command: Django's manage.py for this project."""

import os
import sys
from pathlib import Path


def main() -> None:
    platform_dir = Path(__file__).resolve().parent.parent
    for path in (str(platform_dir.parent), str(platform_dir)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
