# Attack: write outside its folder, leave processes running, use the network, take 8 GiB and 2,000 processes.
import os
import socket
import subprocess

from clflib.course import PROJECT_ROOT

MARK = "clflib-hostile-escape-marker"
for folder in (PROJECT_ROOT, os.path.expanduser("~"), "..", "/tmp", "/var/tmp", "/dev/shm"):
    try:
        with open(os.path.join(folder, MARK), "w") as handle:
            handle.write("escaped")
        print("wrote into", folder)
    except OSError as error:
        print("refused:", folder, error)
subprocess.Popen(["setsid", "sh", "-c", "sleep 4242 & sleep 4243"], start_new_session=True)
children = []
try:
    for _ in range(2000):
        children.append(subprocess.Popen(["sleep", "4244"]))
except OSError as error:
    print(f"stopped after {len(children)} processes:", error)
try:
    socket.create_connection(("pypi.org", 443), timeout=3)
    print("network reached")
except OSError as error:
    print("no network:", error)
import numpy as np

big = np.ones(8 * 2**30 // 8)  # 8 GiB: more than make grade's default cap of 6 GiB per kernel
big[:] = 2.0
print("allocated", big.nbytes)
