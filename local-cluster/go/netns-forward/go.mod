module netprops.dev/local-cluster/netns-forward

go 1.24.0
