package main

const usage = `mdns-announce publishes a service on the local network (multicast DNS and
DNS-SD, RFC 6762 and RFC 6763) until Ctrl-C, like avahi-publish-service and
dns-sd -R. It probes the name first and, if another host holds it, publishes
"Name (2)" instead; on SIGINT or SIGTERM it sends goodbyes and exits.

Usage:
    mdns-announce --instance NAME --service _type._tcp --port N [--txt k=v ...]
                  [--domain D] [--subtype S ...] [--host H] [--interface IF ...]
                  [--ipv4-only | --ipv6-only] [--ttl DUR] [--no-mirror] [--json]
    mdns-announce --instance NAME --service _type._tcp --port N --host H --address A ...
                                            # for a device that cannot speak mDNS
    mdns-announce --host H --address A ...  # its address records alone
    mdns-announce --file services.json      # many services; SIGHUP reloads it

The service:
    -n, --instance NAME   the instance name, any UTF-8 up to 63 bytes
                            --instance "Living Room Printer"
    -s, --service TYPE    the service type             --service _http._tcp
    -p, --port N          the port it listens on       --port 8080
    -t, --txt K=V         a TXT attribute (repeatable, kept in order): k=v,
                          k= (empty value) or k (a boolean flag)
                            --txt path=/ --txt secure
    -d, --domain D        the domain (default local)   --domain dev
                          A service in another domain than the global one is
                          also published there (a mirror, with domain=D in its
                          TXT), so that one browse of the global domain, and
                          avahi-browse or dns-sd, see every domain.
        --no-mirror       publish in --domain only, no mirror
        --global-domain G where services of other domains are mirrored
                          (default local; micro: global)
        --subtype S       also list it under subtype S (repeatable)
                            --subtype _printer
        --ttl DUR         record TTL (default 120s for host records, 75m for
                          the others, RFC 6762 §10); short ones make a crashed
                          announcer vanish sooner      --ttl 30s
        --no-rename       exit with status 3 instead of renaming on a conflict
        --host H          the host label to publish (default: the machine's)
                            --host kiosk   (kiosk.local)
        --priority N, --weight N
                          SRV priority and weight (RFC 2782; default 0)

For another device (a proxy, like dns-sd -P and avahi-publish -a):
        --address A       with --host H: H is that device, at address A
                          (repeatable; IPv6 link-local with its interface).
                          Its A/AAAA records and reverse PTRs are published,
                          probed and defended like this machine's; a service
                          given with it points at H. Without --service, the
                          address records alone.
                            --host printer --address 10.0.0.9 --address fe80::9%eth0

Many services:
    -f, --file FILE       publish every service of FILE, a JSON list (schema in
                          README.md); the flags above become defaults. SIGHUP
                          reloads it: new services are registered, removed
                          ones withdrawn, changed ones updated; a bad file is
                          reported and the running set kept.
                            [{"instance":"Web","service":"_http._tcp","port":8080,
                              "txt":["path=/","secure"]}]

Registry (go-micro's model, package domains; any of these selects it):
        --service-version V  the service version       --service-version 1.2.0
        --meta K=V           metadata, same as --txt   --meta region=eu
        --endpoint NAME      an endpoint (repeatable)  --endpoint Greeter.Hello
        --endpoints FILE     endpoints as go-micro's endpoint JSON (a list)
        --flavour F          dnssd (default: readable TXT, any browser) or
                             micro (go-micro's own wire layout)
                          In registry mode --service is the registry's service
                          name (_name._tcp or a go-micro name such as
                          go.micro.srv.greeter), --instance the node id (default:
                          a fresh one), and names are never renamed: a conflict
                          exits with status 3.

Network:
    -i, --interface IF    use only the interfaces this name or pattern matches
                          (repeatable)     --interface eth0 --interface 'en*'
        --exclude-interface IF
                          never use the interfaces it matches (repeatable)
                            --exclude-interface 'docker*'
    -4, --ipv4-only       use IPv4 only
    -6, --ipv6-only       use IPv6 only

Output (stdout; errors go to stderr):
    -j, --json            JSON lines instead of text:
                            {"event":"registered","instance":"Web","service":"_http._tcp",
                             "domain":"local","port":8080}
                          and "renamed" (old, new), "updated", "deregistered"
    -v, --verbose         log interface and conflict diagnostics on stderr
    -h, --help            show this help
        --version         print the version

Exit status: 0 after SIGINT or SIGTERM, 1 failure (no usable interface,
socket error), 2 usage error, 3 a name could not be established (conflict
with --no-rename, registration refused), 130 on a second interrupt during
shutdown.

Examples:
    mdns-announce -n "My Web" -s _http._tcp -p 8080 --txt path=/
    mdns-announce -n db -s _postgresql._tcp -p 5432 --json --no-rename
    mdns-announce -s greeter -p 9090 --service-version 1.0.0 --endpoint Greeter.Hello --domain dev
    mdns-announce -n "Office Printer" -s _ipp._tcp -p 631 --host printer --address 10.0.0.9
    mdns-announce --host nas --address 192.168.1.5
    mdns-announce --file /etc/mdns/services.json
`
