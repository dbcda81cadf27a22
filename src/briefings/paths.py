"""Where the project and the caches are, a key of the code, and how paths are shown: with `os` and the built-in
SHA-256 alone, for the quick answers of start.py (a build or search with nothing changed)."""
import os

from briefings import __version__

try:  # hashlib would load OpenSSL first (5 ms); the built-in SHA-256 gives the same digests
    from _sha256 import sha256
except ImportError:  # pragma: no cover - Python 3.12 and later
    try:
        from _sha2 import sha256
    except ImportError:
        from hashlib import sha256

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


def cache_root() -> str:
    """The user's cache folder of briefings (BRIEFINGS_CACHE_DIR, else XDG_CACHE_HOME/briefings)."""
    explicit = os.environ.get("BRIEFINGS_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "briefings")


def caching_off() -> bool:
    return os.environ.get("BRIEFINGS_CACHE", "auto").strip().lower() in ("0", "off", "no", "false")


def root_cache_folder(root) -> str:
    """The folder of the caches of a content root or project."""
    return os.path.join(cache_root(), sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()[:16])


_PACKAGE = os.path.dirname(os.path.realpath(__file__))  # the briefings package
_CODE_KEY: str | None = None


def code_key() -> str:
    """Changes with the version of briefings and with any change to its code."""
    global _CODE_KEY
    if _CODE_KEY is None:
        lines: list[str] = []
        _code_lines(_PACKAGE, "", lines)
        digest = sha256(__version__.encode())
        digest.update("".join(sorted(lines)).encode("utf-8", "surrogateescape"))
        _CODE_KEY = digest.hexdigest()
    return _CODE_KEY


def _code_lines(folder: str, prefix: str, lines: list[str]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                st = entry.stat()
                lines.append(f"{prefix}{entry.name}:{st.st_size}:{st.st_mtime_ns}\n")
            elif entry.is_dir() and entry.name != "__pycache__":
                _code_lines(entry.path, f"{prefix}{entry.name}/", lines)


# -- where a project's content is, without reading its settings --------------------------------------------


def settings_state(root: str) -> tuple | None:
    """The state of a project's settings file: (size, modification and change time, inode); None without one."""
    try:
        st = os.stat(os.path.join(root, CONFIG_NAME))
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def read_marshal(path: str):
    """What write_marshal wrote to path; None when there is nothing there that can be read."""
    import marshal

    try:
        with open(path, "rb") as handle:
            return marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def write_marshal(path: str, data) -> None:
    """Write a record into the cache folder atomically (a temporary file, then a rename); a record that
    cannot be written is quietly skipped, as every cache is."""
    import marshal

    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(marshal.dumps(data))
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def remember_content(project) -> None:
    """Note where a project's content is, for known_content."""
    root = os.path.realpath(project.root)
    record = (root, settings_state(root), os.path.realpath(project.content))
    path = os.path.join(root_cache_folder(root), "project")
    if read_marshal(path) != record:
        write_marshal(path, record)


def known_content(root: str | None) -> str | None:
    """The content folder of the project at root (found upwards without one), as remember_content noted it
    while the settings file stays as it was; None when unknown."""
    root = os.path.realpath(root if root is not None else find_root())
    record = read_marshal(os.path.join(root_cache_folder(root), "project"))
    if not (isinstance(record, tuple) and len(record) == 3 and record[0] == root
            and record[1] == settings_state(root) and isinstance(record[2], str)):
        return None
    return record[2]
