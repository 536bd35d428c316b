package main

const usage = `mdns-resolve looks names up on the local network over multicast DNS
(RFC 6762), like avahi-resolve and dns-sd -G / -L: a host name to its
addresses, an address to its name, a DNS-SD instance to its host, port,
addresses and TXT record. Several arguments are resolved in parallel.

Usage:
    mdns-resolve [--timeout DUR] [--json | --parseable] NAME.local | ADDRESS ...
    mdns-resolve --service _type._tcp [--domain D] INSTANCE ...

What to resolve:
    NAME.local            a host name (box.local, or box) to its IPv4 and IPv6
                          addresses               mdns-resolve box.local
    ADDRESS               an address to its name, through its reverse-mapping
                          PTR (RFC 6762 §4); a link-local IPv6 address with its
                          interface              mdns-resolve 10.0.0.5 fe80::1%eth0
    -s, --service TYPE    the arguments are instance names of this service type
                            mdns-resolve --service _http._tcp "My Web"
    -d, --domain D        the domain of those instances (default local)

Network:
    -i, --interface IF    use only the interfaces this name or pattern matches
                          (repeatable)     --interface eth0 --interface 'en*'
        --exclude-interface IF
                          never use the interfaces it matches (repeatable)
    -4, --ipv4-only       use IPv4 only
    -6, --ipv6-only       use IPv6 only

Output (stdout; errors, and what was not found, go to stderr):
    -t, --timeout DUR     give each argument at most DUR (default 3s; 0: until
                          Ctrl-C)
    -j, --json            one JSON object per line and argument found:
                            {"name":"box.local","addrs":["10.0.0.5","fe80::1%eth0"]}
                            {"addr":"10.0.0.5","name":"box.local"}
                          and for an instance, a line as mdns-browse --json
                          prints it
    -p, --parseable       avahi-resolve's lines for names and addresses, one per
                          address:  box.local<TAB>10.0.0.5   10.0.0.5<TAB>box.local
                          and mdns-browse --parseable --resolve's '=' lines for
                          an instance
    -h, --help            show this help
        --version         print the version

Exit status: 0 everything was found, 4 something was not found within the
timeout (what was found is printed), 1 failure (no usable interface, socket
error), 2 usage error.

Examples:
    mdns-resolve box.local
    mdns-resolve --json printer.local 10.0.0.5
    mdns-resolve -s _ipp._tcp "Office Printer" --json | jq -r '.host + ":" + (.port|tostring)'
`
