"""The broker's jars: resolved once per Kafka version with Maven from the shipped
``streams/devstack/kafka/pom.xml`` into ``<cache>/<version>/lib``; a ``.complete`` marker
makes later runs (and other processes, which wait on a lock) skip Maven."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from streams.devstack.localkafka.settings import LocalKafkaError, cache_root, tool
from streams.devstack.localkafka.statefiles import locked

__all__ = ["KAFKA_FILES_DIR", "POM_FILE", "ensure_jars"]

#: the package data of the local broker (``pom.xml``, ``log4j2.yaml``)
KAFKA_FILES_DIR = Path(__file__).resolve().parents[1] / "kafka"
POM_FILE = KAFKA_FILES_DIR / "pom.xml"
_MARKER = ".complete"
_MAVEN_TIMEOUT = 1800.0


def ensure_jars(version: str) -> Path:
    """The folder of the jars of Kafka ``version``, resolved with Maven on the first call only."""
    root = cache_root() / version
    lib = root / "lib"
    if (root / _MARKER).is_file() and lib.is_dir():
        return lib
    with locked(root / ".lock"):
        if (root / _MARKER).is_file() and lib.is_dir():  # another process just did it
            return lib
        mvn = tool("mvn")
        pom = root / "pom.xml"
        shutil.copyfile(POM_FILE, pom)  # run Maven in the cache, never in the package dir
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=root))
        cmd = [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-Dkafka.version={version}",
            f"-DoutputDirectory={staging}",
        ]
        try:
            proc = subprocess.run(
                cmd,
                cwd=root,
                capture_output=True,
                text=True,
                timeout=_MAVEN_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            if proc.returncode != 0:
                output = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
                raise LocalKafkaError(
                    f"Maven could not resolve Kafka {version} (exit {proc.returncode}):\n"
                    f"  {shlex.join(cmd)}\n{output}"
                )
            if not any(staging.glob(f"kafka_2.13-{version}.jar")):
                raise LocalKafkaError(f"Maven finished but kafka_2.13-{version}.jar is missing")
            if lib.exists():
                shutil.rmtree(lib)
            staging.rename(lib)
        except subprocess.TimeoutExpired:
            raise LocalKafkaError(
                f"Maven took over {_MAVEN_TIMEOUT:.0f}s: {shlex.join(cmd)}"
            ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        jars = sorted(p.name for p in lib.glob("*.jar"))
        (root / _MARKER).write_text("\n".join([f"kafka {version}", *jars]) + "\n")
    return lib
