"""The pyinfra deploy file of dsops.practices.infra: `pyinfra @local infra_deploy.py
--data root=FOLDER --data spec=STACK.json` makes FOLDER hold what the stack declares,
one operation per resource, and touches nothing outside FOLDER."""

import io
import json
from pathlib import Path

from pyinfra import host
from pyinfra.operations import files

root = Path(host.data.root).resolve()
for resource in json.loads(Path(host.data.spec).read_text(encoding="utf-8")):
    target = (root / resource["path"]).resolve()
    if not target.is_relative_to(root) or target == root:
        raise ValueError(f"{resource['path']!r} is outside {root}")
    if resource["kind"] == "Folder":
        files.directory(name=f"folder {resource['path']}", path=str(target), mode=resource["mode"])
    else:
        content = "".join(f"{line}\n" for line in resource["lines"])
        files.put(
            name=f"file {resource['path']}",
            src=io.StringIO(content),
            dest=str(target),
            mode=resource["mode"],
        )
