"""The benchmark workload for pyinfra: the same 20 steps as site.yml, one operation each.

The root directory comes from the BENCH_ROOT environment variable; every host writes under
BENCH_ROOT/<host name>. `command` with `creates` becomes a guarded shell line, which is what
Ansible's check amounts to (one round trip either way).
"""

import os
from io import StringIO

from pyinfra import host
from pyinfra.operations import files, server

HERE = os.path.dirname(os.path.abspath(__file__))
base = f"{os.environ['BENCH_ROOT']}/{host.name}"
tvars = {"inventory_hostname": host.name, "app_port": 8080, "workers": ["alpha", "beta", "gamma"]}

files.directory(name="01 base directory", path=base, mode="755")
files.directory(name="02 conf directory", path=f"{base}/conf", mode="755")
files.directory(name="03 data directory", path=f"{base}/data", mode="750")
files.directory(name="04 logs directory", path=f"{base}/logs", mode="755")
files.put(
    name="05 app.conf from content",
    src=StringIO("name=bench\nport=8080\nloglevel=debug\n"),
    dest=f"{base}/conf/app.conf",
    mode="644",
)
files.put(
    name="06 db.conf from content",
    src=StringIO("host=db.example\nuser=app\n"),
    dest=f"{base}/conf/db.conf",
    mode="600",
)
files.put(name="07 motd from a file", src=f"{HERE}/files/motd", dest=f"{base}/motd", mode="644")
files.template(
    name="08 app.ini from a template",
    src=f"{HERE}/templates/app.ini.j2",
    dest=f"{base}/conf/app.ini",
    mode="644",
    **tvars,
)
files.template(
    name="09 workers from a template",
    src=f"{HERE}/templates/workers.j2",
    dest=f"{base}/conf/workers",
    mode="644",
    **tvars,
)
files.line(
    name="10 set the log level in local.conf",
    path=f"{base}/conf/local.conf",
    line="^loglevel=.*$",
    replace="loglevel=info",
)
files.line(name="11 add a timeout line", path=f"{base}/conf/local.conf", line="timeout=30")
files.line(name="12 add a pool line", path=f"{base}/conf/local.conf", line="pool=5")
server.shell(
    name="13 initialise the data directory once",
    commands=[f"test -e {base}/data/initialised || touch {base}/data/initialised"],
)
server.shell(
    name="14 make a cache directory once",
    commands=[f"test -e {base}/data/cache || mkdir {base}/data/cache"],
)
server.shell(name="15 read the config back", commands=[f"cat {base}/conf/app.conf"])
files.file(name="16 marker mode", path=f"{base}/data/initialised", mode="600")
files.link(name="17 current -> conf", path=f"{base}/current", target=f"{base}/conf")
files.put(
    name="18 readme",
    src=StringIO("managed by the benchmark\n"),
    dest=f"{base}/data/README",
    mode="644",
)
files.directory(name="19 archive directory", path=f"{base}/logs/archive", mode="750")
files.line(name="20 owner line", path=f"{base}/data/owner", line=f"owner={host.name}")
