module netprops.dev/local-cluster/udp-probe

go 1.24.0
