#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    # Local work: the settings `make` wrote (.env.local) fill what the environment leaves unset.
    from crm.env import LOCAL_SETTINGS_FILE, load_local_settings

    load_local_settings(Path(__file__).resolve().parent / LOCAL_SETTINGS_FILE, os.environ)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
