"""The one loader: data files and command-line inputs -> validated model objects.

`reader` turns YAML into located plain values, `dataset` validates and cross-checks the data
files (caching what passed), `options` reads `--set` and scenarios. Names resolve lazily
(PEP 562): a run whose data is cached never imports the YAML reader.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "DATA_FILES": "dataset", "bundled_data_dir": "paths", "cache_dir": "dataset", "cross_check": "dataset",
    "data_paths": "dataset", "display_name": "paths", "load_dataset": "dataset",
    "Scenario": "options", "load_scenario": "options", "load_scenarios": "options", "parse_override": "options",
    "parse_overrides": "options", "parse_target": "options", "scenario_files": "options", "scenario_path": "options",
    "MAX_FILE_BYTES": "reader", "read_yaml": "reader", "validate": "validation",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'nkru.load' has no attribute {name!r}")
    return getattr(import_module(f"nkru.load.{_HOMES[name]}"), name)
