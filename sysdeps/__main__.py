"""``python3 -m sysdeps {list,check,install,hermetic-mounts}``.

* ``list``: the declared packages and why.
* ``check``: each declared package installed or not; exit 1 when any is missing.
* ``install``: ``apt-get install`` the missing ones (root with apt-get only; otherwise say
  what to run and exit 0 — the main job needs none of them).
* ``kept-font-files``: for ``scripts/hermetic.sh``, the font files that
  declared and base packages provide (everything else in the font folders is hidden).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from sysdeps import _dpkg_files, base_packages, declared, is_installed, missing


def _list() -> int:
    for name, pkg in declared().items():
        print(f"{name:28s} {pkg.why}")
    return 0


def _check() -> int:
    gone = []
    for name in declared():
        ok = is_installed(name)
        print(f"{'ok     ' if ok else 'MISSING'} {name}")
        if not ok:
            gone.append(name)
    if gone:
        print(f"缺少系统软件包 / missing system packages: {' '.join(gone)}", file=sys.stderr)
        return 1
    return 0


def _install() -> int:
    gone = missing()
    if not gone:
        print("系统软件包齐全 / all declared system packages are installed")
        return 0
    if os.environ.get("FISCAL_SYSTEM_PACKAGES") == "skip":
        print(f"跳过系统软件包安装 (FISCAL_SYSTEM_PACKAGES=skip): {' '.join(gone)}")
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            "提示：以下系统软件包未安装，主流程不需要它们；生成语料、基准测试和部分测试需要，缺少时这些测试会跳过。\n"
            f"note: not installed (the nightly job does not need them; the corpus generators, the benchmark "
            f"and some tests do, and skip without them): {' '.join(gone)}\n"
            f"install as root: apt-get update && apt-get install -y --no-install-recommends {' '.join(gone)}"
        )
        return 0
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *gone], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return _check()


def _kept_font_files() -> int:
    """Font files of declared and base packages (one per line), for the hermetic test run."""
    names = list(declared()) + list(base_packages())
    for name in names:
        for f in _dpkg_files(name):
            if f.startswith(("/usr/share/fonts/", "/usr/local/share/fonts/")) and os.path.isfile(f):
                print(f)
    return 0


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    actions = {"list": _list, "check": _check, "install": _install, "kept-font-files": _kept_font_files}
    if cmd not in actions:
        print(f"usage: python3 -m sysdeps {{{','.join(actions)}}}", file=sys.stderr)
        return 2
    return actions[cmd]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
