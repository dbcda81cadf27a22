"""The quick answer to "did anything change since the last build of this request?", without loading the library.

A build records, per build request (kind, document, formats, output and reference document, options, folders),
a snapshot of the files a build reads: the path, size, modification and change time and inode of every file
under the content and template folders, the settings file and the reference document, and the code of
briefings itself. When the snapshot taken now equals the one recorded, and every output and the manifest are
still the files that build wrote, nothing changed and `build` answers at once.

The record is `build/.briefings-quick`, in marshal format: `briefings build` with nothing changed reads it
before Click, PyYAML, pathlib or json are imported (see start.py), so this module imports only what the
interpreter has loaded already. A record that cannot be read (damaged, or from another Python) is ignored.

A snapshot is taken before the library loads, so a file changed while a build runs makes the next snapshot
differ. A file changed in the last RACY_SECONDS may change again within the same timestamp: such a snapshot
is not recorded. A symbolic link anywhere in those folders switches the quick answer off (a linked file's
own changes would not show).
"""
import marshal
import os
import sys
import time

from briefings.paths import display_path, find_root, read_marshal, settings_state, sha256
from briefings.snapshots import RACY_SECONDS, folders_of, snapshot  # noqa: F401 (RACY_SECONDS: for tests)

RECORD = ".briefings-quick"
MANIFEST = ".briefings-manifest.json"  # manifest.MANIFEST
KEEP_REQUESTS = 16  # snapshots of this many different requests are kept
FORMAT = 1  # of the record; a record of another format is ignored

# -- snapshots ---------------------------------------------------------------------------------------------


def _file_state(path: str):
    """(size, modification time, inode) of a file, or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def request_key(folders: tuple, request: list) -> str:
    """The key of a build request: its folders (root, content, templates, build, settings file; absolute) and
    its options (strings, booleans, None, lists of strings)."""
    return sha256(repr([*folders, *(str(r) if not isinstance(r, (str, bool, list, type(None))) else r
                                    for r in request)]).encode("utf-8", "surrogateescape")).hexdigest()[:32]



# -- the record ----------------------------------------------------------------------------------------------


def read_record(out_dir: str) -> dict:
    record = read_marshal(os.path.join(out_dir, RECORD))
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("requests"), dict):
        return {}
    return record


def unchanged(out_dir: str, key: str, tree: str | None, record: dict | None = None) -> list[str] | None:
    """The paths of the outputs of a request whose recorded snapshot equals `tree`, when each output and the
    manifest are still the files the build that recorded it wrote; None when the library must decide."""
    if tree is None:
        return None
    record = read_record(out_dir) if record is None else record
    entry = record.get("requests", {}).get(key)
    if not (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == tree):
        return None
    if _file_state(os.path.join(out_dir, MANIFEST)) != record.get("manifest"):
        return None
    paths = []
    for name, state in entry[1]:
        path = os.path.join(out_dir, name)
        if _file_state(path) != state:
            return None
        paths.append(path)
    return paths


def remember(out_dir: str, key: str, tree: str | None, outputs: list[str], settings: tuple | None) -> None:
    """Record the snapshot of a request whose outputs (names in the output folder, in order) were all just
    found or made up to date, with the manifest as it is now. `settings`: (root, the settings file's
    state, the folders), for `build` to find the folders without reading the settings (see answer_build)."""
    if tree is None:
        return
    states = []
    for name in outputs:
        state = _file_state(os.path.join(out_dir, name))
        if state is None:
            return
        states.append((name, state))
    record = read_record(out_dir)
    requests = record.get("requests", {})
    manifest = _file_state(os.path.join(out_dir, MANIFEST))
    known = requests.get(key)
    if (isinstance(known, tuple) and known[:2] == (tree, tuple(states)) and record.get("manifest") == manifest
            and record.get("settings") == settings):
        return
    requests[key] = (tree, tuple(states), time.time_ns())
    newest = sorted(requests.items(), key=lambda item: item[1][2] if isinstance(item[1], tuple) else 0)
    data = {"format": FORMAT, "manifest": manifest,
            "requests": dict(newest[-KEEP_REQUESTS:]), "settings": settings}
    from briefings.writers.files import write_bytes_atomic

    write_bytes_atomic(os.path.join(out_dir, RECORD), marshal.dumps(data))


def take(project, request: list, out_dir, extra_files: list) -> tuple:
    """(request key, snapshot, settings) of a build request, for `unchanged` and `remember`."""
    folders = folders_of(project)
    key = request_key(folders, [*request[:4], os.path.realpath(out_dir), *request[4:]])
    # the stats are kept for the loader (snapshots.stat_of): a build that loads does not stat every file twice
    return key, snapshot(folders, extra_files, keep_stats=True), (folders[0], settings_state(folders[0]), folders)


# -- `briefings build` with nothing changed, before Click --------------------------------------------------

FORMATS = {"both": ["md", "docx"], "all": ["md", "docx", "pdf"], "md": ["md"], "docx": ["docx"], "pdf": ["pdf"]}


def build_request(args: list[str]) -> list | None:
    """The request of `briefings build ARGS` when it has only the options the quick answer knows (KIND, DOC,
    --all, --format, --quiet, --no-check): [kind, doc, all, formats]; None for anything else."""
    positional: list[str] = []
    all_, formats = False, FORMATS["both"]
    items = iter(args)
    for arg in items:
        if arg == "--all":
            all_ = True
        elif arg in ("--quiet", "-q", "--no-check"):
            pass  # neither changes what is built
        elif arg == "--format" or arg.startswith("--format="):
            value = arg.partition("=")[2] if "=" in arg else next(items, None)
            if value not in FORMATS:
                return None
            formats = FORMATS[value]
        elif arg.startswith("-") or arg == "":
            return None
        else:
            positional.append(arg)
    if len(positional) > 2 or (all_ and positional):
        return None
    positional += [None] * (2 - len(positional))
    return [positional[0], positional[1], all_, list(formats)]


def answer_build(args: list[str]) -> bool:
    """Print what an unchanged `briefings build ARGS` prints, and True; False when the build must run."""
    request = build_request(args)
    if request is None:
        return False
    root = os.path.realpath(find_root())
    out_dir = os.path.join(root, "build")
    record = read_record(out_dir)
    settings = record.get("settings")
    if not (isinstance(settings, tuple) and len(settings) == 3) or settings[:2] != (root, settings_state(root)):
        return False
    folders = settings[2]
    if folders[3] != out_dir:
        return False
    key = request_key(folders, [*request, out_dir, None, False, None])  # as take() for this request
    paths = unchanged(out_dir, key, snapshot(folders, []), record)
    if paths is None:
        return False
    here = os.path.join(os.getcwd(), "")
    sys.stdout.write("".join(f"unchanged: {path[len(here):] if path.startswith(here) else display_path(path)}\n"
                             for path in paths))  # as display_path gives a path inside the working folder
    sys.stdout.flush()
    return True

