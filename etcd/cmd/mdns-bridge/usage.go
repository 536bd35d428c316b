package main

const usage = `mdns-bridge takes multicast DNS service discovery past one link: it mirrors
the registry services it browses on its link(s) into etcd, in go-micro's
etcd layout, so that go-micro services on etcd and other sites see them; or,
with --list, it prints the merged view of etcd and the local link(s).

Usage:
    mdns-bridge --etcd URL [--site NAME] [--domain D ...] [--service NAME ...]
                [--interface IF ...] [--ttl DUR] [--json]
    mdns-bridge --etcd URL --list [--watch] [--timeout DUR] [--json | --parseable]
                [--domain D ...] [--service NAME ...] [--interface IF ...]

As a bridge it runs until SIGINT or SIGTERM, then revokes its lease: every
key it wrote goes at once. A bridge that dies leaves its keys until the
lease (--ttl) runs out. It only writes to etcd: nothing is ever published
on a link. Nodes are tagged with the site and the link in their metadata
(mdnskit.site, mdnskit.link); nodes that already carry a site, and nodes
with only a link-local address, are not mirrored. If etcd is down the
bridge keeps retrying (100 ms doubling up to 1 s) and loses nothing.

Where:
        --etcd URL        etcd's client URL (repeatable, or comma-separated)
                            --etcd http://10.0.0.5:2379
        --site NAME       this bridge's site, tagged on every node it writes
                          (default: the host name)       --site berlin
    -d, --domain D        mirror or list domain D (repeatable; default local,
                          which also holds every other domain's registrations;
                          micro with --flavour micro)     --domain dev
    -s, --service NAME    only this registry service (repeatable; default all)
                            --service greeter   (or _greeter._tcp)
    -i, --interface IF    use this interface (repeatable; default every up,
                          multicast-capable one at start) --interface eth0
        --flavour F       the mDNS wire layout: dnssd (default) or micro
                          (go-micro's mDNS registry)
        --ttl DUR         the lease of mirrored nodes (default 30s)
        --prefix P        etcd key prefix (default /micro/registry/, go-micro's)

Listing (--list): the merged view of etcd and each link, each node once
with every source that has it (mdns:eth0, etcd, etcd:berlin for nodes a
bridge at berlin wrote), the etcd copy winning, disagreements reported.
    -l, --list            print the merged view and exit
    -w, --watch           print add, update and remove events as they happen;
                          on a terminal, a live table
    -t, --timeout DUR     wait at most DUR for each source (default 3s); with
                          --watch stop after DUR (default: until Ctrl-C)

Output (stdout; errors go to stderr):
    -j, --json            one JSON object per line: per node with --list
                          (see README.md for the schema), per write as a bridge
                            {"event":"add","instance":"greeter-1","domain":"local",
                             "host":"10.0.0.7","port":8080,...,
                             "sources":["etcd:berlin","mdns:eth0"],...}
    -p, --parseable       semicolon-separated lines (--list):
                            +;local;greeter;1.0.0;greeter-1;10.0.0.7;8080;local;etcd:berlin,mdns:eth0
                          + added, = updated, - removed; \059 for ';', \092 for '\'
    -v, --verbose         diagnostics on stderr (sources failing, writes retried)
    -h, --help            show this help
        --version         print the version

Exit status: 0 success (a bridge stopped by a signal after revoking its
lease; a listing, also when nothing was found), 1 failure (no usable
interface; a source that could not be read; the lease not revoked),
2 usage error.

Examples:
    mdns-bridge --etcd http://10.0.0.5:2379 --site berlin
    mdns-bridge --etcd http://10.0.0.5:2379 --list
    mdns-bridge --etcd http://10.0.0.5:2379 --list --watch --json | jq -c .sources
`
