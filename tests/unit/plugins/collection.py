"""Load this collection's plugins the way ansible-playbook and ansible-inventory do, and run its modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible.plugins.loader import init_plugin_loader, inventory_loader, lookup_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig

COLLECTIONS = Path(__file__).resolve().parents[3] / ".collections"
LOADERS = {"inventory": inventory_loader, "lookup": lookup_loader}


def _collection_loader() -> None:
    """Ansible's collection loader, once per test process.

    tests/conftest.py lets other tests import ansible_collections.* straight from sys.path; packages
    imported that way lack the collection metadata the plugin loader reads, so they are forgotten
    and imported again through the loader (the tests that hold them keep their own copies).
    """
    if AnsibleCollectionConfig.collection_finder is not None:
        return
    for name in [
        n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections.")
    ]:
        del sys.modules[name]
    init_plugin_loader([str(COLLECTIONS)])


def plugin_module(kind: str, name: str) -> ModuleType:
    """The Python module of webcast.platform.<name>, a plugin of this kind, loaded through Ansible."""
    _collection_loader()
    module_name = f"ansible_collections.webcast.platform.plugins.{kind}.{name}"
    if module_name not in sys.modules:
        LOADERS[kind].get(f"webcast.platform.{name}")
    return sys.modules[module_name]


def run_module(
    module: ModuleType, args: dict[str, Any], capsys: Any, check_mode: bool = False
) -> dict[str, Any]:
    """Run an Ansible module's main() in process with these arguments; its result, as Ansible gets it.

    ansible-core 2.19 reads the arguments from basic._ANSIBLE_ARGS with a serialisation profile in
    basic._ANSIBLE_PROFILE; its own ansible.module_utils.testing.patch_module_args sets both.
    """
    if check_mode:
        args = {**args, "_ansible_check_mode": True}
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        module.main()
    result = json.loads(capsys.readouterr().out)
    # exit_json exits 0 and fail_json 1: keep the two consistent with the result they print.
    assert (exit_info.value.code == 1) == bool(result.get("failed")), result
    return result
