"""The Lua scripts, read once from ``lua/*.lua`` and shared by both twins."""

from __future__ import annotations

import hashlib
from importlib.resources import files

import attrs


@attrs.frozen
class Script:
    """A Lua script and its SHA1, as EVALSHA wants it."""

    name: str
    source: str = attrs.field(repr=False)
    sha: str


def _load(name: str) -> Script:
    folder = files("authsessions").joinpath("lua")
    prelude = folder.joinpath("_prelude.lua").read_text("utf-8")
    source = prelude + "\n" + folder.joinpath(f"{name}.lua").read_text("utf-8")
    return Script(name, source, hashlib.sha1(source.encode("utf-8")).hexdigest())  # noqa: S324


CREATE = _load("create")
READ = _load("read")
SET_META = _load("set_meta")
ROTATE = _load("rotate")
DESTROY = _load("destroy")
DESTROY_USER = _load("destroy_user")
LIST_USER = _load("list_user")
PRUNE_USER = _load("prune_user")
PRUNE_RECORD = _load("prune_record")
ALL = (CREATE, READ, SET_META, ROTATE, DESTROY, DESTROY_USER, LIST_USER, PRUNE_USER, PRUNE_RECORD)
