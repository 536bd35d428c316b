"""Browse with python-zeroconf and print what it resolves, as JSON.

usage: zcbrowse.py TYPE TIMEOUT_S ADDRS INSTANCE...

Waits until every INSTANCE of TYPE (e.g. _testlan._tcp.local.) is seen,
resolves each and prints one JSON object per instance; exits 1 if any is
missing at the timeout. ADDRS is a comma-separated list of addresses each
instance should have ("-" for none): python-zeroconf considers a service
resolved once it has one address, so it asks again until it has them all
(or the timeout passes) rather than racing the other address family.
"""
import json
import sys
import threading
import time

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceListener, Zeroconf


class Seen(ServiceListener):
    def __init__(self):
        self.names = set()
        self.cond = threading.Condition()

    def add_service(self, zc, type_, name):
        with self.cond:
            self.names.add(name)
            self.cond.notify_all()

    def update_service(self, zc, type_, name):
        self.add_service(zc, type_, name)

    def remove_service(self, zc, type_, name):
        pass


def main():
    type_, timeout = sys.argv[1], float(sys.argv[2])
    addrs = set() if sys.argv[3] == "-" else set(sys.argv[3].split(","))
    want = {f"{i}.{type_}" for i in sys.argv[4:]}
    zc = Zeroconf(ip_version=IPVersion.All)
    seen = Seen()
    ServiceBrowser(zc, type_, seen)
    deadline = time.monotonic() + timeout
    with seen.cond:
        while not want <= seen.names and time.monotonic() < deadline:
            seen.cond.wait(deadline - time.monotonic())
    missing = want - seen.names
    ok = not missing
    for name in sorted(want - missing):
        info = ServiceInfo(type_, name)
        while True:
            info.request(zc, 1000)
            if addrs <= set(info.parsed_addresses()) or time.monotonic() > deadline:
                break
        if info.port is None:
            ok = False
            print(f"unresolved: {name}", file=sys.stderr)
            continue
        txt = {k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()}
        print(json.dumps({"name": name, "server": info.server, "port": info.port,
                          "addresses": sorted(info.parsed_addresses()), "txt": txt}), flush=True)
    if missing:
        print(f"missing: {sorted(missing)}; seen: {sorted(seen.names)}", file=sys.stderr)
    zc.close()
    sys.exit(0 if ok else 1)


main()
