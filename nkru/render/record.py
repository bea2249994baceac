"""The reproducibility record every JSON output carries: nkru's version, the data files read
with their digests, the scenarios and overrides applied, and the command that reruns it."""

from __future__ import annotations

from typing import Any, NamedTuple

from nkru.render.sheets import View


class FilesRead(NamedTuple):
    """The data files' digests when no dataset loaded (a `check` that failed): what run_json
    reads (nkru.load.dataset.readable_digests gives them)."""

    digests: tuple[tuple[str, str], ...]


def recorded(view: View, command: str, ds: Any, run: dict[str, Any]) -> View:
    """`view` with the record in its JSON, after "command" and before the view's own keys."""
    from nkru.render.computed import run_json

    def json() -> dict[str, Any]:
        # The view's own keys win: `nkru scenarios` lists the scenarios there is under "scenarios"
        # (it applies none, so the record's list would be empty).
        return {"command": command, **run_json(ds, run), **view.json()}

    return view._replace(json=json)
