"""A fake ``lake`` for the fake REPL: ``lake env CMD ...`` runs CMD as a child and waits
(as the real one does: it does not exec, so killing it alone leaves CMD running);
``--version``, ``build`` and ``exe cache get`` succeed and do nothing."""

from __future__ import annotations

import subprocess
import sys


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--version"]:
        print("Lake version 5.0.0-fake (Lean version 4.19.0)")
        return 0
    if args[:1] == ["env"] and len(args) > 1:
        code = subprocess.call(args[1:])
        return code if code >= 0 else 128 - code
    return 0


if __name__ == "__main__":
    sys.exit(main())
