"""What a command reads, as one digest of the files' stat: the path, size, modification and change time and
inode of every file under some folders, and of some files, with the code of briefings. Equal snapshots, equal
inputs: `build` and `check` answer from their last run while the snapshot stays the same (documents.quick,
checks.record), importing nothing but `os`.

A file changed in the last RACY_SECONDS may change again within the same timestamp: a snapshot holding one is
None (not to be trusted). So is a snapshot with a symbolic link anywhere in those folders (a linked file's own
changes would not show) or an unreadable folder.
"""
import marshal
import os
import time

from briefings.paths import code_key, sha256

RACY_SECONDS = 2
_STATS: dict = {}  # path → stat, from a snapshot taken with keep_stats, until stat_of takes it or forget_stats


def stat_of(path: str) -> os.stat_result:
    """The stat of a file as the last snapshot taken with keep_stats saw it (once), else as it is now. A loader
    that reads the file after that snapshot may use it: a change since shows in the next snapshot."""
    st = _STATS.pop(path, None)
    return st if st is not None else os.stat(path)


def forget_stats() -> None:
    _STATS.clear()


def folders_of(project) -> tuple:
    """(root, content, templates, build, settings file) of a project: absolute, links resolved."""
    return (*(os.path.realpath(p) for p in (project.root, project.content, project.templates, project.build)),
            os.path.realpath(project.config_path) if project.config_path else None)


class _Linked(Exception):
    pass


def snapshot(folders: tuple, extra_files: list, keep_stats: bool = False) -> str | None:
    """The snapshot of the content and template folders, the settings file and the extra files (a reference
    document) of a project's folders (folders_of); None when it cannot be trusted. With keep_stats, the stat of
    each file is kept for stat_of: the loader that follows need not stat every file again."""
    _root, content, templates, _build, config = folders
    rows: list[tuple] = []  # (folder,) or (file, size, modification time, change time, inode)
    newest = 0
    try:
        for folder in (content, templates):
            newest = max(newest, _walk(folder, rows, _STATS if keep_stats else None))
        for extra in (config, *extra_files):
            if extra:
                st = os.stat(extra)
                rows.append((str(extra), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
                newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    except (OSError, _Linked):
        return None
    if time.time_ns() - newest < RACY_SECONDS * 1_000_000_000:
        return None
    rows.sort()  # in the order of the paths, whatever order the folders list them in
    # marshal version 0: no back-references, which later versions write for objects something else holds too
    return sha256(code_key().encode() + marshal.dumps(rows, 0)).hexdigest()


def _walk(folder: str, rows: list[tuple], stats: dict | None) -> int:
    if os.path.islink(folder):
        raise _Linked
    rows.append((folder,))  # an empty folder added counts too
    newest = 0
    with os.scandir(folder) as scan:
        for entry in scan:
            if entry.is_symlink():
                raise _Linked
            if entry.is_dir():
                newest = max(newest, _walk(entry.path, rows, stats))
                continue
            st = entry.stat()
            if stats is not None:
                stats[entry.path] = st
            rows.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
            changed = st.st_mtime_ns if st.st_mtime_ns > st.st_ctime_ns else st.st_ctime_ns
            if changed > newest:
                newest = changed
    return newest
