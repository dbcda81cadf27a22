"""Where the project is, and how paths are shown: with nothing but `os`, for the quick answers of start.py."""
import os

CONFIG_NAME = "briefings.yaml"
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # the source checkout


def find_root() -> str:
    """The nearest folder upwards holding briefings.yaml or content/; else the built-in project."""
    env = os.environ.get("BRIEFINGS_ROOT")
    if env:
        return env
    here = os.path.realpath(os.getcwd())
    while True:
        if os.path.isfile(os.path.join(here, CONFIG_NAME)) or os.path.isdir(os.path.join(here, "content")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return PACKAGE_ROOT
        here = parent


def display_path(path) -> str:
    """A path as the user wants to read it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if rel.startswith("..") else rel
