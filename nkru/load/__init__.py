"""The one loader: data files and command-line inputs -> validated model objects.

`reader` turns YAML into located plain values, `dataset` validates and cross-checks the data
files (caching what passed), `options` reads `--set` and scenarios.
"""

from nkru.load.dataset import (
    DATA_FILES, bundled_data_dir, cache_dir, cross_check, data_paths, display_name, load_dataset,
)
from nkru.load.options import (
    Scenario, load_scenario, load_scenarios, parse_override, parse_overrides, parse_target, scenario_files, scenario_path,
)
from nkru.load.reader import MAX_FILE_BYTES, read_yaml, validate

__all__ = [
    "DATA_FILES", "MAX_FILE_BYTES", "Scenario", "bundled_data_dir", "cache_dir", "cross_check", "data_paths",
    "display_name", "load_dataset", "load_scenario", "load_scenarios", "parse_override", "parse_overrides", "parse_target",
    "read_yaml", "scenario_files", "scenario_path", "validate",
]
