"""Kustomize: which manifests a kustomization lists as resources.

A listed manifest is a whole object even when it lacks a field its kind requires (a base
Deployment gets `spec.selector` from `commonLabels`), so checks must not take it for a patch
fragment (`scanner.kube.is_patch_fragment`). Only what the files say is used; nothing is built.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from scanner.parsers.kubernetes import Kustomization


def listed_resource_files(kustomizations: Iterable[tuple[str, Kustomization]]) -> set[str]:
    """Root-relative paths of the files named under `resources:` by (kustomization path, content) pairs.

    Directories and remote targets among the entries are other kustomizations, which list their own files.
    """
    listed: set[str] = set()
    for rel, kustomization in kustomizations:
        directory = posixpath.dirname(rel)
        for entry in kustomization.resources:
            if "://" in entry or entry.startswith(("github.com/", "git@")):
                continue
            listed.add(posixpath.normpath(posixpath.join(directory, entry)))
    return listed
