"""Writes a Skewless feature repo (docs/feature-repo.md) from a Feast feature repo's
definitions, so that Skewless can serve that repo's views (docs/feast.md).

    python -m skewless.feast.convert FEAST_REPO [--out FILE]

It reads the repo's Python definitions as `feast apply` does (without applying anything):
entities, feature views and feature services. Each Feast view becomes a Skewless view of the
same name, entities, fields and TTL, with the staleness policy `serve_flagged` (stale values
served and flagged, as Feast serves them) and no defaults (a missing value stays missing, as
in Feast). What has no Skewless equivalent (an on-demand or stream view's transformation, a
type Skewless does not store) is named on standard error, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from feast.feature_view import DUMMY_ENTITY_NAME
from feast.repo_operations import parse_repo

from .types import skewless_type

#: Skewless gives every view a TTL; Feast's 0 means none.
NO_TTL = "36500d"


def _duration(seconds: int) -> str:
    if seconds <= 0:
        return NO_TTL
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def convert(repo: Path) -> tuple[dict[str, Any], list[str]]:
    """The Skewless repo document for a Feast repo, and what could not be converted."""
    problems: list[str] = []
    project = "feast"
    config_file = repo / "feature_store.yaml"
    if config_file.exists():
        project = str((yaml.safe_load(config_file.read_text()) or {}).get("project", project))
    # Feast imports the repo's files as modules named from the working directory, as its CLI does.
    previous = os.getcwd()
    os.chdir(repo)
    sys.path.insert(0, str(repo))
    try:
        contents = parse_repo(repo)
    finally:
        os.chdir(previous)
        sys.path.remove(str(repo))
    key_types: dict[str, str] = {}
    views: list[dict[str, Any]] = []
    used_entities: list[str] = []
    for view in sorted(contents.feature_views, key=lambda v: v.name):
        entity_names = [e for e in view.entities if e != DUMMY_ENTITY_NAME]
        if not entity_names:
            problems.append(f"feature view '{view.name}' has no entity: Skewless keys every view by its entities' join keys")
            continue
        for column in view.entity_columns:
            try:
                kind = skewless_type(column)
            except ValueError as error:
                problems.append(f"join key '{column.name}' of '{view.name}': {error}")
                continue
            key_types[column.name] = "int64" if kind in ("int64", "int32") else kind
        fields = []
        for feature in view.features:
            try:
                field: dict[str, Any] = {"name": feature.name, "type": skewless_type(feature)}
            except ValueError as error:
                problems.append(f"'{view.name}.{feature.name}': {error}")
                continue
            if feature.description:
                field["description"] = feature.description
            fields.append(field)
        entry: dict[str, Any] = {
            "name": view.name,
            "entities": entity_names,
            "ttl": _duration(int(view.ttl.total_seconds()) if view.ttl else 0),
            "staleness": "serve_flagged",
        }
        if view.owner:
            entry["owner"] = view.owner
        if view.description:
            entry["description"] = view.description
        if view.tags:
            entry["tags"] = dict(view.tags)
        entry["fields"] = fields
        views.append(entry)
        used_entities += [e for e in entity_names if e not in used_entities]
    for other in list(contents.on_demand_feature_views) + list(contents.stream_feature_views):
        problems.append(f"'{other.name}' is a {type(other).__name__}: Skewless serves stored features only; write its outputs to a plain view")
    entities = []
    by_name = {e.name: e for e in contents.entities}
    for name in used_entities:
        entity = by_name.get(name)
        if entity is None:
            problems.append(f"entity '{name}' is used by a view but not defined")
            continue
        join_keys = list(getattr(entity, "join_keys", None) or [entity.join_key])
        keys = []
        for key in join_keys:
            key_type = key_types.get(key)
            if key_type not in ("int64", "string"):
                problems.append(f"join key '{key}' of entity '{name}' is {key_type or 'of no known type'}: Skewless's join keys are int64 or string")
                continue
            keys.append({"name": key, "type": key_type})
        item: dict[str, Any] = {"name": name, "join_keys": keys}
        if entity.description:
            item["description"] = entity.description
        entities.append(item)
    services = []
    view_names = {v["name"] for v in views}
    for service in sorted(contents.feature_services, key=lambda s: s.name):
        features = []
        for projection in service.feature_view_projections:
            if projection.name not in view_names:
                problems.append(f"feature service '{service.name}' reads '{projection.name}', which is not converted")
                continue
            features += [f"{projection.name}:{f.name}" for f in projection.features]
        service_entry: dict[str, Any] = {"name": service.name, "features": features}
        if service.description:
            service_entry["description"] = service.description
        if service.owner:
            service_entry["owner"] = service.owner
        services.append(service_entry)
    document: dict[str, Any] = {"project": project, "entities": entities, "feature_views": views}
    if services:
        document["feature_services"] = services
    return document, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skewless.feast.convert", description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="the Feast feature repo (the folder with feature_store.yaml)")
    parser.add_argument("--out", type=Path, help="the Skewless repo file to write (default: standard output)")
    arguments = parser.parse_args(argv)
    document, problems = convert(arguments.repo.resolve())
    text = (
        f"# Written by `python -m skewless.feast.convert {arguments.repo}` from the Feast repo's definitions.\n"
        "# Skewless's format: docs/feature-repo.md; how the two relate: docs/feast.md.\n"
        + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    )
    if arguments.out is None:
        sys.stdout.write(text)
    else:
        arguments.out.write_text(text)
    for problem in problems:
        print(f"not converted: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
