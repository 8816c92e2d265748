#!/usr/bin/env python
import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")
    # Django's start-up makes some 150,000 objects that live as long as the
    # process, and no garbage: the cyclic collector would only walk them again
    # and again. It stays off until the apps are loaded (emulation/apps.py
    # turns it back on), a tenth of a command's start-up (#17).
    gc.disable()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
