package main

const usage = `mdns-browse lists the services on the local network (multicast DNS and
DNS-SD, RFC 6762 and RFC 6763), like avahi-browse and dns-sd -B.

Usage:
    mdns-browse [--service _type._tcp] [--domain D | --all-domains] [--resolve]
                [--watch] [--timeout DUR | --until-idle] [--json | --parseable]
                [--interface IF ...] [--exclude-interface IF ...] [--flavour dnssd|micro]

Without --watch it browses for --timeout (3s), or with --until-idle until the
link has gone quiet, then prints every instance found, sorted, and exits.
With --watch it prints each change as it happens, until --timeout (default:
none) or Ctrl-C.

What to browse:
    -s, --service TYPE    browse this service type (repeatable); without it,
                          every type announced in the domain (RFC 6763 §9)
                            --service _http._tcp --service _ipp._tcp
        --subtype SUB     only instances registered under this subtype
                          (needs one --service)    --subtype _printer
    -d, --domain D        browse domain D instead of local (repeatable)
                            --domain dev
    -a, --all-domains     every domain at once: browse the global domain, where
                          mdnskit registries mirror the registrations of every
                          domain, and list each under the domain it came from
        --global-domain G the global domain for --all-domains (default local;
                          go-micro registries use global)
        --flavour F       how to read --service: dnssd, a registry service name
                          (greeter browses _greeter._tcp), or micro, a go-micro
                          service name (go.micro.srv.greeter) in domain micro
                          (global domain: global). Without it --service is a
                          service type, and registry payloads of both flavours
                          are recognised in what is found.
    -i, --interface IF    use only the interfaces this name or pattern matches
                          (repeatable)     --interface eth0 --interface 'en*'
        --exclude-interface IF
                          never use the interfaces it matches (repeatable)
                            --exclude-interface 'docker*' --exclude-interface 'veth*'
    -4, --ipv4-only       use IPv4 only
    -6, --ipv6-only       use IPv6 only

When to stop:
    -t, --timeout DUR     stop after DUR; 0 means until Ctrl-C (default 3s,
                          with --watch 0)          --timeout 10s
    -w, --watch           print add, update and remove events as they happen;
                          on a terminal, a live table
        --until-idle      stop as soon as the link has gone quiet (like
                          avahi-browse -t): every browse has heard nothing new
                          for 0.3s, at least 0.5s after it began (1.25s while it
                          heard nothing); at most --timeout (default 10s with it)

Output (stdout; errors go to stderr):
    -r, --resolve         also show TXT records in the table, and '=' lines
                          with host, address, port and TXT in --parseable
    -j, --json            one JSON object per line and instance (per event with
                          --watch); see README.md for the schema:
                            {"event":"add","instance":"My Printer","service":"_ipp._tcp",
                             "domain":"local","host":"h1.local","port":631,
                             "addrs":["10.0.0.7","fe80::1%eth0"],"txt":{"k":"v","flag":null},
                             "interface":"eth0"}
    -p, --parseable       semicolon-separated lines as avahi-browse -p -k prints:
                            +;eth0;IPv4;My\032Printer;_ipp._tcp;local
                            =;eth0;IPv4;My\032Printer;_ipp._tcp;local;h1.local;10.0.0.7;631;"k=v" "flag"
                          the instance escaped as avahi does (\. \\ and \DDD for
                          bytes other than letters, digits, - and _), TXT strings
                          quoted with \" \\ and \DDD, in wire order; one '=' line
                          per address; '-' lines for removals (with --watch)
    -h, --help            show this help
        --version         print the version

Exit status: 0 success (also when nothing was found), 1 failure (no usable
interface, socket error), 2 usage error.

Examples:
    mdns-browse                                  # every service on the LAN, as a table
    mdns-browse -s _http._tcp --json | jq -r .host
    mdns-browse -s _ipp._tcp --watch --timeout 1m
    mdns-browse --until-idle --json              # in a script: no --timeout to guess
    mdns-browse --all-domains --resolve
`
