"""The reproducibility record every JSON output carries: nkru's version, the data files read
with their digests, the scenarios and overrides applied, and the command that reruns it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, NamedTuple

from nkru.render.sheets import View


class FilesRead(NamedTuple):
    """The data files' digests when no dataset loaded (a `check` that failed): what run_json reads."""

    digests: tuple[tuple[str, str], ...]


def files_read(data_dir: Path | None) -> FilesRead:
    """The digest of each data file that can be read, for a record of data that did not load."""
    from nkru.files import ReadError, read_regular
    from nkru.load.dataset import MAX_DIGEST_BYTES, data_paths, display_name

    digests = []
    for path in data_paths(data_dir).values():
        try:
            digests.append((display_name(path), hashlib.sha256(read_regular(path, MAX_DIGEST_BYTES)).hexdigest()))
        except ReadError:
            continue  # check reports it, located
    return FilesRead(tuple(digests))


def recorded(view: View, command: str, ds: Any, run: dict[str, Any]) -> View:
    """`view` with the record in its JSON, after "command" and before the view's own keys."""
    from nkru.render.computed import run_json

    def json() -> dict[str, Any]:
        # The view's own keys win: `nkru scenarios` lists the scenarios there is under "scenarios"
        # (it applies none, so the record's list would be empty).
        return {"command": command, **run_json(ds, run), **view.json()}

    return view._replace(json=json)
