"""Load this collection's plugins the way ansible-playbook and ansible-inventory do."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

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
